// Strict transcript parsing.
#include "airan/callcenter/transcript.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "airan/callcenter/utf8.h"

namespace airan::callcenter {
namespace {

using nlohmann::json;

std::string quoted(const std::string& s) {
  return json(s).dump();
}

std::string type_name(const json& v) {
  return v.type_name();
}

// Parses "HH:MM:SS[.f]" or "MM:SS[.f]". Returns false if the form is wrong.
bool parse_clock(const std::string& s, double& out) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == ':') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  if (parts.size() < 2 || parts.size() > 3) return false;
  double total = 0.0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    const bool last = i + 1 == parts.size();
    if (p.empty() || p.size() > 16) return false;
    size_t digits = 0;
    bool dot = false;
    size_t frac = 0;
    for (char c : p) {
      if (c >= '0' && c <= '9') {
        dot ? ++frac : ++digits;
      } else if (c == '.' && last && !dot) {
        dot = true;
      } else {
        return false;
      }
    }
    if (digits == 0 || (dot && frac == 0)) return false;
    // Minutes and seconds are two digits; hours any number (a call may be long).
    if (i > 0 && digits != 2) return false;
    const double v = std::strtod(p.c_str(), nullptr);
    if (i > 0 && v >= 60.0) return false;
    total = total * 60.0 + v;
  }
  out = total;
  return true;
}

// Byte offset where `text` nests arrays/objects deeper than `max_depth`, if it does (strings are
// skipped). Checked before parsing: deep nesting costs recursion in the JSON library.
std::optional<size_t> too_deep(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return i;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view speaker_name(Speaker speaker) {
  return speaker == Speaker::kAgent ? "agent" : "customer";
}

std::string_view language_code(Language language) {
  return language == Language::kJa ? "ja" : "en";
}

Expected<Language> language_from_code(std::string_view code) {
  if (code == "ja") return Language::kJa;
  if (code == "en") return Language::kEn;
  return Error{"expected \"ja\" or \"en\", got " + quoted(std::string(code))};
}

Expected<double> parse_time(const json& value, std::string_view field) {
  const std::string f(field);
  if (value.is_number()) {
    const double v = value.get<double>();
    if (!std::isfinite(v) || v < 0.0) {
      return Error{f + ": expected seconds >= 0, got " + value.dump()};
    }
    return v;
  }
  if (value.is_string()) {
    double v = 0.0;
    if (parse_clock(value.get<std::string>(), v)) return v;
    return Error{f + ": expected \"HH:MM:SS\" or \"MM:SS\" (optional .fraction), got " +
                 value.dump()};
  }
  return Error{f + ": expected seconds (number) or \"HH:MM:SS\", got " + type_name(value)};
}

Expected<Transcript> parse_transcript(std::string_view json_text, const TranscriptLimits& limits) {
  if (json_text.size() > limits.max_bytes) {
    return Error{"transcript: " + std::to_string(json_text.size()) +
                 " bytes exceeds the limit of " + std::to_string(limits.max_bytes)};
  }
  if (Status s = validate_utf8(json_text); !s) return Error{"transcript: " + s.message()};
  if (auto at = too_deep(json_text, limits.max_depth)) {
    return Error{"transcript: nesting deeper than " + std::to_string(limits.max_depth) +
                 " levels at byte " + std::to_string(*at)};
  }
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    return Error{"transcript: JSON syntax error at byte " + std::to_string(e.byte) + ": " +
                 e.what()};
  } catch (const json::exception& e) {
    return Error{std::string("transcript: JSON value out of range: ") + e.what()};
  }
  if (!doc.is_object()) return Error{"transcript: expected a JSON object, got " + type_name(doc)};

  Transcript t;
  for (const auto& [key, value] : doc.items()) {
    if (key != "call_id" && key != "language" && key != "turns" && key != "metadata") {
      return Error{"transcript: unknown field " + quoted(key) +
                   " (expected call_id, language, metadata, turns)"};
    }
  }
  if (auto it = doc.find("call_id"); it != doc.end()) {
    if (!it->is_string()) return Error{"call_id: expected a string, got " + type_name(*it)};
    t.call_id = it->get<std::string>();
    if (t.call_id.size() > limits.max_call_id_bytes) {
      return Error{"call_id: longer than " + std::to_string(limits.max_call_id_bytes) + " bytes"};
    }
  }
  if (auto it = doc.find("metadata"); it != doc.end()) {
    if (!it->is_object()) return Error{"metadata: expected an object, got " + type_name(*it)};
    t.metadata = *it;
  }
  bool have_language = false;
  if (auto it = doc.find("language"); it != doc.end()) {
    if (!it->is_string()) {
      return Error{"language: expected \"ja\" or \"en\", got " + type_name(*it)};
    }
    auto lang = language_from_code(it->get<std::string>());
    if (!lang) return Error{"language: " + lang.error().message};
    t.language = *lang;
    have_language = true;
  }
  auto turns_it = doc.find("turns");
  if (turns_it == doc.end()) return Error{"turns: missing (expected an array of turns)"};
  if (!turns_it->is_array()) return Error{"turns: expected an array, got " + type_name(*turns_it)};
  if (turns_it->empty()) return Error{"turns: expected at least one turn, got an empty array"};
  if (turns_it->size() > limits.max_turns) {
    return Error{"turns: " + std::to_string(turns_it->size()) + " turns exceeds the limit of " +
                 std::to_string(limits.max_turns)};
  }
  t.turns.reserve(turns_it->size());
  for (size_t i = 0; i < turns_it->size(); ++i) {
    const json& jt = (*turns_it)[i];
    const std::string path = "turns[" + std::to_string(i) + "]";
    if (!jt.is_object()) return Error{path + ": expected an object, got " + type_name(jt)};
    for (const auto& [key, value] : jt.items()) {
      if (key != "speaker" && key != "start" && key != "end" && key != "text") {
        return Error{path + ": unknown field " + quoted(key) +
                     " (expected speaker, start, end, text)"};
      }
    }
    Turn turn;
    auto sp = jt.find("speaker");
    if (sp == jt.end())
      return Error{path + ".speaker: missing (expected \"agent\" or \"customer\")"};
    if (!sp->is_string()) {
      return Error{path + ".speaker: expected \"agent\" or \"customer\", got " + type_name(*sp)};
    }
    const std::string& who = sp->get_ref<const std::string&>();
    if (who == "agent") {
      turn.speaker = Speaker::kAgent;
    } else if (who == "customer") {
      turn.speaker = Speaker::kCustomer;
    } else {
      return Error{path + ".speaker: expected \"agent\" or \"customer\", got " + quoted(who)};
    }
    auto st = jt.find("start");
    if (st == jt.end()) return Error{path + ".start: missing (expected seconds or \"HH:MM:SS\")"};
    auto start = parse_time(*st, path + ".start");
    if (!start) return start.error();
    turn.start_s = *start;
    if (auto en = jt.find("end"); en != jt.end()) {
      auto end = parse_time(*en, path + ".end");
      if (!end) return end.error();
      if (*end < turn.start_s) {
        return Error{path + ".end: " + std::to_string(*end) + " s is before start " +
                     std::to_string(turn.start_s) + " s"};
      }
      turn.end_s = *end;
    }
    auto tx = jt.find("text");
    if (tx == jt.end()) return Error{path + ".text: missing (expected a non-empty string)"};
    if (!tx->is_string()) return Error{path + ".text: expected a string, got " + type_name(*tx)};
    turn.text = tx->get<std::string>();
    if (turn.text.empty()) return Error{path + ".text: expected a non-empty string, got \"\""};
    if (turn.text.size() > limits.max_turn_text_bytes) {
      return Error{path + ".text: longer than " + std::to_string(limits.max_turn_text_bytes) +
                   " bytes"};
    }
    if (i > 0 && turn.start_s < t.turns.back().start_s) {
      return Error{path + ".start: " + std::to_string(turn.start_s) +
                   " s is before the previous turn's start " +
                   std::to_string(t.turns.back().start_s) + " s (turns must be in time order)"};
    }
    t.turns.push_back(std::move(turn));
  }
  if (!have_language) {
    t.language = detect_language(t.turns);
    t.language_detected = true;
  }
  return t;
}

Language detect_language(const std::vector<Turn>& turns) {
  size_t japanese = 0;
  size_t letters = 0;
  for (const Turn& turn : turns) {
    auto d = decode_utf8(turn.text);
    if (!d) continue;
    for (char32_t c : d->folded) {
      if (is_hiragana(c) || is_katakana(c) || is_kanji(c)) {
        ++japanese;
        ++letters;
      } else if (is_ascii_alpha(c)) {
        ++letters;
      }
    }
  }
  return letters > 0 && japanese * 5 >= letters ? Language::kJa : Language::kEn;
}

std::string format_time(double seconds) {
  const long long s = seconds > 0 ? static_cast<long long>(seconds) : 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

}  // namespace airan::callcenter
