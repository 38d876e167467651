#pragma once
// A call transcript: who said what, and when. Parsed strictly from JSON:
//   {"call_id": "C-1" (optional), "language": "ja" | "en" (optional: detected from the text),
//    "metadata": {...} (optional, kept as is),
//    "turns": [{"speaker": "agent" | "customer", "start": 12.5 | "00:00:12.5",
//               "end": (optional, same forms, >= start), "text": "..."}]}
// Turns are in time order (start never decreases). Any other field is an error.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"

namespace airan::callcenter {

enum class Speaker { kAgent, kCustomer };
enum class Language { kJa, kEn };

/// "agent" or "customer".
std::string_view speaker_name(Speaker speaker);
/// "ja" or "en".
std::string_view language_code(Language language);
/// Language from "ja" / "en". Error: any other code.
Expected<Language> language_from_code(std::string_view code);

/// One utterance.
struct Turn {
  Speaker speaker = Speaker::kCustomer;
  double start_s = 0.0;         ///< seconds from the start of the call
  std::optional<double> end_s;  ///< seconds from the start of the call, >= start_s
  std::string text;             ///< valid UTF-8, not empty
};

/// A whole call.
struct Transcript {
  std::string call_id;  ///< "" when the input has none
  Language language = Language::kEn;
  bool language_detected = false;  ///< true: `language` was not given, detect_language chose it
  nlohmann::json metadata;         ///< the input's "metadata" object, or null
  std::vector<Turn> turns;         ///< at least one
};

/// Size limits of a transcript (a request body must not be able to exhaust the node).
struct TranscriptLimits {
  size_t max_bytes = 4 << 20;  ///< whole JSON document, bytes
  size_t max_turns = 5000;
  size_t max_turn_text_bytes = 64 << 10;
  size_t max_call_id_bytes = 256;
  size_t max_depth = 32;  ///< nesting of arrays and objects (metadata included)
};

/// Parses and validates a transcript document. Error: the first problem, naming the field path
/// and what was expected (`turns[3].speaker: expected "agent" or "customer", got "bot"`), or the
/// byte offset of invalid UTF-8 or of a JSON syntax error.
Expected<Transcript> parse_transcript(std::string_view json_text,
                                      const TranscriptLimits& limits = {});

/// Parses a time: a number of seconds (>= 0) or "HH:MM:SS", "MM:SS", each with optional
/// fractional seconds ("00:01:02.5"). Error: names `field` and the expected forms.
Expected<double> parse_time(const nlohmann::json& value, std::string_view field);

/// "ja" when Japanese script (kana, kanji) makes up at least 20 % of the letters in `turns`,
/// else "en".
Language detect_language(const std::vector<Turn>& turns);

/// "HH:MM:SS" (whole seconds, rounded down) for `seconds` >= 0.
std::string format_time(double seconds);

}  // namespace airan::callcenter
