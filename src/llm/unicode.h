#pragma once
// Code point classes and UTF-8 helpers the tokenizers need (internal to airan_llm).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace airan::llm::unicode {

/// The first letter of a code point's Unicode general category (Cn is kUndefined).
enum class CharClass : uint8_t {
  kUndefined = 0,
  kLetter = 1,
  kNumber = 2,
  kMark = 3,
  kPunctuation = 4,
  kSymbol = 5,
  kSeparator = 6,
  kControl = 7,
};

struct CharClassRun {
  uint32_t first;
  uint8_t cls;
};
extern const CharClassRun kCharClassRuns[];
extern const size_t kCharClassRunCount;

/// General-category class of `cpt`; kUndefined above U+10FFFF.
CharClass char_class(uint32_t cpt);

/// Unicode White_Space property (the regex `\s` of the pre-tokenizers).
bool is_whitespace(uint32_t cpt);

inline bool is_letter(uint32_t cpt) {
  return char_class(cpt) == CharClass::kLetter;
}
inline bool is_number(uint32_t cpt) {
  return char_class(cpt) == CharClass::kNumber;
}
inline bool is_punctuation(uint32_t cpt) {
  return char_class(cpt) == CharClass::kPunctuation;
}

/// Length of the UTF-8 sequence that `first` starts (1 for a stray continuation or invalid byte).
size_t utf8_length(uint8_t first);

/// Decodes UTF-8; each byte that does not start a valid sequence becomes U+FFFD on its own.
std::vector<uint32_t> to_codepoints(std::string_view text);

/// Appends the UTF-8 encoding of `cpt`.
void append_utf8(std::string& out, uint32_t cpt);

/// Bytes of the longest prefix of `bytes` that does not end inside a valid but unfinished UTF-8
/// sequence (what can be shown now without cutting a character).
size_t complete_utf8_prefix(std::string_view bytes);

}  // namespace airan::llm::unicode
