#pragma once
// Personal information in call transcripts, found by rules (phone numbers, e-mail addresses,
// payment card numbers, postal codes, street addresses) and, for names, by the model; every span
// is checked against the text before it is redacted.
//
// Offsets: each span gives both UTF-8 byte offsets and Unicode code point offsets into the turn's
// original text (as received, before any width folding), as half-open ranges [begin, end).
// Matching runs on a width-folded copy (full-width digits, letters, '+', '@', '－' and the long
// vowel mark 'ー' used as a dash count as their ASCII forms), one code point for one, so a match
// maps back to exactly the characters the speaker's text holds.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "airan/callcenter/utf8.h"
#include "airan/common/expected.h"

namespace airan::callcenter {

enum class PiiType { kPhone, kEmail, kCardNumber, kPostalCode, kAddress, kName };
enum class PiiSource { kRule, kModel };

/// "phone", "email", "card_number", "postal_code", "address" or "name".
std::string_view pii_type_name(PiiType type);
/// The placeholder that replaces a span of `type`: "[PHONE]", "[EMAIL]", "[CARD_NUMBER]", ...
std::string_view pii_placeholder(PiiType type);
/// "rule" or "model".
std::string_view pii_source_name(PiiSource source);

/// One piece of personal information in one turn.
struct PiiSpan {
  PiiType type = PiiType::kPhone;
  PiiSource source = PiiSource::kRule;
  size_t turn = 0;        ///< index of the turn in the transcript
  size_t byte_begin = 0;  ///< UTF-8 bytes from the start of the turn's text
  size_t byte_end = 0;
  size_t cp_begin = 0;  ///< code points from the start of the turn's text
  size_t cp_end = 0;
};

/// Luhn (ISO/IEC 7812-1 Annex B) check of a string of ASCII digits; false if any other character
/// is present or it is empty.
bool luhn_valid(std::string_view digits);

/// Every rule match in `text` (one turn, index `turn`), sorted by position, not overlapping.
std::vector<PiiSpan> find_pii(const DecodedText& text, size_t turn);
/// The same for UTF-8 `text`. Error: invalid UTF-8, with the byte offset.
Expected<std::vector<PiiSpan>> find_pii(std::string_view text, size_t turn);

/// Spans for each occurrence of `name` (as reported by a model) in `text` that does not overlap
/// `taken`. Empty when the name does not occur: a model's claim is never trusted unchecked.
/// `name` shorter than 2 code points or not valid UTF-8 gives nothing.
std::vector<PiiSpan> locate_name(std::string_view text, std::string_view name, size_t turn,
                                 std::span<const PiiSpan> taken);

/// `text` with each span (sorted by byte_begin, not overlapping, all of one turn) replaced by its
/// placeholder.
std::string redact(std::string_view text, std::span<const PiiSpan> spans);

/// Sorts `spans` by turn and position and drops any that overlaps an earlier kept one.
void sort_and_drop_overlaps(std::vector<PiiSpan>& spans);

}  // namespace airan::callcenter
