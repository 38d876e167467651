#pragma once
// The immutable data behind a Tokenizer, and the entry points of each tokenizer algorithm.

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "airan/llm/tokenizer.h"
#include "llm/pre_tokenizer.h"

namespace airan::llm {

struct Tokenizer::Vocab {
  VocabType type = VocabType::kSpm;
  std::string pre_name;
  PreTokenizerKind pre = PreTokenizerKind::kGpt2;

  std::vector<std::string> text;
  std::vector<float> score;
  std::vector<TokenKind> kind;
  std::unordered_map<std::string, TokenId> text_to_id;  // the last of duplicate texts wins
  std::unordered_map<std::string, int32_t> merge_rank;  // "left right" -> rank (BPE)
  std::array<TokenId, 256> byte_token{};                // SPM "<0xXX>" tokens (kNoToken if none)

  // Tokens the special-token pass looks for, longest text first.
  std::vector<TokenId> special_tokens;

  TokenId bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken;
  bool add_bos = false, add_eos = false, add_space_prefix = false;
  std::vector<TokenId> end_of_generation;

  TokenId find(std::string_view s) const {
    auto it = text_to_id.find(std::string(s));
    return it == text_to_id.end() ? kNoToken : it->second;
  }
};

/// SentencePiece-style tokenization of one fragment (spaces already escaped as U+2581).
void spm_tokenize(const Tokenizer::Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

/// Byte-level BPE tokenization of one fragment: pre-tokenize, map bytes, apply merges.
void bpe_tokenize(const Tokenizer::Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

/// GPT-2's byte -> code point map (printable stand-ins for every byte) and its inverse.
uint32_t bpe_byte_to_codepoint(uint8_t byte);
/// The byte `cpt` stands for, or -1 when `cpt` is not in the map.
int bpe_codepoint_to_byte(uint32_t cpt);

}  // namespace airan::llm
