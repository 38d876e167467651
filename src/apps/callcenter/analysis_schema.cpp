// Checks an analysis document against the schema documented in docs/callcenter.md.
#include <string>

#include "airan/callcenter/analyzer.h"

namespace airan::callcenter {
namespace {

using nlohmann::json;

const json* need(const json& obj, const std::string& path, const char* key, json::value_t type,
                 std::string& error) {
  auto it = obj.find(key);
  const std::string p = path.empty() ? key : path + "." + key;
  if (it == obj.end()) {
    error = p + ": missing";
    return nullptr;
  }
  const bool ok = type == json::value_t::number_float      ? it->is_number()
                  : type == json::value_t::number_unsigned ? it->is_number_unsigned()
                                                           : it->type() == type;
  if (!ok) {
    error = p + ": wrong type " + std::string(it->type_name());
    return nullptr;
  }
  return &*it;
}

bool one_of(const json& v, std::initializer_list<const char*> names) {
  if (!v.is_string()) return false;
  for (const char* n : names) {
    if (v.get_ref<const std::string&>() == n) return true;
  }
  return false;
}

bool strings(const json& v) {
  if (!v.is_array()) return false;
  for (const json& s : v) {
    if (!s.is_string()) return false;
  }
  return true;
}

}  // namespace

Status validate_analysis_json(const json& doc) {
  using V = json::value_t;
  std::string e;
  if (!doc.is_object()) return Error{"analysis: expected an object"};
  if (!need(doc, "", "schema_version", V::number_unsigned, e)) return Error{e};
  if (!need(doc, "", "call_id", V::string, e)) return Error{e};
  const json* lang = need(doc, "", "language", V::string, e);
  if (!lang) return Error{e};
  if (!one_of(*lang, {"ja", "en"})) return Error{"language: expected \"ja\" or \"en\""};
  if (!need(doc, "", "language_detected", V::boolean, e)) return Error{e};

  const json* summary = need(doc, "", "summary", V::object, e);
  if (!summary || !need(*summary, "summary", "issue", V::string, e) ||
      !need(*summary, "summary", "resolution", V::string, e)) {
    return Error{e};
  }
  const json* steps = need(*summary, "summary", "next_steps", V::array, e);
  if (!steps) return Error{e};
  if (!strings(*steps)) return Error{"summary.next_steps: expected strings"};

  const json* intent = need(doc, "", "intent", V::object, e);
  if (!intent || !need(*intent, "intent", "category", V::string, e) ||
      !need(*intent, "intent", "label", V::string, e)) {
    return Error{e};
  }
  const json* conf = need(*intent, "intent", "confidence", V::number_float, e);
  if (!conf) return Error{e};
  if (conf->get<double>() < 0.0 || conf->get<double>() > 1.0) {
    return Error{"intent.confidence: outside 0..1"};
  }

  const json* sentiment = need(doc, "", "sentiment", V::object, e);
  if (!sentiment) return Error{e};
  const json* overall = need(*sentiment, "sentiment", "overall", V::object, e);
  if (!overall) return Error{e};
  const json* turns = need(*sentiment, "sentiment", "turns", V::array, e);
  if (!turns) return Error{e};
  std::vector<const json*> sentiments{overall};
  for (const json& t : *turns) sentiments.push_back(&t);
  for (size_t k = 0; k < sentiments.size(); ++k) {
    const json& s = *sentiments[k];
    const std::string p =
        k == 0 ? "sentiment.overall" : "sentiment.turns[" + std::to_string(k - 1) + "]";
    if (!s.is_object()) return Error{p + ": expected an object"};
    const json* label = need(s, p, "label", V::string, e);
    if (!label) return Error{e};
    if (!one_of(*label, {"positive", "neutral", "negative"})) return Error{p + ".label: bad value"};
    const json* score = need(s, p, "score", V::number_float, e);
    if (!score) return Error{e};
    if (score->get<double>() < -1.0 || score->get<double>() > 1.0) {
      return Error{p + ".score: outside -1..1"};
    }
    if (k > 0) {
      const json* turn = need(s, p, "turn", V::number_unsigned, e);
      if (!turn) return Error{e};
      if (turn->get<size_t>() != k - 1) return Error{p + ".turn: out of order"};
      const json* speaker = need(s, p, "speaker", V::string, e);
      if (!speaker) return Error{e};
      if (!one_of(*speaker, {"agent", "customer"})) return Error{p + ".speaker: bad value"};
      const json* source = need(s, p, "source", V::string, e);
      if (!source) return Error{e};
      if (!one_of(*source, {"model", "rules"})) return Error{p + ".source: bad value"};
    }
  }

  const json* pii = need(doc, "", "pii", V::object, e);
  if (!pii) return Error{e};
  const json* redacted = need(*pii, "pii", "redacted_turns", V::array, e);
  if (!redacted) return Error{e};
  if (redacted->size() != turns->size()) {
    return Error{"pii.redacted_turns: expected one entry per turn"};
  }
  for (size_t k = 0; k < redacted->size(); ++k) {
    const json& r = (*redacted)[k];
    const std::string p = "pii.redacted_turns[" + std::to_string(k) + "]";
    if (!r.is_object()) return Error{p + ": expected an object"};
    if (!need(r, p, "turn", V::number_unsigned, e) || !need(r, p, "speaker", V::string, e) ||
        !need(r, p, "start", V::string, e) || !need(r, p, "text", V::string, e)) {
      return Error{e};
    }
  }
  const json* redactions = need(*pii, "pii", "redactions", V::array, e);
  if (!redactions) return Error{e};
  for (size_t k = 0; k < redactions->size(); ++k) {
    const json& r = (*redactions)[k];
    const std::string p = "pii.redactions[" + std::to_string(k) + "]";
    if (!r.is_object()) return Error{p + ": expected an object"};
    const json* turn = need(r, p, "turn", V::number_unsigned, e);
    if (!turn) return Error{e};
    if (turn->get<size_t>() >= redacted->size()) return Error{p + ".turn: out of range"};
    const json* type = need(r, p, "type", V::string, e);
    if (!type) return Error{e};
    if (!one_of(*type, {"phone", "email", "card_number", "postal_code", "address", "name"})) {
      return Error{p + ".type: bad value"};
    }
    const json* source = need(r, p, "source", V::string, e);
    if (!source) return Error{e};
    if (!one_of(*source, {"rule", "model"})) return Error{p + ".source: bad value"};
    for (const char* key : {"cp_begin", "cp_end", "byte_begin", "byte_end"}) {
      if (!need(r, p, key, V::number_unsigned, e)) return Error{e};
    }
    if (r["cp_begin"].get<size_t>() >= r["cp_end"].get<size_t>() ||
        r["byte_begin"].get<size_t>() >= r["byte_end"].get<size_t>()) {
      return Error{p + ": empty or reversed range"};
    }
  }

  const json* assist = need(doc, "", "agent_assist", V::object, e);
  if (!assist || !need(*assist, "agent_assist", "next_best_reply", V::string, e)) return Error{e};
  const json* sugg = need(*assist, "agent_assist", "suggestions", V::array, e);
  if (!sugg) return Error{e};
  if (!strings(*sugg)) return Error{"agent_assist.suggestions: expected strings"};

  const json* meta = need(doc, "", "meta", V::object, e);
  if (!meta) return Error{e};
  if (!need(*meta, "meta", "llm_used", V::boolean, e) ||
      !need(*meta, "meta", "attempts", V::number_unsigned, e) ||
      !need(*meta, "meta", "names_rejected", V::number_unsigned, e) ||
      !need(*meta, "meta", "model_errors", V::array, e) ||
      !need(*meta, "meta", "timings_ms", V::object, e)) {
    return Error{e};
  }
  const json* sources = need(*meta, "meta", "sources", V::object, e);
  if (!sources) return Error{e};
  for (const char* key : {"summary", "intent", "sentiment", "agent_assist"}) {
    const json* s = need(*sources, "meta.sources", key, V::string, e);
    if (!s) return Error{e};
    if (!one_of(*s, {"model", "rules"}))
      return Error{std::string("meta.sources.") + key + ": bad value"};
  }
  const json* ps = need(*sources, "meta.sources", "pii", V::string, e);
  if (!ps) return Error{e};
  if (!one_of(*ps, {"rules", "rules+model"})) return Error{"meta.sources.pii: bad value"};
  return Status::ok();
}

}  // namespace airan::callcenter
