// Rule-based PII detection over width-folded code points.
#include "airan/callcenter/pii.h"

#include <algorithm>
#include <array>

namespace airan::callcenter {
namespace {

using Cps = std::vector<char32_t>;

bool is_alnum(char32_t c) {
  return is_ascii_digit(c) || is_ascii_alpha(c);
}

// True when `word` (ASCII or any UTF-8) occurs in `cps` at position `at`.
bool match_at(const Cps& cps, size_t at, std::u32string_view word) {
  if (at + word.size() > cps.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    char32_t c = cps[at + k];
    if (c >= U'A' && c <= U'Z') c = c - U'A' + U'a';
    if (c != word[k]) return false;
  }
  return true;
}

// The 47 prefectures (都道府県): an address in Japan starts with one.
constexpr std::array<std::u32string_view, 47> kPrefectures = {
    U"北海道", U"青森県", U"岩手県", U"宮城県", U"秋田県", U"山形県",   U"福島県", U"茨城県",
    U"栃木県", U"群馬県", U"埼玉県", U"千葉県", U"東京都", U"神奈川県", U"新潟県", U"富山県",
    U"石川県", U"福井県", U"山梨県", U"長野県", U"岐阜県", U"静岡県",   U"愛知県", U"三重県",
    U"滋賀県", U"京都府", U"大阪府", U"兵庫県", U"奈良県", U"和歌山県", U"鳥取県", U"島根県",
    U"岡山県", U"広島県", U"山口県", U"徳島県", U"香川県", U"愛媛県",   U"高知県", U"福岡県",
    U"佐賀県", U"長崎県", U"熊本県", U"大分県", U"宮崎県", U"鹿児島県", U"沖縄県"};

// Length of the prefecture name at `at`, 0 if none.
size_t prefecture_at(const Cps& cps, size_t at) {
  for (std::u32string_view p : kPrefectures) {
    if (match_at(cps, at, p)) return p.size();
  }
  return 0;
}

bool is_kanji_numeral(char32_t c) {
  return std::u32string_view(U"〇一二三四五六七八九十百").find(c) != std::u32string_view::npos;
}

// ---- e-mail ----

bool email_local_char(char32_t c) {
  return is_alnum(c) || c == U'.' || c == U'_' || c == U'%' || c == U'+' || c == U'-';
}
bool email_domain_char(char32_t c) {
  return is_alnum(c) || c == U'.' || c == U'-';
}

void find_emails(const Cps& f, std::vector<PiiSpan>& out) {
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != U'@') continue;
    size_t b = i;
    while (b > 0 && email_local_char(f[b - 1])) --b;
    while (b < i && (f[b] == U'.' || f[b] == U'-' || f[b] == U'+')) ++b;
    if (b == i) continue;
    size_t e = i + 1;
    while (e < f.size() && email_domain_char(f[e])) ++e;
    while (e > i + 1 && (f[e - 1] == U'.' || f[e - 1] == U'-')) --e;
    // Domain: labels of letters, digits and '-', separated by single dots; TLD of >= 2 letters.
    if (e <= i + 1 || f[i + 1] == U'.' || f[i + 1] == U'-') continue;
    size_t last_dot = i;
    bool ok = true;
    for (size_t k = i + 1; k < e; ++k) {
      if (f[k] == U'.') {
        if (f[k - 1] == U'.') ok = false;
        last_dot = k;
      }
    }
    if (!ok || last_dot == i || e - last_dot - 1 < 2) continue;
    for (size_t k = last_dot + 1; k < e; ++k) ok = ok && is_ascii_alpha(f[k]);
    if (!ok) continue;
    PiiSpan s;
    s.type = PiiType::kEmail;
    s.cp_begin = b;
    s.cp_end = e;
    out.push_back(s);
    i = e;
  }
}

// ---- numbers: phone, card, postal code ----

// A group of digits inside a run, and the separator characters just before it.
struct DigitGroup {
  size_t begin = 0;  // code point index of the first digit
  size_t end = 0;    // one past the last digit
  std::u32string sep_before;
};

bool number_separator(char32_t c) {
  return c == U'-' || c == U' ' || c == U'(' || c == U')' || c == U'.';
}

// Context words that make a bare 123-4567 a postal code.
bool postal_context(const Cps& f, size_t begin, size_t end) {
  // 〒 (U+3012) right before, optionally with a space.
  if (begin >= 1 && f[begin - 1] == U'〒') return true;
  if (begin >= 2 && f[begin - 1] == U' ' && f[begin - 2] == U'〒') return true;
  constexpr std::array<std::u32string_view, 5> kWords = {U"郵便番号", U"postal code", U"zip code",
                                                         U"postcode", U"zip"};
  const size_t from = begin > 16 ? begin - 16 : 0;
  for (size_t k = from; k < begin; ++k) {
    for (std::u32string_view w : kWords) {
      if (match_at(f, k, w)) return true;
    }
  }
  // An address starting right after it.
  for (size_t k = end; k < std::min(f.size(), end + 3); ++k) {
    if (prefecture_at(f, k) > 0) return true;
  }
  return false;
}

bool card_groups_ok(const std::vector<size_t>& len) {
  if (len.size() == 1) return true;
  // 4-6-5 (American Express), 4-6-4 (Diners Club).
  if (len.size() == 3 && len[0] == 4 && len[1] == 6 && (len[2] == 5 || len[2] == 4)) return true;
  for (size_t k = 0; k + 1 < len.size(); ++k) {
    if (len[k] != 4) return false;
  }
  return len.back() >= 1 && len.back() <= 4;
}

bool jp_mobile_prefix(const std::string& d) {
  return d.starts_with("050") || d.starts_with("060") || d.starts_with("070") ||
         d.starts_with("080") || d.starts_with("090") || d.starts_with("0800");
}

// What the digit groups [a, b] of a run are, if anything. `plus`: the run starts with '+' right
// before group a.
std::optional<PiiType> classify_number(const Cps& f, const std::vector<DigitGroup>& g, size_t a,
                                       size_t b, bool plus) {
  std::string digits;
  std::vector<size_t> len;
  bool parens = false;
  bool dots = false;
  bool spaces = false;
  bool hyphens = false;
  for (size_t k = a; k <= b; ++k) {
    for (size_t p = g[k].begin; p < g[k].end; ++p) digits += static_cast<char>(f[p]);
    len.push_back(g[k].end - g[k].begin);
    if (k > a) {
      for (char32_t c : g[k].sep_before) {
        parens |= c == U'(' || c == U')';
        dots |= c == U'.';
        spaces |= c == U' ';
        hyphens |= c == U'-';
      }
    }
  }
  const bool open_paren = !g[a].sep_before.empty() && g[a].sep_before.back() == U'(';
  parens |= open_paren;
  const size_t n = digits.size();
  if (plus) {
    // E.164: country code (never 0) and subscriber number, at most 15 digits.
    if (n >= 8 && n <= 15 && digits[0] != '0') return PiiType::kPhone;
    return std::nullopt;
  }
  // Payment card: 13-19 digits in the usual groupings, Luhn check digit.
  if (n >= 13 && n <= 19 && !parens && !dots && !(spaces && hyphens) && digits[0] != '0' &&
      card_groups_ok(len) && luhn_valid(digits)) {
    return PiiType::kCardNumber;
  }
  // International call prefix 00 / 010 written instead of '+'.
  if ((digits.starts_with("00") || digits.starts_with("010")) && n >= 10 && n <= 18 &&
      digits[2] != '0') {
    return PiiType::kPhone;
  }
  // Japanese domestic numbers: 0 + area/mobile code, 10 digits (11 for mobile, IP and 0800).
  if (digits[0] == '0' && n >= 2 && digits[1] != '0' && (len.size() == 1 || len.size() == 3) &&
      !dots) {
    if (n == 10 || (n == 11 && jp_mobile_prefix(digits))) return PiiType::kPhone;
  }
  // North American numbers: (NXX) NXX-XXXX, optionally with the country code 1.
  if (len.size() == 3 && len[0] == 3 && len[1] == 3 && len[2] == 4 && digits[0] >= '2' &&
      digits[3] >= '2') {
    return PiiType::kPhone;
  }
  if (len.size() == 4 && len[0] == 1 && digits[0] == '1' && len[1] == 3 && len[2] == 3 &&
      len[3] == 4 && digits[1] >= '2' && digits[4] >= '2') {
    return PiiType::kPhone;
  }
  // Japanese postal code 123-4567 (or 1234567), only where an address or 〒 says so.
  const bool postal_shape = (len.size() == 2 && len[0] == 3 && len[1] == 4 && hyphens && !spaces) ||
                            (len.size() == 1 && n == 7);
  if (postal_shape && postal_context(f, g[a].begin, g[b].end)) return PiiType::kPostalCode;
  return std::nullopt;
}

void find_numbers(const Cps& f, std::vector<PiiSpan>& out) {
  constexpr size_t kMaxGroupsPerMatch = 6;
  size_t i = 0;
  while (i < f.size()) {
    const bool starts = is_ascii_digit(f[i]) || ((f[i] == U'+' || f[i] == U'(') &&
                                                 i + 1 < f.size() && is_ascii_digit(f[i + 1]));
    if (!starts || (i > 0 && (is_alnum(f[i - 1]) || f[i - 1] == U'.' || f[i - 1] == U','))) {
      ++i;
      continue;
    }
    // Collect the run: digit groups joined by at most two separator characters.
    const bool plus = f[i] == U'+';
    std::vector<DigitGroup> groups;
    DigitGroup cur;
    size_t k = i;
    if (f[k] == U'+' || f[k] == U'(') cur.sep_before = f[k++];
    while (true) {
      cur.begin = k;
      while (k < f.size() && is_ascii_digit(f[k])) ++k;
      cur.end = k;
      groups.push_back(cur);
      cur = DigitGroup{};
      size_t s = k;
      while (s < f.size() && s - k < 2 && number_separator(f[s])) ++s;
      if (s == k || s >= f.size() || !is_ascii_digit(f[s])) break;
      // Two dots, or a dot beside another separator, is not how numbers are written.
      cur.sep_before.assign(f.begin() + static_cast<std::ptrdiff_t>(k),
                            f.begin() + static_cast<std::ptrdiff_t>(s));
      if (cur.sep_before.size() == 2 && cur.sep_before.find(U'.') != std::u32string::npos) {
        break;
      }
      k = s;
    }
    const size_t run_end = k;
    // A number glued to letters ("A123", "123abc") is a code, not personal data.
    if (run_end < f.size() && is_ascii_alpha(f[run_end])) {
      i = run_end;
      continue;
    }
    // Longest classified group range, left to right.
    size_t a = 0;
    while (a < groups.size()) {
      bool found = false;
      const size_t last = std::min(groups.size() - 1, a + kMaxGroupsPerMatch - 1);
      for (size_t b = last + 1; b-- > a;) {
        // A range must end at the run's end or before a separator (never mid-group).
        auto type = classify_number(f, groups, a, b, plus && a == 0);
        if (!type) continue;
        PiiSpan sp;
        sp.type = *type;
        sp.cp_begin = groups[a].begin;
        sp.cp_end = groups[b].end;
        const bool open = !groups[a].sep_before.empty() && groups[a].sep_before.back() == U'(';
        if (a == 0 && plus) --sp.cp_begin;
        if (open) {
          --sp.cp_begin;
          // Close the parenthesis when the span opened one and holds no ')' of its own.
          bool closed = false;
          for (size_t q = a + 1; q <= b; ++q) {
            closed |= groups[q].sep_before.find(U')') != std::u32string::npos;
          }
          if (!closed && sp.cp_end < f.size() && f[sp.cp_end] == U')') ++sp.cp_end;
        }
        out.push_back(sp);
        a = b + 1;
        found = true;
        break;
      }
      if (!found) ++a;
    }
    i = run_end;
  }
}

// ---- addresses ----

bool address_body_char(char32_t c) {
  return is_kanji(c) || is_katakana(c) || is_ascii_digit(c) || c == U'-' || c == U'の' ||
         c == U'ヶ' || c == U'ケ' || c == U' ';
}

bool address_end_char(char32_t c) {
  return is_ascii_digit(c) ||
         std::u32string_view(U"目番地号階室").find(c) != std::u32string_view::npos;
}

bool municipality_end(char32_t c) {
  return std::u32string_view(U"市区町村郡").find(c) != std::u32string_view::npos;
}

// 都道府県 + 市区町村 + 町名・丁目・番地・号 (and building, floor, room).
void find_jp_addresses(const Cps& f, std::vector<PiiSpan>& out) {
  size_t i = 0;
  while (i < f.size()) {
    const size_t plen = prefecture_at(f, i);
    if (plen == 0) {
      ++i;
      continue;
    }
    // Municipality: up to 12 characters of kanji / kana ending in 市, 区, 町, 村 or 郡.
    size_t m = i + plen;
    while (m < f.size() && f[m] == U' ') ++m;
    size_t muni_end = 0;
    for (size_t k = m; k < f.size() && k < m + 12; ++k) {
      const char32_t c = f[k];
      if (!(is_kanji(c) || is_katakana(c) || is_hiragana(c))) break;
      if (k > m && municipality_end(c)) {
        muni_end = k + 1;
        break;
      }
    }
    if (muni_end == 0) {
      i += plen;
      continue;
    }
    // The rest: town, block numbers, building; it must end at a number or a block word.
    size_t last_good = 0;
    bool has_number = false;
    for (size_t k = muni_end; k < f.size() && k < i + 80 && address_body_char(f[k]); ++k) {
      has_number |= is_ascii_digit(f[k]) || is_kanji_numeral(f[k]);
      if (has_number && address_end_char(f[k])) last_good = k + 1;
    }
    if (last_good == 0) {
      i = muni_end;
      continue;
    }
    PiiSpan sp;
    sp.type = PiiType::kAddress;
    sp.cp_begin = i;
    sp.cp_end = last_good;
    out.push_back(sp);
    i = last_good;
  }
}

// After a street: ", City, State 12345" or ", City ST 12345-6789". Returns the new end, or `end`
// unchanged when no ZIP code closes it (the words may be the rest of the sentence).
size_t extend_city_state_zip(const Cps& f, size_t end) {
  size_t k = end;
  if (k + 1 >= f.size() || f[k] != U',' || f[k + 1] != U' ') return end;
  k += 2;
  // Up to five capitalised words (city and state), separated by spaces or ", ".
  for (int words = 0; words < 5; ++words) {
    if (k >= f.size() || !(f[k] >= U'A' && f[k] <= U'Z')) break;
    while (k < f.size() && is_ascii_alpha(f[k])) ++k;
    if (k + 1 < f.size() && f[k] == U',' && f[k + 1] == U' ') {
      k += 2;
    } else if (k < f.size() && f[k] == U' ') {
      ++k;
    } else {
      return end;
    }
    // ZIP: five digits, optionally -four, not followed by more digits.
    size_t z = k;
    while (z < f.size() && is_ascii_digit(f[z])) ++z;
    if (z - k == 5) {
      if (z + 4 < f.size() + 0 && f[z] == U'-' && is_ascii_digit(f[z + 1]) &&
          is_ascii_digit(f[z + 2]) && is_ascii_digit(f[z + 3]) && is_ascii_digit(f[z + 4])) {
        z += 5;
      }
      if (z < f.size() && is_alnum(f[z])) return end;
      return z;
    }
  }
  return end;
}

// "1600 Pennsylvania Avenue", "42 W 5th St., Apt 3B": number, 1-4 words, street suffix, unit.
void find_en_addresses(const Cps& f, std::vector<PiiSpan>& out) {
  constexpr std::array<std::u32string_view, 22> kSuffixes = {
      U"street", U"st",      U"avenue",  U"ave",     U"road",  U"rd",    U"boulevard", U"blvd",
      U"lane",   U"ln",      U"drive",   U"dr",      U"court", U"ct",    U"way",       U"place",
      U"pl",     U"terrace", U"parkway", U"highway", U"hwy",   U"circle"};
  constexpr std::array<std::u32string_view, 5> kUnits = {U"apartment", U"apt", U"suite", U"unit",
                                                         U"#"};
  auto word_end = [&](size_t k) {
    while (k < f.size() && is_alnum(f[k])) ++k;
    return k;
  };
  auto is_suffix = [&](size_t b, size_t e) {
    for (std::u32string_view s : kSuffixes) {
      if (e - b == s.size() && match_at(f, b, s)) return true;
    }
    return false;
  };
  for (size_t i = 0; i < f.size(); ++i) {
    if (!is_ascii_digit(f[i]) || (i > 0 && (is_alnum(f[i - 1]) || f[i - 1] == U'-'))) continue;
    size_t k = i;
    while (k < f.size() && is_ascii_digit(f[k])) ++k;
    if (k - i > 6 || k >= f.size() || f[k] != U' ') {
      i = k;
      continue;
    }
    size_t pos = k + 1;
    size_t end = 0;
    for (int words = 0; words < 5 && pos < f.size(); ++words) {
      const size_t we = word_end(pos);
      if (we == pos) break;
      // Street names are capitalised words or ordinals ("5th").
      if (!(f[pos] >= U'A' && f[pos] <= U'Z') && !is_ascii_digit(f[pos])) break;
      if (words > 0 && is_suffix(pos, we)) {
        end = we;
        if (end < f.size() && f[end] == U'.') ++end;
        break;
      }
      if (we >= f.size() || f[we] != U' ') break;
      pos = we + 1;
    }
    if (end == 0) continue;
    // Optional unit: ", Apt 4B" / " Suite 200" / " #12".
    size_t u = end;
    if (u < f.size() && f[u] == U',') ++u;
    if (u < f.size() && f[u] == U' ') ++u;
    for (std::u32string_view unit : kUnits) {
      if (!match_at(f, u, unit)) continue;
      size_t v = u + unit.size();
      if (v < f.size() && f[v] == U'.') ++v;
      if (v < f.size() && f[v] == U' ') ++v;
      const size_t ve = word_end(v);
      if (ve > v && (unit == U"#" || v > u + unit.size())) end = ve;
      break;
    }
    end = extend_city_state_zip(f, end);
    PiiSpan sp;
    sp.type = PiiType::kAddress;
    sp.cp_begin = i;
    sp.cp_end = end;
    out.push_back(sp);
    i = end;
  }
}

}  // namespace

std::string_view pii_type_name(PiiType type) {
  switch (type) {
    case PiiType::kPhone:
      return "phone";
    case PiiType::kEmail:
      return "email";
    case PiiType::kCardNumber:
      return "card_number";
    case PiiType::kPostalCode:
      return "postal_code";
    case PiiType::kAddress:
      return "address";
    case PiiType::kName:
      return "name";
  }
  return "unknown";
}

std::string_view pii_placeholder(PiiType type) {
  switch (type) {
    case PiiType::kPhone:
      return "[PHONE]";
    case PiiType::kEmail:
      return "[EMAIL]";
    case PiiType::kCardNumber:
      return "[CARD_NUMBER]";
    case PiiType::kPostalCode:
      return "[POSTAL_CODE]";
    case PiiType::kAddress:
      return "[ADDRESS]";
    case PiiType::kName:
      return "[NAME]";
  }
  return "[PII]";
}

std::string_view pii_source_name(PiiSource source) {
  return source == PiiSource::kRule ? "rule" : "model";
}

bool luhn_valid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (size_t k = digits.size(); k-- > 0;) {
    const char c = digits[k];
    if (c < '0' || c > '9') return false;
    int d = c - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

void sort_and_drop_overlaps(std::vector<PiiSpan>& spans) {
  std::stable_sort(spans.begin(), spans.end(), [](const PiiSpan& x, const PiiSpan& y) {
    if (x.turn != y.turn) return x.turn < y.turn;
    if (x.cp_begin != y.cp_begin) return x.cp_begin < y.cp_begin;
    return x.cp_end > y.cp_end;  // the longer first
  });
  std::vector<PiiSpan> kept;
  kept.reserve(spans.size());
  for (const PiiSpan& s : spans) {
    if (!kept.empty() && kept.back().turn == s.turn && s.cp_begin < kept.back().cp_end) continue;
    kept.push_back(s);
  }
  spans = std::move(kept);
}

std::vector<PiiSpan> find_pii(const DecodedText& text, size_t turn) {
  std::vector<PiiSpan> spans;
  find_emails(text.folded, spans);
  find_numbers(text.folded, spans);
  find_jp_addresses(text.folded, spans);
  find_en_addresses(text.folded, spans);
  for (PiiSpan& s : spans) {
    s.turn = turn;
    s.source = PiiSource::kRule;
    s.byte_begin = text.byte_offset[s.cp_begin];
    s.byte_end = text.byte_offset[s.cp_end];
  }
  sort_and_drop_overlaps(spans);
  return spans;
}

Expected<std::vector<PiiSpan>> find_pii(std::string_view text, size_t turn) {
  auto decoded = decode_utf8(text);
  if (!decoded) return decoded.error();
  return find_pii(*decoded, turn);
}

std::vector<PiiSpan> locate_name(std::string_view text, std::string_view name, size_t turn,
                                 std::span<const PiiSpan> taken) {
  std::vector<PiiSpan> found;
  if (!validate_utf8(name) || count_code_points(name) < 2) return found;
  size_t from = 0;
  while (from <= text.size()) {
    const size_t at = text.find(name, from);
    if (at == std::string_view::npos) break;
    PiiSpan s;
    s.type = PiiType::kName;
    s.source = PiiSource::kModel;
    s.turn = turn;
    s.byte_begin = at;
    s.byte_end = at + name.size();
    s.cp_begin = count_code_points(text.substr(0, at));
    s.cp_end = s.cp_begin + count_code_points(name);
    bool overlaps = false;
    for (const PiiSpan& t : taken) {
      overlaps |= t.turn == turn && s.byte_begin < t.byte_end && t.byte_begin < s.byte_end;
    }
    if (!overlaps) found.push_back(s);
    from = at + name.size();
  }
  return found;
}

std::string redact(std::string_view text, std::span<const PiiSpan> spans) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (const PiiSpan& s : spans) {
    if (s.byte_begin < pos || s.byte_end > text.size() || s.byte_end < s.byte_begin) continue;
    out.append(text.substr(pos, s.byte_begin - pos));
    out.append(pii_placeholder(s.type));
    pos = s.byte_end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace airan::callcenter
