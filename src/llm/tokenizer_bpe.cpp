// Byte-level BPE (GPT-2 style): pre-tokenize into words, write each word's bytes as GPT-2's
// printable stand-in characters, then merge adjacent symbols lowest merge rank first (leftmost on
// ties). A final symbol that is not a token falls back to single-byte tokens where they exist.
#include <array>
#include <queue>
#include <string>
#include <vector>

#include "llm/pre_tokenizer.h"
#include "llm/unicode.h"
#include "llm/vocab.h"

namespace airan::llm {
namespace {

// GPT-2 maps the printable bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) to themselves and
// every other byte, in order, to U+0100, U+0101, ...
struct ByteMap {
  std::array<uint32_t, 256> to_cpt{};
  ByteMap() {
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      to_cpt[b] = printable ? b : next++;
    }
  }
};

const ByteMap& byte_map() {
  static const ByteMap m;
  return m;
}

struct Symbol {
  int prev;
  int next;
  size_t offset;
  size_t n;
};

struct Bigram {
  int left;
  int right;
  int32_t rank;
  std::string text;
};

struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

class BpeWord {
 public:
  BpeWord(const Tokenizer::Vocab& vocab, const std::string& word) : vocab_(vocab), word_(word) {}

  void tokenize(std::vector<TokenId>& out) {
    size_t offset = 0;
    int index = 0;
    while (offset < word_.size()) {
      const size_t len = std::min(unicode::utf8_length(static_cast<uint8_t>(word_[offset])),
                                  word_.size() - offset);
      symbols_.push_back(
          Symbol{index - 1, offset + len == word_.size() ? -1 : index + 1, offset, len});
      offset += len;
      ++index;
    }
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) try_add_bigram(i - 1, i);
    while (!queue_.empty()) {
      const Bigram b = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[b.left];
      Symbol& right = symbols_[b.right];
      if (left.n == 0 || right.n == 0) continue;
      // A pair queued before one of its sides changed is stale.
      if (left.n + right.n != b.text.size() || left.next != b.right ||
          word_.compare(left.offset, left.n + right.n, b.text) != 0) {
        continue;
      }
      left.n += right.n;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = b.left;
      try_add_bigram(left.prev, b.left);
      try_add_bigram(b.left, left.next);
    }
    for (int i = symbols_.empty() ? -1 : 0; i != -1; i = symbols_[i].next) {
      const std::string_view s(word_.data() + symbols_[i].offset, symbols_[i].n);
      const TokenId id = vocab_.find(s);
      if (id != kNoToken) {
        out.push_back(id);
        continue;
      }
      for (char ch : s) {
        const TokenId b = vocab_.find(std::string_view(&ch, 1));
        if (b != kNoToken) out.push_back(b);
      }
    }
  }

 private:
  void try_add_bigram(int left, int right) {
    if (left == -1 || right == -1) return;
    const Symbol& l = symbols_[left];
    const Symbol& r = symbols_[right];
    std::string key;
    key.reserve(l.n + r.n + 1);
    key.append(word_, l.offset, l.n);
    key += ' ';
    key.append(word_, r.offset, r.n);
    auto it = vocab_.merge_rank.find(key);
    if (it == vocab_.merge_rank.end()) return;
    queue_.push(Bigram{left, right, it->second, word_.substr(l.offset, l.n + r.n)});
  }

  const Tokenizer::Vocab& vocab_;
  const std::string& word_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

uint32_t bpe_byte_to_codepoint(uint8_t byte) {
  return byte_map().to_cpt[byte];
}

int bpe_codepoint_to_byte(uint32_t cpt) {
  static const std::array<int, 324> inverse = [] {
    std::array<int, 324> inv{};
    inv.fill(-1);
    for (uint32_t b = 0; b < 256; ++b) inv[byte_map().to_cpt[b]] = static_cast<int>(b);
    return inv;
  }();
  return cpt < inverse.size() ? inverse[cpt] : -1;
}

void bpe_tokenize(const Tokenizer::Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  for (const std::string& word : pre_tokenize(vocab.pre, text)) {
    std::string mapped;
    mapped.reserve(word.size() * 2);
    for (char ch : word)
      unicode::append_utf8(mapped, bpe_byte_to_codepoint(static_cast<uint8_t>(ch)));
    BpeWord(vocab, mapped).tokenize(out);
  }
}

}  // namespace airan::llm
