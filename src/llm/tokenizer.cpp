// Vocabulary loading from GGUF metadata, the special-token pass, BOS/EOS, and token -> text.
#include "airan/llm/tokenizer.h"

#include <algorithm>
#include <cstdio>

#include "llm/unicode.h"
#include "llm/vocab.h"

namespace airan::llm {
namespace {

constexpr std::string_view kSpmSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

std::string escape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char ch : text) {
    if (ch == ' ') {
      out += kSpmSpace;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string unescape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, kSpmSpace.size(), kSpmSpace) == 0) {
      out += ' ';
      i += kSpmSpace.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

// "<0x41>" -> 0x41; -1 if `text` is not of that form.
int parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int v = 0;
  for (size_t i = 3; i < 5; ++i) {
    const char c = text[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= c - '0';
    } else if (c >= 'A' && c <= 'F') {
      v |= c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      v |= c - 'a' + 10;
    } else {
      return -1;
    }
  }
  return v;
}

// Reads an optional token-id key; an id outside the vocabulary is an error naming the key.
Status read_token_id(const GgufFile& f, const char* key, size_t n_vocab, TokenId* id) {
  if (!f.find(key)) return Status::ok();
  auto v = f.get_u32(key);
  if (!v) return v.error();
  if (*v >= n_vocab) {
    return Error{f.name() + ": metadata \"" + key + "\" = " + std::to_string(*v) +
                 " is outside the vocabulary of " + std::to_string(n_vocab) + " tokens"};
  }
  *id = static_cast<TokenId>(*v);
  return Status::ok();
}

// A piece of the input: raw text still to tokenize, or a token found by the special-token pass.
struct Fragment {
  TokenId token = kNoToken;
  std::string_view text;
};

// Splits the raw-text fragments at every occurrence of each special token, longest tokens first.
std::vector<Fragment> partition_special(const Tokenizer::Vocab& v, bool parse_special,
                                        std::string_view text) {
  std::vector<Fragment> frags{Fragment{kNoToken, text}};
  std::vector<Fragment> next;
  for (TokenId id : v.special_tokens) {
    const TokenKind k = v.kind[id];
    if (!parse_special && (k == TokenKind::kControl || k == TokenKind::kUnknown)) continue;
    const std::string& special = v.text[id];
    next.clear();
    bool found = false;
    for (const Fragment& fr : frags) {
      if (fr.token != kNoToken) {
        next.push_back(fr);
        continue;
      }
      std::string_view rest = fr.text;
      for (size_t pos = rest.find(special); pos != std::string_view::npos;
           pos = rest.find(special)) {
        found = true;
        if (pos > 0) next.push_back(Fragment{kNoToken, rest.substr(0, pos)});
        next.push_back(Fragment{id, {}});
        rest = rest.substr(pos + special.size());
      }
      if (!rest.empty()) next.push_back(Fragment{kNoToken, rest});
    }
    if (found) frags.swap(next);
  }
  return frags;
}

}  // namespace

Expected<Tokenizer> Tokenizer::from_gguf(const GgufFile& f) {
  auto v = std::make_shared<Vocab>();
  auto model = f.get_string("tokenizer.ggml.model");
  if (!model) return model.error();
  auto tokens = f.get_string_array("tokenizer.ggml.tokens");
  if (!tokens) return tokens.error();
  const size_t n = tokens->size();
  if (n == 0) return Error{f.name() + ": tokenizer.ggml.tokens is empty"};
  if (n > static_cast<size_t>(INT32_MAX)) {
    return Error{f.name() + ": tokenizer.ggml.tokens has more than 2^31 - 1 entries"};
  }

  if (*model == "llama") {
    v->type = VocabType::kSpm;
    v->bos = 1, v->eos = 2, v->unk = 0;
    v->add_bos = true, v->add_eos = false, v->add_space_prefix = true;
  } else if (*model == "gpt2") {
    v->type = VocabType::kBpe;
    v->bos = 11, v->eos = 11;
    v->add_bos = false, v->add_eos = false, v->add_space_prefix = false;
    auto pre = f.get_string_or("tokenizer.ggml.pre", "default");
    if (!pre) return pre.error();
    v->pre_name = *pre;
    auto kind = pre_tokenizer_from_name(*pre);
    if (!kind) {
      return Error{f.name() + ": tokenizer.ggml.pre \"" + *pre +
                   "\" is not supported (supported: " + supported_pre_tokenizers() + ")"};
    }
    v->pre = *kind;
    auto merges = f.get_string_array("tokenizer.ggml.merges");
    if (!merges) return merges.error();
    v->merge_rank.reserve(merges->size());
    for (size_t i = 0; i < merges->size(); ++i) {
      const std::string_view m = (*merges)[i];
      const size_t space = m.find(' ', 1);
      if (space == std::string_view::npos) {
        return Error{f.name() + ": tokenizer.ggml.merges[" + std::to_string(i) + "] \"" +
                     std::string(m) + "\" is not two symbols separated by a space"};
      }
      v->merge_rank.emplace(std::string(m), static_cast<int32_t>(i));
    }
  } else {
    return Error{f.name() + ": tokenizer.ggml.model \"" + *model +
                 "\" is not supported (supported: llama, gpt2)"};
  }
  // Defaults that point outside a small vocabulary mean "none".
  for (TokenId* id : {&v->bos, &v->eos, &v->unk}) {
    if (*id >= static_cast<TokenId>(n)) *id = kNoToken;
  }

  if (f.find("tokenizer.ggml.scores")) {
    auto scores = f.get_f32_array("tokenizer.ggml.scores");
    if (!scores) return scores.error();
    if (scores->size() != n) {
      return Error{f.name() + ": tokenizer.ggml.scores has " + std::to_string(scores->size()) +
                   " entries, tokenizer.ggml.tokens " + std::to_string(n)};
    }
    v->score = std::move(*scores);
  } else {
    v->score.assign(n, 0.0f);
  }
  v->kind.assign(n, TokenKind::kNormal);
  if (f.find("tokenizer.ggml.token_type")) {
    auto types = f.get_i32_array("tokenizer.ggml.token_type");
    if (!types) return types.error();
    if (types->size() != n) {
      return Error{f.name() + ": tokenizer.ggml.token_type has " + std::to_string(types->size()) +
                   " entries, tokenizer.ggml.tokens " + std::to_string(n)};
    }
    for (size_t i = 0; i < n; ++i) {
      const int32_t t = (*types)[i];
      v->kind[i] = (t >= 0 && t <= 6) ? static_cast<TokenKind>(t) : TokenKind::kUndefined;
    }
  }

  v->text.reserve(n);
  v->text_to_id.reserve(n);
  v->byte_token.fill(kNoToken);
  for (size_t i = 0; i < n; ++i) {
    std::string word((*tokens)[i]);
    if (word.empty()) word = "[EMPTY_" + std::to_string(i) + "]";
    v->text_to_id.insert_or_assign(word, static_cast<TokenId>(i));
    if (v->type == VocabType::kSpm) {
      const int b = parse_byte_token(word);
      if (b >= 0 && v->byte_token[b] == kNoToken) v->byte_token[b] = static_cast<TokenId>(i);
    }
    v->text.push_back(std::move(word));
  }
  if (v->type == VocabType::kSpm) {
    // Without a <0xXX> token, a byte may still exist as a one-byte token.
    for (int b = 0; b < 256; ++b) {
      if (v->byte_token[b] == kNoToken) {
        v->byte_token[b] = v->find(std::string(1, static_cast<char>(b)));
      }
    }
  }

  for (const auto& [key, id] : {std::pair{"tokenizer.ggml.bos_token_id", &v->bos},
                                std::pair{"tokenizer.ggml.eos_token_id", &v->eos},
                                std::pair{"tokenizer.ggml.eot_token_id", &v->eot},
                                std::pair{"tokenizer.ggml.eom_token_id", &v->eom},
                                std::pair{"tokenizer.ggml.unknown_token_id", &v->unk}}) {
    if (Status s = read_token_id(f, key, n, id); !s) return Error{s.message()};
  }
  auto add_bos = f.get_bool_or("tokenizer.ggml.add_bos_token", v->add_bos);
  if (!add_bos) return add_bos.error();
  auto add_eos = f.get_bool_or("tokenizer.ggml.add_eos_token", v->add_eos);
  if (!add_eos) return add_eos.error();
  auto add_prefix = f.get_bool_or("tokenizer.ggml.add_space_prefix", v->add_space_prefix);
  if (!add_prefix) return add_prefix.error();
  v->add_bos = *add_bos;
  v->add_eos = *add_eos;
  v->add_space_prefix = *add_prefix;
  if (v->add_bos && v->bos == kNoToken) {
    return Error{f.name() + ": the vocabulary adds BOS but has no BOS token"};
  }
  if (v->add_eos && v->eos == kNoToken) {
    return Error{f.name() + ": the vocabulary adds EOS but has no EOS token"};
  }

  for (size_t i = 0; i < n; ++i) {
    const TokenKind k = v->kind[i];
    if (k == TokenKind::kControl || k == TokenKind::kUserDefined || k == TokenKind::kUnknown) {
      v->special_tokens.push_back(static_cast<TokenId>(i));
    }
  }
  std::stable_sort(v->special_tokens.begin(), v->special_tokens.end(),
                   [&v](TokenId a, TokenId b) { return v->text[a].size() > v->text[b].size(); });

  for (TokenId id : {v->eos, v->eot, v->eom}) {
    if (id != kNoToken) v->end_of_generation.push_back(id);
  }
  for (const char* t : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|endoftext|>", "<end_of_turn>",
                        "<|eom_id|>", "<EOT>", "<|end_of_text|>"}) {
    const TokenId id = v->find(t);
    if (id != kNoToken && v->kind[id] == TokenKind::kControl &&
        std::find(v->end_of_generation.begin(), v->end_of_generation.end(), id) ==
            v->end_of_generation.end()) {
      v->end_of_generation.push_back(id);
    }
  }
  return Tokenizer(std::move(v));
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  const Vocab& v = *vocab_;
  std::vector<TokenId> out;
  if (add_special && v.add_bos) out.push_back(v.bos);
  std::vector<Fragment> frags;
  if (!text.empty()) frags = partition_special(v, parse_special, text);
  bool prev_special = true;  // the text's start counts as following a special token
  for (const Fragment& fr : frags) {
    if (fr.token != kNoToken) {
      out.push_back(fr.token);
      prev_special = true;
      continue;
    }
    if (v.type == VocabType::kSpm) {
      std::string t;
      if (v.add_space_prefix && prev_special) t = " ";
      t.append(fr.text);
      spm_tokenize(v, escape_spaces(t), out);
    } else {
      bpe_tokenize(v, fr.text, out);
    }
    prev_special = false;
  }
  if (add_special && v.add_eos) out.push_back(v.eos);
  return out;
}

std::string Tokenizer::token_to_piece(TokenId id, bool render_special) const {
  const Vocab& v = *vocab_;
  if (id < 0 || static_cast<size_t>(id) >= v.text.size()) return {};
  const std::string& text = v.text[id];
  switch (v.kind[id]) {
    case TokenKind::kControl:
    case TokenKind::kUnknown:
      return render_special ? text : std::string();
    case TokenKind::kUserDefined:
      return text;
    case TokenKind::kNormal:
      break;
    case TokenKind::kByte:
      if (v.type == VocabType::kSpm) {
        const int b = parse_byte_token(text);
        return b >= 0 ? std::string(1, static_cast<char>(b)) : std::string();
      }
      return {};
    case TokenKind::kUnused:
    case TokenKind::kUndefined:
      return {};
  }
  if (v.type == VocabType::kSpm) return unescape_spaces(text);
  std::string out;
  for (uint32_t c : unicode::to_codepoints(text)) {
    const int b = bpe_codepoint_to_byte(c);
    if (b >= 0) {
      out += static_cast<char>(b);
    } else {
      unicode::append_utf8(out, c);
    }
  }
  return out;
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool render_special) const {
  const Vocab& v = *vocab_;
  if (v.add_bos && !ids.empty() && ids.front() == v.bos) ids = ids.subspan(1);
  std::string out;
  bool first = true;
  for (TokenId id : ids) {
    std::string piece = token_to_piece(id, render_special);
    if (first && v.type == VocabType::kSpm && v.add_space_prefix && !piece.empty() &&
        piece.front() == ' ') {
      piece.erase(0, 1);
    }
    first = false;
    out += piece;
  }
  return out;
}

size_t Tokenizer::n_vocab() const {
  return vocab_->text.size();
}
VocabType Tokenizer::type() const {
  return vocab_->type;
}
const std::string& Tokenizer::pre_tokenizer() const {
  return vocab_->pre_name;
}

const std::string& Tokenizer::token_text(TokenId id) const {
  static const std::string kEmpty;
  if (id < 0 || static_cast<size_t>(id) >= vocab_->text.size()) return kEmpty;
  return vocab_->text[id];
}

TokenKind Tokenizer::token_kind(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocab_->kind.size()) return TokenKind::kUndefined;
  return vocab_->kind[id];
}

float Tokenizer::token_score(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocab_->score.size()) return 0.0f;
  return vocab_->score[id];
}

TokenId Tokenizer::bos() const {
  return vocab_->bos;
}
TokenId Tokenizer::eos() const {
  return vocab_->eos;
}
TokenId Tokenizer::unk() const {
  return vocab_->unk;
}
bool Tokenizer::add_bos() const {
  return vocab_->add_bos;
}
bool Tokenizer::add_eos() const {
  return vocab_->add_eos;
}
bool Tokenizer::add_space_prefix() const {
  return vocab_->add_space_prefix;
}

bool Tokenizer::is_end_of_generation(TokenId id) const {
  const auto& e = vocab_->end_of_generation;
  return id != kNoToken && std::find(e.begin(), e.end(), id) != e.end();
}

}  // namespace airan::llm
