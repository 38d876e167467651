// The analysis pipeline: rules first (always), then the model with bounded retries, merged field
// by field.
#include "airan/callcenter/analyzer.h"

#include <algorithm>
#include <array>
#include <chrono>

#include "airan/callcenter/utf8.h"

namespace airan::callcenter {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

constexpr size_t kSummaryCodePoints = 240;

std::string clip(std::string_view text) {
  if (count_code_points(text) <= kSummaryCodePoints) return std::string(text);
  return truncate_code_points(text, kSummaryCodePoints) + "…";
}

// Sentences of `text`, split after . ! ? and their full-width forms (kept with the sentence).
std::vector<std::string> sentences(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    size_t b = cur.find_first_not_of(' ');
    if (b != std::string::npos) out.push_back(cur.substr(b));
    cur.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    cur += c;
    ++i;
    if (c == '.' || c == '!' || c == '?') {
      if (i == text.size() || text[i] == ' ') flush();
    } else if (text.substr(i - 1).starts_with("。") || text.substr(i - 1).starts_with("！") ||
               text.substr(i - 1).starts_with("？")) {
      cur.append(text.substr(i, 2));
      i += 2;
      flush();
    }
  }
  flush();
  return out;
}

bool contains_any(std::string_view text, std::span<const std::string_view> words) {
  const std::string lower = ascii_lower(text);
  for (std::string_view w : words) {
    if (lower.find(w) != std::string::npos) return true;
  }
  return false;
}

// Words that mark an agent sentence as a commitment (next step) or an outcome (resolution).
constexpr std::array<std::string_view, 19> kFutureMarkers = {
    "i will",   "i'll",   "we will", "we'll",    "you will",         "you'll",
    "within",   "お送り", "ご連絡",  "後日",     "までに",           "届きます",
    "反映され", "予定",   "郵送",    "お知らせ", "ご案内いたします", "手配いたします",
    "折り返し"};
constexpr std::array<std::string_view, 16> kOutcomeMarkers = {
    "i've",         "i have",       "has been",     "have been",    "processed",
    "completed",    "refund",       "updated",      "turned it on", "手続きをいたしました",
    "完了しました", "手配しました", "変更しました", "返金",         "解決",
    "設定しました"};
// Weaker: an acknowledgement that something was taken on.
constexpr std::array<std::string_view, 4> kAcceptMarkers = {"done", "承りました", "受け付けました",
                                                            "all set"};

bool is_question(std::string_view sentence) {
  return sentence.ends_with("?") || sentence.ends_with("？") || sentence.ends_with("か。");
}

CallSummary rule_summary(const Transcript& t, const std::vector<std::string>& redacted,
                         const Taxonomy& taxonomy, const IntentResult& intent) {
  CallSummary s;
  const IntentCategory* cat = taxonomy.find(intent.category);
  // Issue: the first customer turn that names the call reason, else the first customer turn.
  std::optional<size_t> issue_turn;
  for (size_t k = 0; k < t.turns.size() && !issue_turn; ++k) {
    if (t.turns[k].speaker != Speaker::kCustomer || !cat) continue;
    size_t hits = 0;
    for (const std::string& w : cat->keywords_en)
      hits += count_keyword(t.turns[k].text, w, Language::kEn);
    for (const std::string& w : cat->keywords_ja)
      hits += count_keyword(t.turns[k].text, w, Language::kJa);
    if (hits > 0) issue_turn = k;
  }
  for (size_t k = 0; k < t.turns.size() && !issue_turn; ++k) {
    if (t.turns[k].speaker == Speaker::kCustomer) issue_turn = k;
  }
  s.issue = issue_turn ? clip(redacted[*issue_turn]) : clip(redacted.front());
  // Resolution: the last agent sentence reporting an outcome, else one accepting the request,
  // else the last agent turn.
  for (std::span<const std::string_view> markers :
       {std::span<const std::string_view>(kOutcomeMarkers),
        std::span<const std::string_view>(kAcceptMarkers)}) {
    for (size_t k = t.turns.size(); k-- > 0 && s.resolution.empty();) {
      if (t.turns[k].speaker != Speaker::kAgent) continue;
      for (const std::string& sentence : sentences(redacted[k])) {
        if (!is_question(sentence) && !contains_any(sentence, kFutureMarkers) &&
            contains_any(sentence, markers)) {
          s.resolution = clip(sentence);
        }
      }
    }
  }
  for (size_t k = t.turns.size(); k-- > 0 && s.resolution.empty();) {
    if (t.turns[k].speaker == Speaker::kAgent) s.resolution = clip(redacted[k]);
  }
  // Next steps: agent sentences that commit to something, at most three, in call order.
  for (size_t k = 0; k < t.turns.size() && s.next_steps.size() < 3; ++k) {
    if (t.turns[k].speaker != Speaker::kAgent) continue;
    for (const std::string& sentence : sentences(redacted[k])) {
      if (s.next_steps.size() < 3 && !is_question(sentence) &&
          contains_any(sentence, kFutureMarkers)) {
        s.next_steps.push_back(clip(sentence));
      }
    }
  }
  return s;
}

AgentAssist rule_assist(const Taxonomy& taxonomy, const IntentResult& intent, Language lang) {
  AgentAssist a;
  const IntentCategory* cat = taxonomy.find(intent.category);
  const IntentCategory* fb = taxonomy.find(taxonomy.fallback);
  for (const IntentCategory* c : {cat, fb}) {
    if (!c) continue;
    const auto& replies = lang == Language::kJa ? c->replies_ja : c->replies_en;
    if (replies.empty()) continue;
    a.next_best_reply = replies.front();
    a.suggestions.assign(replies.begin() + 1, replies.end());
    return a;
  }
  // A taxonomy without templates: point the agent at the call reason.
  a.next_best_reply =
      lang == Language::kJa
          ? "「" + (cat ? cat->label_ja : intent.category) + "」について確認いたします。"
          : "Let me look into your " + (cat ? cat->label_en : intent.category) + " request.";
  return a;
}

void redact_all(const Transcript& t, CallAnalysis& a) {
  sort_and_drop_overlaps(a.pii);
  a.redacted_turns.clear();
  size_t p = 0;
  for (size_t k = 0; k < t.turns.size(); ++k) {
    const size_t first = p;
    while (p < a.pii.size() && a.pii[p].turn == k) ++p;
    a.redacted_turns.push_back(
        redact(t.turns[k].text, std::span<const PiiSpan>(a.pii.data() + first, p - first)));
  }
}

}  // namespace

llm::GenerationRequest chat_generation_request(std::string prompt, const ChatCallOptions& options) {
  llm::GenerationRequest request;
  request.prompt = std::move(prompt);
  request.parse_special = true;  // the template writes the model's control tokens as text
  request.sampling.temperature = options.temperature;
  request.sampling.seed = options.seed;
  request.max_tokens = options.max_tokens;
  return request;
}

std::string_view field_source_name(FieldSource source) {
  return source == FieldSource::kModel ? "model" : "rules";
}

std::vector<llm::ChatMessage> build_prompt(const Transcript& transcript,
                                           const std::vector<std::string>& redacted_turns,
                                           const Taxonomy& taxonomy, size_t max_transcript_bytes,
                                           size_t* prompt_turns) {
  const bool ja = transcript.language == Language::kJa;
  std::string system =
      "You analyse customer-service phone calls of a telecom operator. Reply with ONE JSON object "
      "and nothing else, exactly in this schema:\n"
      "{\"summary\": {\"issue\": string, \"resolution\": string, \"next_steps\": [string]},\n"
      " \"intent\": {\"category\": one of the category ids below, \"confidence\": number 0..1},\n"
      " \"sentiment\": {\"overall\": {\"label\": \"positive\"|\"neutral\"|\"negative\", \"score\": "
      "number -1..1},\n"
      "               \"turns\": [one {\"label\", \"score\"} per turn, in turn order]},\n"
      " \"names\": [{\"turn\": turn index, \"text\": a person's name exactly as written in that "
      "turn}],\n"
      " \"agent_assist\": {\"next_best_reply\": what the agent should say next, \"suggestions\": "
      "[string]}}\n"
      "The overall sentiment is the customer's. Personal data is already replaced by [PHONE], "
      "[EMAIL], [CARD_NUMBER], [POSTAL_CODE] and [ADDRESS]; never guess it. ";
  system += ja ? "Write every text field in Japanese.\n" : "Write every text field in English.\n";
  system += "Categories (id: label):\n";
  for (const IntentCategory& c : taxonomy.categories) {
    system += "- " + c.id + ": " + c.label(transcript.language) + "\n";
  }
  std::string user = "Call";
  if (!transcript.call_id.empty()) user += " " + transcript.call_id;
  user += " (language " + std::string(language_code(transcript.language)) + "):\n";
  size_t used = 0;
  size_t n = 0;
  for (; n < transcript.turns.size(); ++n) {
    const Turn& turn = transcript.turns[n];
    std::string line = "[";
    line.append(std::to_string(n)).append("] ").append(speaker_name(turn.speaker));
    line.append(" ").append(format_time(turn.start_s)).append(": ");
    line.append(redacted_turns[n]).append("\n");
    if (n > 0 && used + line.size() > max_transcript_bytes) break;
    used += line.size();
    user += line;
  }
  if (n < transcript.turns.size()) {
    user.append("(").append(std::to_string(transcript.turns.size() - n));
    user.append(" later turns omitted; give sentiment for turns 0 to ");
    user.append(std::to_string(n - 1)).append(" only)\n");
  }
  user += "Reply with the JSON object only.";
  if (prompt_turns) *prompt_turns = n;
  return {{llm::ChatRole::kSystem, std::move(system)}, {llm::ChatRole::kUser, std::move(user)}};
}

std::string retry_message(const std::vector<std::string>& errors) {
  std::string m = "Your previous reply could not be used:\n";
  for (const std::string& e : errors) m += "- " + e + "\n";
  m += "Reply again with only the corrected JSON object, following the schema exactly.";
  return m;
}

CallAnalysis analyze_with_rules(const Transcript& transcript, const Taxonomy& taxonomy) {
  CallAnalysis a;
  a.call_id = transcript.call_id;
  a.language = transcript.language;
  a.language_detected = transcript.language_detected;
  for (size_t k = 0; k < transcript.turns.size(); ++k) {
    auto spans = find_pii(transcript.turns[k].text, k);
    if (spans) a.pii.insert(a.pii.end(), spans->begin(), spans->end());
  }
  redact_all(transcript, a);
  a.intent = classify_intent(taxonomy, transcript);
  for (const Turn& turn : transcript.turns) {
    a.turn_sentiment.push_back(lexicon_sentiment(turn.text));
    a.turn_sentiment_source.push_back(FieldSource::kRules);
  }
  a.overall_sentiment = overall_sentiment(transcript, a.turn_sentiment);
  a.summary = rule_summary(transcript, a.redacted_turns, taxonomy, a.intent);
  a.agent_assist = rule_assist(taxonomy, a.intent, transcript.language);
  return a;
}

CallAnalysis analyze(const Transcript& transcript, const AnalyzerOptions& options,
                     const ChatFn* chat) {
  const auto t0 = Clock::now();
  const Taxonomy& taxonomy = options.taxonomy ? *options.taxonomy : default_taxonomy();
  CallAnalysis a = analyze_with_rules(transcript, taxonomy);
  a.rules_ms = ms_since(t0);
  a.model = options.model_name;
  if (chat == nullptr || !*chat) {
    a.total_ms = ms_since(t0);
    return a;
  }
  a.llm_used = true;

  size_t prompt_turns = 0;
  std::vector<llm::ChatMessage> messages = build_prompt(
      transcript, a.redacted_turns, taxonomy, options.max_prompt_transcript_bytes, &prompt_turns);
  const size_t base_messages = messages.size();
  ModelFields merged;
  for (unsigned attempt = 0; attempt <= options.max_retries && !merged.complete(); ++attempt) {
    const auto t1 = Clock::now();
    Expected<std::string> reply = (*chat)(messages, options.chat);
    a.llm_ms += ms_since(t1);
    ++a.attempts;
    const std::string tag = "attempt " + std::to_string(attempt + 1) + ": ";
    if (!reply) {
      a.model_errors.push_back(tag + "chat call failed: " + reply.error().message);
      continue;  // the same request again: nothing to correct
    }
    ModelReplyCheck check = check_model_reply(*reply, taxonomy, prompt_turns);
    // The latest valid value of each field wins.
    ModelFields& f = check.fields;
    if (f.summary) merged.summary = std::move(f.summary);
    if (f.intent) merged.intent = std::move(f.intent);
    if (f.overall_sentiment) merged.overall_sentiment = f.overall_sentiment;
    if (f.turn_sentiment) merged.turn_sentiment = std::move(f.turn_sentiment);
    if (f.names) merged.names = std::move(f.names);
    if (f.agent_assist) merged.agent_assist = std::move(f.agent_assist);
    for (const std::string& e : check.errors) a.model_errors.push_back(tag + e);
    if (check.errors.empty()) break;
    // Ask again, showing the model its reply and what was wrong with it.
    messages.resize(base_messages);
    messages.push_back({llm::ChatRole::kAssistant, truncate_code_points(*reply, 4000)});
    messages.push_back({llm::ChatRole::kUser, retry_message(check.errors)});
  }

  if (merged.summary) {
    a.summary = std::move(*merged.summary);
    a.summary_source = FieldSource::kModel;
  }
  if (merged.intent) {
    a.intent = *merged.intent;
    a.intent_source = FieldSource::kModel;
  }
  if (merged.overall_sentiment && merged.turn_sentiment) {
    a.overall_sentiment = *merged.overall_sentiment;
    for (size_t k = 0; k < merged.turn_sentiment->size() && k < a.turn_sentiment.size(); ++k) {
      a.turn_sentiment[k] = (*merged.turn_sentiment)[k];
      a.turn_sentiment_source[k] = FieldSource::kModel;
    }
    a.sentiment_source = FieldSource::kModel;
  }
  if (merged.agent_assist) {
    a.agent_assist = std::move(*merged.agent_assist);
    a.agent_assist_source = FieldSource::kModel;
  }
  if (merged.names) {
    a.names_from_model = true;
    std::vector<PiiSpan> added;
    for (const ReportedName& n : *merged.names) {
      if (n.turn >= transcript.turns.size()) continue;
      std::vector<PiiSpan> taken = a.pii;
      taken.insert(taken.end(), added.begin(), added.end());
      auto spans = locate_name(transcript.turns[n.turn].text, n.text, n.turn, taken);
      if (spans.empty()) {
        ++a.names_rejected;
        continue;
      }
      added.insert(added.end(), spans.begin(), spans.end());
    }
    if (!added.empty()) {
      a.pii.insert(a.pii.end(), added.begin(), added.end());
      redact_all(transcript, a);
      // The rule-based summary quoted turns: rebuild it from the newly redacted text.
      if (a.summary_source == FieldSource::kRules) {
        a.summary = rule_summary(transcript, a.redacted_turns, taxonomy, a.intent);
      }
    }
  }
  a.total_ms = ms_since(t0);
  return a;
}

json to_json(const CallAnalysis& a, const Transcript& t, const Taxonomy& taxonomy) {
  json doc;
  doc["schema_version"] = 1u;
  doc["call_id"] = a.call_id;
  doc["language"] = std::string(language_code(a.language));
  doc["language_detected"] = a.language_detected;
  doc["summary"] = {{"issue", a.summary.issue},
                    {"resolution", a.summary.resolution},
                    {"next_steps", a.summary.next_steps}};
  const IntentCategory* cat = taxonomy.find(a.intent.category);
  doc["intent"] = {{"category", a.intent.category},
                   {"label", cat ? cat->label(a.language) : a.intent.category},
                   {"confidence", a.intent.confidence}};
  json turns = json::array();
  for (size_t k = 0; k < a.turn_sentiment.size(); ++k) {
    turns.push_back({{"turn", k},
                     {"speaker", std::string(speaker_name(t.turns[k].speaker))},
                     {"label", std::string(sentiment_label_name(a.turn_sentiment[k].label))},
                     {"score", a.turn_sentiment[k].score},
                     {"source", std::string(field_source_name(a.turn_sentiment_source[k]))}});
  }
  doc["sentiment"] = {{"overall",
                       {{"label", std::string(sentiment_label_name(a.overall_sentiment.label))},
                        {"score", a.overall_sentiment.score}}},
                      {"turns", std::move(turns)}};
  json redactions = json::array();
  for (const PiiSpan& s : a.pii) {
    redactions.push_back({{"turn", s.turn},
                          {"type", std::string(pii_type_name(s.type))},
                          {"source", std::string(pii_source_name(s.source))},
                          {"cp_begin", s.cp_begin},
                          {"cp_end", s.cp_end},
                          {"byte_begin", s.byte_begin},
                          {"byte_end", s.byte_end}});
  }
  json redacted = json::array();
  for (size_t k = 0; k < a.redacted_turns.size(); ++k) {
    redacted.push_back({{"turn", k},
                        {"speaker", std::string(speaker_name(t.turns[k].speaker))},
                        {"start", format_time(t.turns[k].start_s)},
                        {"text", a.redacted_turns[k]}});
  }
  doc["pii"] = {{"redactions", std::move(redactions)}, {"redacted_turns", std::move(redacted)}};
  doc["agent_assist"] = {{"next_best_reply", a.agent_assist.next_best_reply},
                         {"suggestions", a.agent_assist.suggestions}};
  doc["meta"] = {{"model", a.model.empty() ? json(nullptr) : json(a.model)},
                 {"llm_used", a.llm_used},
                 {"attempts", a.attempts},
                 {"sources",
                  {{"summary", std::string(field_source_name(a.summary_source))},
                   {"intent", std::string(field_source_name(a.intent_source))},
                   {"sentiment", std::string(field_source_name(a.sentiment_source))},
                   {"agent_assist", std::string(field_source_name(a.agent_assist_source))},
                   {"pii", a.names_from_model ? "rules+model" : "rules"}}},
                 {"names_rejected", a.names_rejected},
                 {"model_errors", a.model_errors},
                 {"timings_ms", {{"rules", a.rules_ms}, {"llm", a.llm_ms}, {"total", a.total_ms}}}};
  return doc;
}

Expected<json> analyze_json(std::string_view transcript_json, const AnalyzerOptions& options,
                            const ChatFn* chat) {
  auto t = parse_transcript(transcript_json);
  if (!t) return t.error();
  const Taxonomy& taxonomy = options.taxonomy ? *options.taxonomy : default_taxonomy();
  return to_json(analyze(*t, options, chat), *t, taxonomy);
}

}  // namespace airan::callcenter
