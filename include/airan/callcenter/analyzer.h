#pragma once
// Call analysis: summary, intent, sentiment, PII redaction and agent assist for one transcript.
//
// The model-derived fields come from an LLM reached through a ChatFn (the library does not know
// whether it is the local engine or an HTTP API). Its reply must be one JSON object following
// the schema in docs/callcenter.md; every field is validated (types, enum values, taxonomy
// categories, one sentiment per turn), and on errors the model is asked again, told exactly what
// was wrong, up to `max_retries` times. Fields the model never got right come from the rules
// (keyword intent, lexicon sentiment, extractive summary, taxonomy reply templates), so analyze()
// always returns a complete document; `meta.sources` says which produced each field.
// PII redaction is always by rule; names come from the model and are redacted only where the
// reported text is found in the turn.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airan/callcenter/pii.h"
#include "airan/callcenter/sentiment.h"
#include "airan/callcenter/taxonomy.h"
#include "airan/callcenter/transcript.h"
#include "airan/common/expected.h"
#include "airan/llm/chat_template.h"
#include "airan/llm/engine.h"

namespace airan::callcenter {

/// How a chat model should be called.
struct ChatCallOptions {
  uint32_t max_tokens = 768;  ///< tokens to generate at most
  float temperature = 0.2f;   ///< <= 0: greedy
  uint64_t seed = 42;         ///< sampling seed (repeatable analyses)
  bool json_object = true;    ///< ask for JSON-constrained output where the backend can
};

/// The engine request of one chat call: `prompt` as the chat template rendered it (its control
/// tokens parsed as such) with the call's sampling and length. JSON mode is the backend's to set.
llm::GenerationRequest chat_generation_request(std::string prompt, const ChatCallOptions& options);

/// Sends `messages` to a chat model and returns the assistant's reply text. Error: the backend
/// failed (transport, HTTP status, engine error), with its message.
using ChatFn = std::function<Expected<std::string>(const std::vector<llm::ChatMessage>& messages,
                                                   const ChatCallOptions& options)>;

enum class FieldSource { kModel, kRules };
/// "model" or "rules".
std::string_view field_source_name(FieldSource source);

/// What the call was about, how it ended, and what happens next.
struct CallSummary {
  std::string issue;
  std::string resolution;
  std::vector<std::string> next_steps;
};

/// Help for the agent: the reply to say next and further suggestions.
struct AgentAssist {
  std::string next_best_reply;
  std::vector<std::string> suggestions;
};

/// A name the model reported in a turn.
struct ReportedName {
  size_t turn = 0;
  std::string text;
};

/// The fields of a model reply that passed validation (absent: missing or invalid).
struct ModelFields {
  std::optional<CallSummary> summary;
  std::optional<IntentResult> intent;
  std::optional<Sentiment> overall_sentiment;
  std::optional<std::vector<Sentiment>> turn_sentiment;
  std::optional<std::vector<ReportedName>> names;
  std::optional<AgentAssist> agent_assist;

  /// True when every field is present.
  bool complete() const {
    return summary && intent && overall_sentiment && turn_sentiment && names && agent_assist;
  }
};

/// A model reply checked against the schema.
struct ModelReplyCheck {
  ModelFields fields;
  std::vector<std::string> errors;  ///< one per problem, each naming the field path
};

/// Parses and validates a model reply for a transcript whose first `n_turns` turns were in the
/// prompt. Text around the JSON object (code fences, prose) is ignored.
ModelReplyCheck check_model_reply(std::string_view reply, const Taxonomy& taxonomy, size_t n_turns);

/// The JSON object inside `text`: from the first '{' to its matching '}' (strings and escapes
/// respected). Error: no object, or it is not closed.
Expected<std::string_view> extract_json_object(std::string_view text);

/// Analysis settings.
struct AnalyzerOptions {
  const Taxonomy* taxonomy = nullptr;  ///< nullptr: default_taxonomy()
  unsigned max_retries = 2;            ///< extra model calls after the first when fields fail
  ChatCallOptions chat;
  std::string model_name;                      ///< reported in meta.model
  size_t max_prompt_transcript_bytes = 16000;  ///< transcript text in the prompt, bytes
};

/// The prompt: a system message with the task, the schema and the taxonomy, and a user message
/// with the (rule-redacted) transcript. `prompt_turns` receives how many turns it holds.
std::vector<llm::ChatMessage> build_prompt(const Transcript& transcript,
                                           const std::vector<std::string>& redacted_turns,
                                           const Taxonomy& taxonomy, size_t max_transcript_bytes,
                                           size_t* prompt_turns);

/// The user message of a retry: lists `errors` and asks for the corrected object.
std::string retry_message(const std::vector<std::string>& errors);

/// The analysis of one call.
struct CallAnalysis {
  std::string call_id;
  Language language = Language::kEn;
  bool language_detected = false;
  CallSummary summary;
  IntentResult intent;
  std::vector<Sentiment> turn_sentiment;  ///< one per turn
  std::vector<FieldSource> turn_sentiment_source;
  Sentiment overall_sentiment;
  std::vector<PiiSpan> pii;  ///< sorted by turn and position
  std::vector<std::string> redacted_turns;
  AgentAssist agent_assist;

  // Provenance and cost.
  std::string model;      ///< "" without a model
  bool llm_used = false;  ///< a ChatFn was given
  unsigned attempts = 0;  ///< ChatFn calls made
  FieldSource summary_source = FieldSource::kRules;
  FieldSource intent_source = FieldSource::kRules;
  FieldSource sentiment_source = FieldSource::kRules;
  FieldSource agent_assist_source = FieldSource::kRules;
  bool names_from_model = false;          ///< the model's names list was used
  size_t names_rejected = 0;              ///< names the model reported that are not in the text
  std::vector<std::string> model_errors;  ///< "attempt N: ..." for every problem seen
  double rules_ms = 0.0;
  double llm_ms = 0.0;
  double total_ms = 0.0;
};

/// Analyses `transcript`. `chat` may be null (rules only). Never fails: model problems are
/// recorded in model_errors and the rules fill in.
CallAnalysis analyze(const Transcript& transcript, const AnalyzerOptions& options,
                     const ChatFn* chat);

/// The rule-based fields only (what analyze() falls back on).
CallAnalysis analyze_with_rules(const Transcript& transcript, const Taxonomy& taxonomy);

/// The documented JSON document of an analysis (docs/callcenter.md).
nlohmann::json to_json(const CallAnalysis& analysis, const Transcript& transcript,
                       const Taxonomy& taxonomy);

/// Parses `transcript_json`, analyses it and returns the JSON document (the body of
/// POST /v1/callcenter/analyze). Error: the transcript is invalid (message names the field).
Expected<nlohmann::json> analyze_json(std::string_view transcript_json,
                                      const AnalyzerOptions& options, const ChatFn* chat);

/// Checks an analysis document against the output schema (used by tests and the load tool).
/// Error: the first field that is missing or has the wrong type or value.
Status validate_analysis_json(const nlohmann::json& doc);

}  // namespace airan::callcenter
