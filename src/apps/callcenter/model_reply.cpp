// The model's reply: finding the JSON object and validating it field by field.
#include <cmath>
#include <string>

#include "airan/callcenter/analyzer.h"
#include "airan/callcenter/utf8.h"

namespace airan::callcenter {
namespace {

using nlohmann::json;

constexpr size_t kMaxTextCodePoints = 2000;
constexpr size_t kMaxListItems = 10;

// A non-empty string of at most kMaxTextCodePoints, else an error naming `path`.
bool read_text(const json& obj, const char* key, const std::string& path, std::string& out,
               std::vector<std::string>& errors, bool allow_empty = false) {
  auto it = obj.find(key);
  const std::string p = path + "." + key;
  if (it == obj.end()) {
    errors.push_back(p + ": missing (expected a string)");
    return false;
  }
  if (!it->is_string()) {
    errors.push_back(p + ": expected a string, got " + std::string(it->type_name()));
    return false;
  }
  const std::string& s = it->get_ref<const std::string&>();
  if (s.empty() && !allow_empty) {
    errors.push_back(p + ": expected a non-empty string");
    return false;
  }
  if (count_code_points(s) > kMaxTextCodePoints) {
    errors.push_back(p + ": longer than " + std::to_string(kMaxTextCodePoints) + " characters");
    return false;
  }
  out = s;
  return true;
}

bool read_text_list(const json& obj, const char* key, const std::string& path,
                    std::vector<std::string>& out, std::vector<std::string>& errors) {
  auto it = obj.find(key);
  const std::string p = path + "." + key;
  if (it == obj.end()) {
    errors.push_back(p + ": missing (expected an array of strings)");
    return false;
  }
  if (!it->is_array()) {
    errors.push_back(p + ": expected an array of strings, got " + std::string(it->type_name()));
    return false;
  }
  if (it->size() > kMaxListItems) {
    errors.push_back(p + ": more than " + std::to_string(kMaxListItems) + " items");
    return false;
  }
  bool ok = true;
  for (size_t k = 0; k < it->size(); ++k) {
    const json& v = (*it)[k];
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
      errors.push_back(p + "[" + std::to_string(k) + "]: expected a non-empty string");
      ok = false;
    } else {
      out.push_back(v.get<std::string>());
    }
  }
  return ok;
}

std::optional<Sentiment> read_sentiment(const json& v, const std::string& path,
                                        std::vector<std::string>& errors) {
  if (!v.is_object()) {
    errors.push_back(path + ": expected an object {\"label\", \"score\"}, got " +
                     std::string(v.type_name()));
    return std::nullopt;
  }
  Sentiment s;
  bool ok = true;
  auto label = v.find("label");
  if (label == v.end() || !label->is_string()) {
    errors.push_back(path + ".label: expected \"positive\", \"neutral\" or \"negative\"");
    ok = false;
  } else if (auto l = sentiment_label_from_name(label->get<std::string>()); !l) {
    errors.push_back(path + ".label: " + l.error().message);
    ok = false;
  } else {
    s.label = *l;
  }
  auto score = v.find("score");
  if (score == v.end() || !score->is_number()) {
    errors.push_back(path + ".score: expected a number from -1 to 1");
    ok = false;
  } else {
    s.score = score->get<double>();
    if (!std::isfinite(s.score) || s.score < -1.0 || s.score > 1.0) {
      errors.push_back(path + ".score: " + score->dump() + " is outside -1 to 1");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return s;
}

}  // namespace

Expected<std::string_view> extract_json_object(std::string_view text) {
  const size_t begin = text.find('{');
  if (begin == std::string_view::npos) return Error{"reply: no JSON object (no '{' found)"};
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = begin; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (--depth == 0) return text.substr(begin, i - begin + 1);
    }
  }
  return Error{"reply: the JSON object opened at byte " + std::to_string(begin) +
               " is never closed"};
}

ModelReplyCheck check_model_reply(std::string_view reply, const Taxonomy& taxonomy,
                                  size_t n_turns) {
  ModelReplyCheck check;
  auto& errors = check.errors;
  if (Status s = validate_utf8(reply); !s) {
    errors.push_back("reply: " + s.message());
    return check;
  }
  auto object = extract_json_object(reply);
  if (!object) {
    errors.push_back(object.error().message);
    return check;
  }
  json doc;
  try {
    doc = json::parse(*object);
  } catch (const json::exception& e) {
    errors.push_back(std::string("reply: not valid JSON: ") + e.what());
    return check;
  }
  ModelFields& f = check.fields;

  // summary
  if (auto it = doc.find("summary"); it == doc.end()) {
    errors.push_back("summary: missing (expected {\"issue\", \"resolution\", \"next_steps\"})");
  } else if (!it->is_object()) {
    errors.push_back("summary: expected an object, got " + std::string(it->type_name()));
  } else {
    CallSummary s;
    bool ok = read_text(*it, "issue", "summary", s.issue, errors);
    ok = read_text(*it, "resolution", "summary", s.resolution, errors) && ok;
    ok = read_text_list(*it, "next_steps", "summary", s.next_steps, errors) && ok;
    if (ok) f.summary = std::move(s);
  }

  // intent
  if (auto it = doc.find("intent"); it == doc.end()) {
    errors.push_back("intent: missing (expected {\"category\", \"confidence\"})");
  } else if (!it->is_object()) {
    errors.push_back("intent: expected an object, got " + std::string(it->type_name()));
  } else {
    IntentResult r;
    bool ok = true;
    auto cat = it->find("category");
    if (cat == it->end() || !cat->is_string()) {
      errors.push_back("intent.category: expected one of the category ids (string)");
      ok = false;
    } else if (!taxonomy.find(cat->get<std::string>())) {
      std::string ids;
      for (const IntentCategory& c : taxonomy.categories) ids += (ids.empty() ? "" : ", ") + c.id;
      errors.push_back("intent.category: " + cat->dump() + " is not a category; use one of " + ids);
      ok = false;
    } else {
      r.category = cat->get<std::string>();
    }
    auto conf = it->find("confidence");
    if (conf == it->end() || !conf->is_number()) {
      errors.push_back("intent.confidence: expected a number from 0 to 1");
      ok = false;
    } else {
      r.confidence = conf->get<double>();
      if (!std::isfinite(r.confidence) || r.confidence < 0.0 || r.confidence > 1.0) {
        errors.push_back("intent.confidence: " + conf->dump() + " is outside 0 to 1");
        ok = false;
      }
    }
    if (ok) f.intent = r;
  }

  // sentiment
  if (auto it = doc.find("sentiment"); it == doc.end()) {
    errors.push_back("sentiment: missing (expected {\"overall\", \"turns\"})");
  } else if (!it->is_object()) {
    errors.push_back("sentiment: expected an object, got " + std::string(it->type_name()));
  } else {
    if (auto ov = it->find("overall"); ov == it->end()) {
      errors.push_back("sentiment.overall: missing (expected {\"label\", \"score\"})");
    } else {
      f.overall_sentiment = read_sentiment(*ov, "sentiment.overall", errors);
    }
    if (auto tu = it->find("turns"); tu == it->end() || !tu->is_array()) {
      errors.push_back(
          "sentiment.turns: expected an array with one {\"label\", \"score\"} per turn");
    } else if (tu->size() != n_turns) {
      errors.push_back("sentiment.turns: expected " + std::to_string(n_turns) +
                       " entries (one per turn), got " + std::to_string(tu->size()));
    } else {
      std::vector<Sentiment> turns;
      for (size_t k = 0; k < tu->size(); ++k) {
        auto s = read_sentiment((*tu)[k], "sentiment.turns[" + std::to_string(k) + "]", errors);
        if (!s) break;
        turns.push_back(*s);
      }
      if (turns.size() == n_turns) f.turn_sentiment = std::move(turns);
    }
  }

  // names (optional: missing means none)
  if (auto it = doc.find("names"); it == doc.end()) {
    f.names = std::vector<ReportedName>{};
  } else if (!it->is_array()) {
    errors.push_back("names: expected an array of {\"turn\", \"text\"}, got " +
                     std::string(it->type_name()));
  } else {
    std::vector<ReportedName> names;
    bool ok = true;
    for (size_t k = 0; k < it->size() && ok; ++k) {
      const json& n = (*it)[k];
      const std::string p = "names[" + std::to_string(k) + "]";
      if (!n.is_object()) {
        errors.push_back(p + ": expected an object {\"turn\", \"text\"}");
        ok = false;
        break;
      }
      ReportedName rn;
      auto turn = n.find("turn");
      if (turn == n.end() || !turn->is_number_integer() || turn->get<int64_t>() < 0 ||
          turn->get<int64_t>() >= static_cast<int64_t>(n_turns)) {
        errors.push_back(p + ".turn: expected a turn index from 0 to " +
                         std::to_string(n_turns == 0 ? 0 : n_turns - 1));
        ok = false;
        break;
      }
      rn.turn = static_cast<size_t>(turn->get<int64_t>());
      ok = read_text(n, "text", p, rn.text, errors);
      if (ok) names.push_back(std::move(rn));
    }
    if (ok) f.names = std::move(names);
  }

  // agent_assist
  if (auto it = doc.find("agent_assist"); it == doc.end()) {
    errors.push_back("agent_assist: missing (expected {\"next_best_reply\", \"suggestions\"})");
  } else if (!it->is_object()) {
    errors.push_back("agent_assist: expected an object, got " + std::string(it->type_name()));
  } else {
    AgentAssist a;
    bool ok = read_text(*it, "next_best_reply", "agent_assist", a.next_best_reply, errors);
    ok = read_text_list(*it, "suggestions", "agent_assist", a.suggestions, errors) && ok;
    if (ok) f.agent_assist = std::move(a);
  }
  return check;
}

}  // namespace airan::callcenter
