// Taxonomy loading and the keyword classifier.
#include "airan/callcenter/taxonomy.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "airan/callcenter/utf8.h"

namespace airan::callcenter {
namespace {

using nlohmann::json;

Status read_strings(const json& obj, const std::string& path, const char* lang,
                    std::vector<std::string>& out, bool required) {
  auto it = obj.find(lang);
  if (it == obj.end()) {
    if (required) return Error{path + "." + lang + ": missing (expected an array of strings)"};
    return Status::ok();
  }
  if (!it->is_array()) {
    return Error{path + "." + lang + ": expected an array of strings, got " + it->type_name()};
  }
  for (size_t k = 0; k < it->size(); ++k) {
    const json& v = (*it)[k];
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
      return Error{path + "." + lang + "[" + std::to_string(k) + "]: expected a non-empty string"};
    }
    out.push_back(v.get<std::string>());
  }
  return Status::ok();
}

Status read_language_pair(const json& cat, const std::string& path, const char* field,
                          std::vector<std::string>& en, std::vector<std::string>& ja,
                          bool required) {
  auto it = cat.find(field);
  if (it == cat.end()) {
    if (required)
      return Error{path + "." + field + ": missing (expected {\"en\": [...], \"ja\": [...]})"};
    return Status::ok();
  }
  if (!it->is_object()) {
    return Error{path + "." + field + ": expected an object with \"en\" and \"ja\", got " +
                 it->type_name()};
  }
  const std::string p = path + "." + field;
  for (const auto& [key, value] : it->items()) {
    if (key != "en" && key != "ja")
      return Error{p + ": unknown field \"" + key + "\" (expected en, ja)"};
  }
  if (Status s = read_strings(*it, p, "en", en, required); !s) return s;
  return read_strings(*it, p, "ja", ja, required);
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

const IntentCategory* Taxonomy::find(std::string_view id) const {
  for (const IntentCategory& c : categories) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Expected<Taxonomy> parse_taxonomy(std::string_view json_text) {
  if (Status s = validate_utf8(json_text); !s) return Error{"taxonomy: " + s.message()};
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    return Error{std::string("taxonomy: JSON syntax error: ") + e.what()};
  }
  if (!doc.is_object())
    return Error{"taxonomy: expected a JSON object, got " + std::string(doc.type_name())};
  for (const auto& [key, value] : doc.items()) {
    if (key != "fallback" && key != "categories") {
      return Error{"taxonomy: unknown field \"" + key + "\" (expected fallback, categories)"};
    }
  }
  Taxonomy t;
  if (auto it = doc.find("fallback"); it != doc.end()) {
    if (!it->is_string())
      return Error{"fallback: expected a category id (string), got " +
                   std::string(it->type_name())};
    t.fallback = it->get<std::string>();
  }
  auto cats = doc.find("categories");
  if (cats == doc.end()) return Error{"categories: missing (expected an array of categories)"};
  if (!cats->is_array() || cats->empty()) return Error{"categories: expected a non-empty array"};
  std::set<std::string> ids;
  for (size_t i = 0; i < cats->size(); ++i) {
    const json& c = (*cats)[i];
    const std::string path = "categories[" + std::to_string(i) + "]";
    if (!c.is_object())
      return Error{path + ": expected an object, got " + std::string(c.type_name())};
    for (const auto& [key, value] : c.items()) {
      if (key != "id" && key != "labels" && key != "keywords" && key != "replies") {
        return Error{path + ": unknown field \"" + key +
                     "\" (expected id, labels, keywords, replies)"};
      }
    }
    IntentCategory cat;
    auto id = c.find("id");
    if (id == c.end() || !id->is_string() || !valid_id(id->get<std::string>())) {
      return Error{path + ".id: expected a string of a-z, 0-9 and _ (1-64 characters)"};
    }
    cat.id = id->get<std::string>();
    if (!ids.insert(cat.id).second) return Error{path + ".id: \"" + cat.id + "\" appears twice"};
    auto labels = c.find("labels");
    if (labels == c.end() || !labels->is_object()) {
      return Error{path + ".labels: expected {\"en\": \"...\", \"ja\": \"...\"}"};
    }
    for (const char* lang : {"en", "ja"}) {
      auto l = labels->find(lang);
      if (l == labels->end() || !l->is_string() || l->get_ref<const std::string&>().empty()) {
        return Error{path + ".labels." + lang + ": expected a non-empty string"};
      }
      (std::string(lang) == "en" ? cat.label_en : cat.label_ja) = l->get<std::string>();
    }
    if (Status s = read_language_pair(c, path, "keywords", cat.keywords_en, cat.keywords_ja, true);
        !s) {
      return Error{s.message()};
    }
    if (Status s = read_language_pair(c, path, "replies", cat.replies_en, cat.replies_ja, false);
        !s) {
      return Error{s.message()};
    }
    t.categories.push_back(std::move(cat));
  }
  if (!t.find(t.fallback)) {
    return Error{"fallback: \"" + t.fallback + "\" is not the id of any category"};
  }
  return t;
}

Expected<Taxonomy> load_taxonomy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"taxonomy: cannot read " + path};
  std::stringstream ss;
  ss << in.rdbuf();
  auto t = parse_taxonomy(ss.str());
  if (!t) return Error{path + ": " + t.error().message};
  return t;
}

const Taxonomy& default_taxonomy() {
  static const Taxonomy t = [] {
    auto parsed = parse_taxonomy(default_taxonomy_json());
    // The built-in text is checked by the unit tests; an empty taxonomy would be a build defect.
    return parsed ? std::move(*parsed) : Taxonomy{};
  }();
  return t;
}

size_t count_keyword(std::string_view text, std::string_view keyword, Language language) {
  if (keyword.empty()) return 0;
  size_t n = 0;
  if (language == Language::kJa) {
    for (size_t at = text.find(keyword); at != std::string_view::npos;
         at = text.find(keyword, at + keyword.size())) {
      ++n;
    }
    return n;
  }
  const std::string t = ascii_lower(text);
  const std::string k = ascii_lower(keyword);
  for (size_t at = t.find(k); at != std::string::npos; at = t.find(k, at + k.size())) {
    const bool left = at == 0 || !word_char(t[at - 1]);
    const size_t end = at + k.size();
    // Whole words, allowing a plural or verb "s" ("bills", "drops").
    const bool right = end == t.size() || !word_char(t[end]) ||
                       (t[end] == 's' && (end + 1 == t.size() || !word_char(t[end + 1])));
    if (left && right) ++n;
  }
  return n;
}

IntentResult classify_intent(const Taxonomy& taxonomy, const Transcript& transcript) {
  std::vector<double> score(taxonomy.categories.size(), 0.0);
  double hits = 0.0;
  for (const Turn& turn : transcript.turns) {
    const double weight = turn.speaker == Speaker::kCustomer ? 2.0 : 1.0;
    for (size_t c = 0; c < taxonomy.categories.size(); ++c) {
      const IntentCategory& cat = taxonomy.categories[c];
      size_t n = 0;
      for (const std::string& k : cat.keywords_en) n += count_keyword(turn.text, k, Language::kEn);
      for (const std::string& k : cat.keywords_ja) n += count_keyword(turn.text, k, Language::kJa);
      score[c] += weight * static_cast<double>(n);
      hits += static_cast<double>(n);
    }
  }
  size_t best = 0;
  for (size_t c = 1; c < score.size(); ++c) {
    if (score[c] > score[best]) best = c;
  }
  double total = 0.0;
  for (double s : score) total += s;
  if (score.empty() || score[best] <= 0.0) return {taxonomy.fallback, 0.0};
  const double share = score[best] / total;
  return {taxonomy.categories[best].id, share * std::min(1.0, hits / 4.0)};
}

}  // namespace airan::callcenter
