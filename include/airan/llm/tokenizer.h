#pragma once
// Tokenizers built from GGUF metadata: SentencePiece-style (`tokenizer.ggml.model = llama`) and
// byte-level BPE (`gpt2`, with the pre-tokenizer named by `tokenizer.ggml.pre`). Behaviour follows
// llama.cpp's, so token ids agree with it (checked against its test vectors).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/gguf.h"

namespace airan::llm {

using TokenId = int32_t;
inline constexpr TokenId kNoToken = -1;

/// Token types as `tokenizer.ggml.token_type` numbers them.
enum class TokenKind : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

enum class VocabType { kSpm, kBpe };

/// Text <-> token ids for one model's vocabulary. Cheap to copy (shares immutable data).
class Tokenizer {
 public:
  /// Builds the tokenizer from `tokenizer.ggml.*` metadata. Error: missing or malformed keys
  /// (named), an unknown tokenizer model, or an unsupported `tokenizer.ggml.pre`.
  static Expected<Tokenizer> from_gguf(const GgufFile& file);

  /// Token ids of `text`. `add_special`: add BOS/EOS as the vocabulary says; `parse_special`:
  /// control tokens written in the text (e.g. "<s>") become those tokens. User-defined tokens are
  /// always matched, as llama.cpp does.
  std::vector<TokenId> encode(std::string_view text, bool add_special,
                              bool parse_special = false) const;

  /// Bytes token `id` stands for (may be part of a UTF-8 character). Control and unknown tokens
  /// give "" unless `render_special`. An id outside the vocabulary gives "".
  std::string token_to_piece(TokenId id, bool render_special = false) const;

  /// Text of `ids`: a leading BOS is dropped and, for SentencePiece vocabularies with a dummy
  /// prefix, the first piece's leading space.
  std::string decode(std::span<const TokenId> ids, bool render_special = false) const;

  size_t n_vocab() const;
  VocabType type() const;
  /// `tokenizer.ggml.pre` as used ("default" when absent; empty for SentencePiece).
  const std::string& pre_tokenizer() const;
  /// The token's text as stored in the vocabulary ("▁Once", "<0x0A>", "Ġthe").
  const std::string& token_text(TokenId id) const;
  TokenKind token_kind(TokenId id) const;
  float token_score(TokenId id) const;

  TokenId bos() const;
  TokenId eos() const;
  TokenId unk() const;
  bool add_bos() const;
  bool add_eos() const;
  bool add_space_prefix() const;
  /// True for EOS, EOT/EOM and the end-of-turn control tokens of common chat formats.
  bool is_end_of_generation(TokenId id) const;

  struct Vocab;  // defined in src/llm/vocab.h

 private:
  explicit Tokenizer(std::shared_ptr<const Vocab> vocab) : vocab_(std::move(vocab)) {}
  std::shared_ptr<const Vocab> vocab_;
};

/// Turns a stream of token ids into text without ever cutting a UTF-8 character: bytes of an
/// unfinished character are held until it completes. Bytes that can never form a valid character
/// come out as U+FFFD, so everything returned is valid UTF-8.
class StreamingDetokenizer {
 public:
  /// `strip_leading_space`: drop one space at the very start (decoding a whole SentencePiece
  /// sequence, not a continuation of a prompt).
  explicit StreamingDetokenizer(Tokenizer tokenizer, bool render_special = false,
                                bool strip_leading_space = false);

  /// Text that became complete with `id` (possibly "").
  std::string push(TokenId id);
  /// Everything still held (an unfinished character becomes U+FFFD); resets the stream.
  std::string flush();

 private:
  Tokenizer tokenizer_;
  bool render_special_;
  bool strip_space_;
  std::string pending_;
};

}  // namespace airan::llm
