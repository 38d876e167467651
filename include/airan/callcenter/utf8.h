#pragma once
// UTF-8 text as the call-centre code sees it: validated, decoded into code points with the byte
// offset of each, and normalised (full-width forms folded to ASCII) for pattern matching while
// every match still maps back to the original bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"

namespace airan::callcenter {

/// Checks that `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
/// past U+10FFFF). Error: "invalid UTF-8 at byte N: <what>", N counted from the start of `text`.
Status validate_utf8(std::string_view text);

/// Number of code points in valid UTF-8 `text`.
size_t count_code_points(std::string_view text);

/// `text` cut to at most `max_code_points` code points (valid UTF-8 in, valid UTF-8 out).
std::string truncate_code_points(std::string_view text, size_t max_code_points);

/// Appends the UTF-8 encoding of `cp` (a Unicode scalar value) to `out`.
void append_utf8(char32_t cp, std::string& out);

/// Valid UTF-8 decoded into code points. Index i of `cps`, `folded` and `byte_offset` is the same
/// code point; byte_offset has one extra element, the text's size in bytes.
struct DecodedText {
  std::vector<char32_t> cps;        ///< the code points as written
  std::vector<char32_t> folded;     ///< the same, full-width ASCII folded (see fold_width)
  std::vector<size_t> byte_offset;  ///< byte where code point i starts; back() = size in bytes
  size_t size() const { return cps.size(); }
};

/// Decodes `text`. Error: invalid UTF-8 (as validate_utf8).
Expected<DecodedText> decode_utf8(std::string_view text);

/// The ASCII character a full-width or typographic variant stands for: U+FF01..U+FF5E to
/// U+0021..U+007E, U+3000 (ideographic space) to ' ', and the dashes and minus signs people type in
/// phone numbers (U+2010..U+2015, U+2212, U+30FC, U+FF70) to '-'. Any other code point unchanged.
char32_t fold_width(char32_t cp);

/// True for U+0030..U+0039 only (apply fold_width first for full-width digits).
inline bool is_ascii_digit(char32_t c) {
  return c >= U'0' && c <= U'9';
}
/// True for A-Z and a-z.
inline bool is_ascii_alpha(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
}
/// Hiragana (U+3040..U+309F).
inline bool is_hiragana(char32_t c) {
  return c >= 0x3040 && c <= 0x309F;
}
/// Katakana (U+30A0..U+30FF, U+31F0..U+31FF) and half-width katakana (U+FF66..U+FF9F).
inline bool is_katakana(char32_t c) {
  return (c >= 0x30A0 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
         (c >= 0xFF66 && c <= 0xFF9F);
}
/// CJK unified ideographs (U+4E00..U+9FFF, extension A U+3400..U+4DBF) and the iteration mark 々.
inline bool is_kanji(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || c == 0x3005;
}

/// ASCII letters of `text` lower-cased; other bytes unchanged.
std::string ascii_lower(std::string_view text);

}  // namespace airan::callcenter
