#pragma once
// The taxonomy of call reasons (intents) the analysis classifies into, with Japanese and English
// labels, keywords for the rule-based classifier and reply templates for the rule-based agent
// assist. Loaded from JSON:
//   {"fallback": "other",
//    "categories": [{"id": "billing",
//                    "labels":   {"en": "Billing", "ja": "料金・請求"},
//                    "keywords": {"en": ["bill", "charged twice"], "ja": ["請求", "料金"]},
//                    "replies":  {"en": ["..."], "ja": ["..."]}}, ...]}
// `replies` is optional; `fallback` names the category used when nothing matches (it must exist).

#include <string>
#include <string_view>
#include <vector>

#include "airan/callcenter/transcript.h"
#include "airan/common/expected.h"

namespace airan::callcenter {

/// One call reason.
struct IntentCategory {
  std::string id;  ///< [a-z0-9_]+, unique
  std::string label_en;
  std::string label_ja;
  std::vector<std::string> keywords_en;  ///< lower-case matching, whole words
  std::vector<std::string> keywords_ja;  ///< substring matching
  std::vector<std::string> replies_en;   ///< agent-assist templates, first is the best reply
  std::vector<std::string> replies_ja;

  const std::string& label(Language language) const {
    return language == Language::kJa ? label_ja : label_en;
  }
};

/// A set of categories.
struct Taxonomy {
  std::vector<IntentCategory> categories;
  std::string fallback = "other";  ///< id of the category for calls no keyword matches

  /// The category with `id`, or nullptr.
  const IntentCategory* find(std::string_view id) const;
};

/// Parses a taxonomy document (see above). Error: names the field path
/// (`categories[2].keywords.ja[0]: expected a non-empty string`).
Expected<Taxonomy> parse_taxonomy(std::string_view json_text);
/// Reads and parses a taxonomy file. Error: unreadable file, or as parse_taxonomy.
Expected<Taxonomy> load_taxonomy(const std::string& path);
/// The built-in taxonomy of telecom operator call reasons (billing, technical_support,
/// plan_change, cancellation, moving, device, roaming, account, complaint, other).
const Taxonomy& default_taxonomy();
/// The JSON text of the built-in taxonomy (a starting point for a custom one).
std::string_view default_taxonomy_json();

/// A classification.
struct IntentResult {
  std::string category;     ///< a category id of the taxonomy
  double confidence = 0.0;  ///< 0..1
};

/// Keyword classification: every keyword occurrence scores 2 in a customer turn and 1 in an agent
/// turn; the best-scoring category wins (ties: taxonomy order). Confidence is the winner's share
/// of all hits, damped when there are few hits (share x min(1, hits / 4)). No hit: the fallback
/// category with confidence 0.
IntentResult classify_intent(const Taxonomy& taxonomy, const Transcript& transcript);

/// Occurrences of `keyword` in `text` for `language`: English keywords match whole words
/// case-insensitively, Japanese ones as substrings.
size_t count_keyword(std::string_view text, std::string_view keyword, Language language);

}  // namespace airan::callcenter
