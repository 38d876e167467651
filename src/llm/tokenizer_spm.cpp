// SentencePiece-style tokenization as llama.cpp does it: start from single UTF-8 characters,
// repeatedly merge the adjacent pair whose merged text is the vocabulary token of highest score
// (leftmost on ties), then emit each piece's token, splitting pieces that are not tokens back
// along their merges and, at the bottom, as <0xXX> byte tokens.
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "llm/unicode.h"
#include "llm/vocab.h"

namespace airan::llm {
namespace {

struct Symbol {
  int prev;
  int next;
  size_t offset;  // into the fragment text
  size_t n;       // bytes; 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  float score;
  size_t size;
};

struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class SpmSession {
 public:
  SpmSession(const Tokenizer::Vocab& vocab, std::string_view text) : vocab_(vocab), text_(text) {}

  void tokenize(std::vector<TokenId>& out) {
    size_t offset = 0;
    int index = 0;
    while (offset < text_.size()) {
      const size_t len = std::min(unicode::utf8_length(static_cast<uint8_t>(text_[offset])),
                                  text_.size() - offset);
      symbols_.push_back(
          Symbol{index - 1, offset + len == text_.size() ? -1 : index + 1, offset, len});
      offset += len;
      ++index;
    }
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) try_add_bigram(i - 1, i);
    while (!queue_.empty()) {
      const Bigram b = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[b.left];
      Symbol& right = symbols_[b.right];
      // Skip pairs of which a side has been merged since the pair was queued.
      if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;
      left.n += right.n;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = b.left;
      try_add_bigram(left.prev, b.left);
      try_add_bigram(b.left, left.next);
    }
    for (int i = symbols_.empty() ? -1 : 0; i != -1; i = symbols_[i].next) {
      resegment(symbols_[i], out);
    }
  }

 private:
  std::string_view piece(const Symbol& s) const { return text_.substr(s.offset, s.n); }

  void try_add_bigram(int left, int right) {
    if (left == -1 || right == -1) return;
    const std::string_view merged =
        text_.substr(symbols_[left].offset, symbols_[left].n + symbols_[right].n);
    const TokenId id = vocab_.find(merged);
    if (id == kNoToken) return;
    queue_.push(Bigram{left, right, vocab_.score[id], merged.size()});
    rev_merge_[std::string(merged)] = {left, right};
  }

  void resegment(const Symbol& s, std::vector<TokenId>& out) const {
    const std::string_view text = piece(s);
    if (const TokenId id = vocab_.find(text); id != kNoToken) {
      out.push_back(id);
      return;
    }
    auto it = rev_merge_.find(std::string(text));
    if (it == rev_merge_.end()) {
      for (char ch : text) {
        const TokenId b = vocab_.byte_token[static_cast<uint8_t>(ch)];
        if (b != kNoToken) {
          out.push_back(b);
        } else if (vocab_.unk != kNoToken) {
          out.push_back(vocab_.unk);
        }
      }
      return;
    }
    // The pair's symbols as they were when the pair was formed: rebuild their extents.
    const Symbol& l = symbols_[it->second.first];
    const Symbol& r = symbols_[it->second.second];
    const size_t left_n = r.offset - l.offset;
    resegment(Symbol{-1, -1, l.offset, left_n}, out);
    resegment(Symbol{-1, -1, r.offset, text.size() - left_n}, out);
  }

  const Tokenizer::Vocab& vocab_;
  std::string_view text_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
  std::unordered_map<std::string, std::pair<int, int>> rev_merge_;
};

}  // namespace

void spm_tokenize(const Tokenizer::Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  SpmSession(vocab, text).tokenize(out);
}

}  // namespace airan::llm
