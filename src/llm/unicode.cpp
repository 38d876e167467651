// Code point classes (binary search over generated runs) and UTF-8 decoding.
#include "llm/unicode.h"

#include <algorithm>

namespace airan::llm::unicode {

CharClass char_class(uint32_t cpt) {
  if (cpt > 0x10FFFF) return CharClass::kUndefined;
  const CharClassRun* end = kCharClassRuns + kCharClassRunCount;
  const CharClassRun* it = std::upper_bound(
      kCharClassRuns, end, cpt, [](uint32_t c, const CharClassRun& r) { return c < r.first; });
  return static_cast<CharClass>((it - 1)->cls);
}

bool is_whitespace(uint32_t cpt) {
  // Unicode PropList.txt, White_Space.
  switch (cpt) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cpt >= 0x2000 && cpt <= 0x200A;
  }
}

size_t utf8_length(uint8_t first) {
  if (first < 0x80) return 1;
  if ((first & 0xE0) == 0xC0) return 2;
  if ((first & 0xF0) == 0xE0) return 3;
  if ((first & 0xF8) == 0xF0) return 4;
  return 1;
}

namespace {

// Decodes one valid sequence at `p` (with `n` bytes left) into `cpt`; returns its length or 0.
size_t decode_one(const uint8_t* p, size_t n, uint32_t* cpt) {
  const uint8_t b0 = p[0];
  if (b0 < 0x80) {
    *cpt = b0;
    return 1;
  }
  size_t len;
  uint32_t c;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (p[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cpt = c;
  return len;
}

}  // namespace

std::vector<uint32_t> to_codepoints(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    uint32_t c = 0;
    const size_t len = decode_one(p + i, text.size() - i, &c);
    if (len == 0) {
      out.push_back(0xFFFD);
      i += 1;
    } else {
      out.push_back(c);
      i += len;
    }
  }
  return out;
}

void append_utf8(std::string& out, uint32_t cpt) {
  if (cpt < 0x80) {
    out += static_cast<char>(cpt);
  } else if (cpt < 0x800) {
    out += static_cast<char>(0xC0 | (cpt >> 6));
    out += static_cast<char>(0x80 | (cpt & 0x3F));
  } else if (cpt < 0x10000) {
    out += static_cast<char>(0xE0 | (cpt >> 12));
    out += static_cast<char>(0x80 | ((cpt >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cpt & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cpt >> 18));
    out += static_cast<char>(0x80 | ((cpt >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cpt >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cpt & 0x3F));
  }
}

size_t complete_utf8_prefix(std::string_view bytes) {
  // Only the last (up to 3) bytes can be an unfinished sequence.
  const size_t n = bytes.size();
  for (size_t back = 1; back <= std::min<size_t>(3, n); ++back) {
    const auto b = static_cast<uint8_t>(bytes[n - back]);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: look further back
    const size_t len = utf8_length(b);
    if (len > back && len > 1) {
      // A lead byte whose sequence is not complete yet: hold it back if what follows it so far
      // is a valid beginning (continuation bytes only).
      return n - back;
    }
    return n;
  }
  return n;
}

}  // namespace airan::llm::unicode
