// UTF-8 validation, decoding and width folding.
#include "airan/callcenter/utf8.h"

namespace airan::callcenter {
namespace {

// Decodes one code point at `text[i]`. On success sets `cp` and `len` and returns nullptr;
// otherwise returns what is wrong.
const char* decode_one(std::string_view text, size_t i, char32_t& cp, size_t& len) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    cp = c;
    len = 1;
    return nullptr;
  }
  uint32_t min = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else {
    return (c & 0xC0) == 0x80 ? "continuation byte without a lead byte" : "byte is never valid";
  }
  if (i + len > text.size()) return "sequence cut short by the end of the text";
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xC0) != 0x80) return "lead byte not followed by enough continuation bytes";
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min) return "overlong encoding";
  if (cp >= 0xD800 && cp <= 0xDFFF) return "UTF-16 surrogate";
  if (cp > 0x10FFFF) return "code point past U+10FFFF";
  return nullptr;
}

}  // namespace

Status validate_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    char32_t cp = 0;
    size_t len = 0;
    if (const char* why = decode_one(text, i, cp, len)) {
      return Error{"invalid UTF-8 at byte " + std::to_string(i) + ": " + why};
    }
    i += len;
  }
  return Status::ok();
}

size_t count_code_points(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string truncate_code_points(std::string_view text, size_t max_code_points) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (n == max_code_points) return std::string(text.substr(0, i));
      ++n;
    }
  }
  return std::string(text);
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

Expected<DecodedText> decode_utf8(std::string_view text) {
  DecodedText d;
  d.cps.reserve(text.size());
  d.folded.reserve(text.size());
  d.byte_offset.reserve(text.size() + 1);
  size_t i = 0;
  while (i < text.size()) {
    char32_t cp = 0;
    size_t len = 0;
    if (const char* why = decode_one(text, i, cp, len)) {
      return Error{"invalid UTF-8 at byte " + std::to_string(i) + ": " + why};
    }
    d.cps.push_back(cp);
    d.folded.push_back(fold_width(cp));
    d.byte_offset.push_back(i);
    i += len;
  }
  d.byte_offset.push_back(text.size());
  return d;
}

char32_t fold_width(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) return cp - 0xFF01 + 0x21;
  if (cp == 0x3000) return U' ';
  if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0x30FC || cp == 0xFF70) return U'-';
  return cp;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace airan::callcenter
