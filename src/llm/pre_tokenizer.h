#pragma once
// Pre-tokenizers of byte-level BPE vocabularies: split text into words before merges are applied.
// Each one mirrors the regular expressions llama.cpp uses for that `tokenizer.ggml.pre`, applied
// one after another, each splitting the pieces the previous ones left.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airan::llm {

enum class PreTokenizerKind {
  kDefault,        // llama.cpp's fallback for "default" or an absent key
  kGpt2,           // gpt-2 and the vocabularies that reuse its expression
  kDeepseekLlm,    // deepseek-llm
  kDeepseekCoder,  // deepseek-coder
};

/// The pre-tokenizer for `name`, or nothing when airan does not implement it.
std::optional<PreTokenizerKind> pre_tokenizer_from_name(std::string_view name);

/// Names accepted by pre_tokenizer_from_name, comma-separated (for error messages).
std::string supported_pre_tokenizers();

/// Splits `text` (UTF-8; invalid bytes become U+FFFD) into words, in order; the words
/// concatenated give the (repaired) text back.
std::vector<std::string> pre_tokenize(PreTokenizerKind kind, std::string_view text);

}  // namespace airan::llm
