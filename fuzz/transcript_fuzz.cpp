// libFuzzer target: arbitrary bytes through the transcript parser and, for the text of every
// turn (or the raw bytes when they are valid UTF-8), the PII rules and redaction. Must never
// crash; every span lies inside its text on code point boundaries, spans do not overlap, byte
// and code point offsets agree, and the redacted text is valid UTF-8. Model replies go through
// the schema check too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "airan/callcenter/analyzer.h"
#include "airan/callcenter/pii.h"
#include "airan/callcenter/transcript.h"
#include "airan/callcenter/utf8.h"

namespace {

using namespace airan::callcenter;

void check_text(std::string_view text, size_t turn) {
  auto spans = find_pii(text, turn);
  if (!spans) return;  // invalid UTF-8 is reported, not processed
  size_t prev_end = 0;
  for (const PiiSpan& s : *spans) {
    if (s.turn != turn || s.byte_begin >= s.byte_end || s.byte_end > text.size() ||
        s.byte_begin < prev_end || s.cp_begin >= s.cp_end) {
      std::abort();
    }
    // On code point boundaries, and the two kinds of offsets describe the same characters.
    if (count_code_points(text.substr(0, s.byte_begin)) != s.cp_begin ||
        count_code_points(text.substr(0, s.byte_end)) != s.cp_end ||
        !validate_utf8(text.substr(s.byte_begin, s.byte_end - s.byte_begin))) {
      std::abort();
    }
    prev_end = s.byte_end;
  }
  if (!validate_utf8(redact(text, *spans))) std::abort();
  // A "name" taken from the text itself is always found.
  if (text.size() >= 4) {
    const std::string_view name = text.substr(0, text.size() / 2);
    if (validate_utf8(name) && count_code_points(name) >= 2 &&
        locate_name(text, name, turn, {}).empty()) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto transcript = parse_transcript(bytes);
  if (transcript) {
    if (transcript->turns.empty()) std::abort();
    for (size_t k = 0; k < transcript->turns.size(); ++k) check_text(transcript->turns[k].text, k);
    // The whole rule pipeline on a valid transcript yields a schema-valid document.
    CallAnalysis a = analyze(*transcript, AnalyzerOptions{}, nullptr);
    if (!validate_analysis_json(to_json(a, *transcript, default_taxonomy()))) std::abort();
  } else {
    check_text(bytes, 0);
  }
  // The bytes as a model reply: validation never crashes.
  (void)check_model_reply(bytes, default_taxonomy(), 3);
  return 0;
}
