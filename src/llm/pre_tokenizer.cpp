// Pre-tokenizers of byte-level BPE vocabularies, written as hand-made matchers of the regular
// expressions llama.cpp applies for each `tokenizer.ggml.pre` (std::regex semantics: leftmost
// match, alternatives in order, greedy repetition; `$` and look-ahead end at the current piece).
#include "llm/pre_tokenizer.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "llm/unicode.h"

namespace airan::llm {
namespace {

using unicode::CharClass;
using Cpts = std::vector<uint32_t>;

struct Range {
  uint32_t first, last;
};

bool in_ranges(uint32_t c, const Range* begin, const Range* end) {
  return std::any_of(begin, end, [c](const Range& r) { return c >= r.first && c <= r.last; });
}

// deepseek-llm's explicit letter class (the cased letters), from its tokenizer.json.
constexpr Range kDeepseekLetters[] = {
    {0x41, 0x5A},       {0x61, 0x7A},       {0xB5, 0xB5},       {0xC0, 0xD6},
    {0xD8, 0xF6},       {0xF8, 0x1BA},      {0x1BC, 0x1BF},     {0x1C4, 0x293},
    {0x295, 0x2AF},     {0x370, 0x373},     {0x376, 0x377},     {0x37B, 0x37D},
    {0x37F, 0x37F},     {0x386, 0x386},     {0x388, 0x38A},     {0x38C, 0x38C},
    {0x38E, 0x3A1},     {0x3A3, 0x3F5},     {0x3F7, 0x481},     {0x48A, 0x52F},
    {0x531, 0x556},     {0x10A0, 0x10C5},   {0x13A0, 0x13F5},   {0x13F8, 0x13FD},
    {0x1C90, 0x1CBA},   {0x1CBD, 0x1CBF},   {0x1D00, 0x1D2B},   {0x1D6B, 0x1D77},
    {0x1D79, 0x1D9A},   {0x1E00, 0x1F15},   {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},
    {0x1F48, 0x1F4D},   {0x1F50, 0x1F57},   {0x1F59, 0x1F59},   {0x1F5B, 0x1F5B},
    {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},   {0x1F80, 0x1FB4},   {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},   {0x1FC6, 0x1FCC},   {0x1FD0, 0x1FD3},
    {0x1FD6, 0x1FDB},   {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFC},
    {0x2102, 0x2102},   {0x2107, 0x2107},   {0x210A, 0x2113},   {0x2115, 0x2115},
    {0x2119, 0x211D},   {0x2124, 0x2124},   {0x2126, 0x2126},   {0x2128, 0x2128},
    {0x212A, 0x212D},   {0x212F, 0x2134},   {0x2139, 0x2139},   {0x213C, 0x213F},
    {0x2145, 0x2149},   {0x214E, 0x214E},   {0x2183, 0x2184},   {0x2C00, 0x2C7B},
    {0x2C7E, 0x2CE4},   {0x2CEB, 0x2CEE},   {0x2CF2, 0x2CF3},   {0xA640, 0xA66D},
    {0xA680, 0xA69B},   {0xA722, 0xA76F},   {0xA771, 0xA787},   {0xA78B, 0xA78E},
    {0xAB70, 0xABBF},   {0xFB00, 0xFB06},   {0xFB13, 0xFB17},   {0xFF21, 0xFF3A},
    {0xFF41, 0xFF5A},   {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
    {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
};

// deepseek-llm's punctuation class: ASCII punctuation and letters, full-width forms, quotes,
// ideographic space and marks.
constexpr Range kDeepseekPunct[] = {
    {0x21, 0x2F},     {0x3A, 0x7E},     {0xFF01, 0xFF0F},
    {0xFF1A, 0xFF5E}, {0x2018, 0x201F}, {0x3000, 0x3002},
};

// CJK ideographs, the blocks before them, and Hangul (both deepseek vocabularies).
constexpr Range kDeepseekCjk[] = {{0x4E00, 0x9FA5}, {0x800, 0x4E00}, {0xAC00, 0xD7FF}};

// llama.cpp feeds std::wregex a copy of the text in which every non-ASCII white-space code point
// is replaced by U+000B, so such code points match `\s` but no explicit class.
bool in_explicit_class(uint32_t c, const Range* begin, const Range* end) {
  if (c > 0x7F && unicode::is_whitespace(c)) return false;
  return in_ranges(c, begin, end);
}

// A piece of text being split: code points [begin, end) of `c`.
struct Piece {
  const Cpts& c;
  size_t begin, end;
  bool has(size_t i) const { return i < end; }
};

// Length of the match of one expression starting exactly at `pos`, 0 when there is none.
using Matcher = size_t (*)(const Piece& p, size_t pos);

template <typename Pred>
size_t run_length(const Piece& p, size_t pos, Pred pred) {
  size_t i = pos;
  while (p.has(i) && pred(p.c[i])) ++i;
  return i - pos;
}

// `\s?X+` for a class predicate X.
template <typename Pred>
size_t optional_space_then_run(const Piece& p, size_t pos, Pred pred) {
  if (unicode::is_whitespace(p.c[pos]) && p.has(pos + 1) && pred(p.c[pos + 1])) {
    return 1 + run_length(p, pos + 1, pred);
  }
  return run_length(p, pos, pred);
}

size_t match_cr_or_lf(const Piece& p, size_t pos) {
  return (p.c[pos] == '\r' || p.c[pos] == '\n') ? 1 : 0;
}

size_t match_deepseek_letters(const Piece& p, size_t pos) {
  return optional_space_then_run(p, pos, [](uint32_t c) {
    return in_explicit_class(c, std::begin(kDeepseekLetters), std::end(kDeepseekLetters));
  });
}

size_t match_deepseek_punct(const Piece& p, size_t pos) {
  return optional_space_then_run(p, pos, [](uint32_t c) {
    return in_explicit_class(c, std::begin(kDeepseekPunct), std::end(kDeepseekPunct));
  });
}

// `\s+$`: white space that runs to the end of the piece.
size_t match_trailing_space(const Piece& p, size_t pos) {
  const size_t n = run_length(p, pos, unicode::is_whitespace);
  return (n > 0 && pos + n == p.end) ? n : 0;
}

size_t match_cjk_run(const Piece& p, size_t pos) {
  return run_length(p, pos, [](uint32_t c) {
    return in_explicit_class(c, std::begin(kDeepseekCjk), std::end(kDeepseekCjk));
  });
}

size_t match_number_run(const Piece& p, size_t pos) {
  return run_length(p, pos, unicode::is_number);
}

size_t match_one_number(const Piece& p, size_t pos) {
  return unicode::is_number(p.c[pos]) ? 1 : 0;
}

size_t match_space_letters(const Piece& p, size_t pos) {
  return optional_space_then_run(p, pos, unicode::is_letter);
}

size_t match_space_punct(const Piece& p, size_t pos) {
  return optional_space_then_run(p, pos, unicode::is_punctuation);
}

// `[\p{P}\$\+<=>\^~\|]+`
size_t match_punct_symbols(const Piece& p, size_t pos) {
  return run_length(p, pos, [](uint32_t c) {
    return unicode::is_punctuation(c) || c == '$' || c == '+' || c == '<' || c == '=' || c == '>' ||
           c == '^' || c == '~' || c == '|';
  });
}

// `[0-9][0-9][0-9]`
size_t match_three_digits(const Piece& p, size_t pos) {
  for (size_t i = 0; i < 3; ++i) {
    if (!p.has(pos + i) || p.c[pos + i] < '0' || p.c[pos + i] > '9') return 0;
  }
  return 3;
}

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// Like llama.cpp's hand-written version of it, a code point of no assigned category that nothing
// else takes becomes a piece of its own.
size_t match_gpt2(const Piece& p, size_t pos) {
  auto cpt_at = [&p](size_t i) -> uint32_t { return p.has(i) ? p.c[i] : 0xFFFFFFFF; };
  auto assigned = [](uint32_t c) {
    return c <= 0x10FFFF &&
           (unicode::char_class(c) != CharClass::kUndefined || unicode::is_whitespace(c));
  };
  auto other = [&assigned](uint32_t c) {
    return assigned(c) && !unicode::is_whitespace(c) && !unicode::is_letter(c) &&
           !unicode::is_number(c);
  };
  const uint32_t c0 = p.c[pos];
  if (c0 == '\'' && p.has(pos + 1)) {
    const uint32_t c1 = cpt_at(pos + 1);
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
    const uint32_t c2 = cpt_at(pos + 2);
    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return 3;
  }
  const size_t lead = c0 == ' ' ? 1 : 0;
  const uint32_t c = lead ? cpt_at(pos + 1) : c0;
  if (c <= 0x10FFFF) {
    if (unicode::is_letter(c)) return lead + run_length(p, pos + lead, unicode::is_letter);
    if (unicode::is_number(c)) return lead + run_length(p, pos + lead, unicode::is_number);
    if (other(c)) return lead + run_length(p, pos + lead, other);
  }
  const size_t spaces = run_length(p, pos, unicode::is_whitespace);
  if (spaces > 1 && p.has(pos + spaces)) return spaces - 1;  // leave one for the next word
  if (spaces > 0) return spaces;
  return 1;
}

// Splits every piece further with one expression; text between matches stays a piece of its own.
std::vector<size_t> split(const Cpts& c, const std::vector<size_t>& lengths, Matcher match) {
  std::vector<size_t> out;
  out.reserve(lengths.size() * 2);
  size_t begin = 0;
  for (size_t len : lengths) {
    const Piece piece{c, begin, begin + len};
    size_t last = begin;
    size_t pos = begin;
    while (pos < piece.end) {
      const size_t n = match(piece, pos);
      if (n == 0) {
        ++pos;
        continue;
      }
      if (pos > last) out.push_back(pos - last);
      out.push_back(n);
      pos += n;
      last = pos;
    }
    if (last < piece.end) out.push_back(piece.end - last);
    begin += len;
  }
  return out;
}

std::vector<Matcher> matchers(PreTokenizerKind kind) {
  switch (kind) {
    case PreTokenizerKind::kGpt2:
      return {match_gpt2};
    case PreTokenizerKind::kDefault:
      return {match_punct_symbols, match_gpt2, match_number_run, match_three_digits};
    case PreTokenizerKind::kDeepseekLlm:
      return {match_cr_or_lf,       match_deepseek_letters, match_deepseek_punct,
              match_trailing_space, match_cjk_run,          match_number_run};
    case PreTokenizerKind::kDeepseekCoder:
      return {match_cr_or_lf, match_space_letters, match_space_punct, match_cjk_run,
              match_one_number};
  }
  return {};
}

struct NamedKind {
  const char* name;
  PreTokenizerKind kind;
};

constexpr NamedKind kNames[] = {
    {"default", PreTokenizerKind::kDefault},
    {"gpt-2", PreTokenizerKind::kGpt2},
    {"phi-2", PreTokenizerKind::kGpt2},
    {"jina-es", PreTokenizerKind::kGpt2},
    {"jina-de", PreTokenizerKind::kGpt2},
    {"jina-v2-es", PreTokenizerKind::kGpt2},
    {"jina-v2-de", PreTokenizerKind::kGpt2},
    {"gigachat", PreTokenizerKind::kGpt2},
    {"deepseek-llm", PreTokenizerKind::kDeepseekLlm},
    {"deepseek-coder", PreTokenizerKind::kDeepseekCoder},
};

}  // namespace

std::optional<PreTokenizerKind> pre_tokenizer_from_name(std::string_view name) {
  for (const auto& n : kNames) {
    if (name == n.name) return n.kind;
  }
  return std::nullopt;
}

std::string supported_pre_tokenizers() {
  std::string out;
  for (const auto& n : kNames) {
    if (!out.empty()) out += ", ";
    out += n.name;
  }
  return out;
}

std::vector<std::string> pre_tokenize(PreTokenizerKind kind, std::string_view text) {
  const Cpts c = unicode::to_codepoints(text);
  std::vector<size_t> lengths{c.size()};
  if (c.empty()) return {};
  for (Matcher m : matchers(kind)) lengths = split(c, lengths, m);
  std::vector<std::string> words;
  words.reserve(lengths.size());
  size_t begin = 0;
  for (size_t len : lengths) {
    std::string w;
    for (size_t i = begin; i < begin + len; ++i) unicode::append_utf8(w, c[i]);
    words.push_back(std::move(w));
    begin += len;
  }
  return words;
}

}  // namespace airan::llm
