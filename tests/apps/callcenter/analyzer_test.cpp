// The analysis pipeline: model reply validation, the retry loop (scripted ChatFn), field-by-field
// fallback to the rules, and the output document.
#include "airan/callcenter/analyzer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace airan::callcenter {
namespace {

using nlohmann::json;

const char* kTranscript = R"({"call_id": "T-1", "language": "en", "turns": [
  {"speaker": "agent", "start": 0, "text": "Thank you for calling, this is Jordan."},
  {"speaker": "customer", "start": 3, "text": "Hi, I'm Maria Lopez. I was charged twice on my bill. Call me at (415) 555-0132."},
  {"speaker": "agent", "start": 9, "text": "I'm sorry. I've processed a refund. You'll see it within 5 days."}]})";

Transcript transcript() {
  auto t = parse_transcript(kTranscript);
  EXPECT_TRUE(t.has_value());
  return *t;
}

json valid_reply() {
  return json::parse(R"({
    "summary": {"issue": "Double charge", "resolution": "Refund processed", "next_steps": ["Refund within 5 days"]},
    "intent": {"category": "billing", "confidence": 0.9},
    "sentiment": {"overall": {"label": "positive", "score": 0.4},
                  "turns": [{"label": "neutral", "score": 0.0}, {"label": "negative", "score": -0.5},
                            {"label": "positive", "score": 0.3}]},
    "names": [{"turn": 1, "text": "Maria Lopez"}, {"turn": 0, "text": "Jordan"}],
    "agent_assist": {"next_best_reply": "Is there anything else?", "suggestions": ["Offer e-mail confirmation"]}})");
}

// A ChatFn that returns scripted replies in order and records what it was sent.
struct ScriptedChat {
  std::vector<Expected<std::string>> replies;
  std::vector<std::vector<llm::ChatMessage>> calls;
  std::vector<ChatCallOptions> options;

  ChatFn fn() {
    return [this](const std::vector<llm::ChatMessage>& m,
                  const ChatCallOptions& o) -> Expected<std::string> {
      calls.push_back(m);
      options.push_back(o);
      if (calls.size() > replies.size()) return Error{"script exhausted"};
      return replies[calls.size() - 1];
    };
  }
};

TEST(ModelReply, ValidReplyPasses) {
  auto check = check_model_reply(valid_reply().dump(), default_taxonomy(), 3);
  EXPECT_TRUE(check.errors.empty()) << check.errors.front();
  EXPECT_TRUE(check.fields.complete());
  EXPECT_EQ(check.fields.intent->category, "billing");
  EXPECT_EQ(check.fields.turn_sentiment->at(1).label, SentimentLabel::kNegative);
  EXPECT_EQ(check.fields.names->size(), 2u);
}

TEST(ModelReply, TextAroundTheObjectIsIgnored) {
  auto check = check_model_reply(
      "Sure! ```json\n" + valid_reply().dump(2) + "\n``` hope it helps {", default_taxonomy(), 3);
  EXPECT_TRUE(check.errors.empty());
  EXPECT_TRUE(check.fields.complete());
}

TEST(ModelReply, WrongTypesUnknownCategoryAndCounts) {
  json r = valid_reply();
  r["summary"]["issue"] = 5;
  r["intent"]["category"] = "weather";
  r["sentiment"]["turns"].erase(0);
  r["agent_assist"] = "say hi";
  r["names"][0]["turn"] = 7;
  auto check = check_model_reply(r.dump(), default_taxonomy(), 3);
  std::vector<std::string> expected = {
      "summary.issue: expected a string, got number",
      "intent.category: \"weather\" is not a category; use one of billing, technical_support, "
      "plan_change, cancellation, moving, device, roaming, account, complaint, other",
      "sentiment.turns: expected 3 entries (one per turn), got 2",
      "names[0].turn: expected a turn index from 0 to 2",
      "agent_assist: expected an object, got string"};
  EXPECT_EQ(check.errors, expected);
  EXPECT_FALSE(check.fields.summary);
  EXPECT_FALSE(check.fields.intent);
  EXPECT_TRUE(check.fields.overall_sentiment);  // still valid on its own
  EXPECT_FALSE(check.fields.turn_sentiment);
  EXPECT_FALSE(check.fields.names);
  EXPECT_FALSE(check.fields.agent_assist);
}

TEST(ModelReply, RangesAndEnums) {
  json r = valid_reply();
  r["intent"]["confidence"] = 1.5;
  r["sentiment"]["overall"]["label"] = "happy";
  r["sentiment"]["turns"][2]["score"] = -3;
  r.erase("names");  // optional
  auto check = check_model_reply(r.dump(), default_taxonomy(), 3);
  std::vector<std::string> expected = {
      "intent.confidence: 1.5 is outside 0 to 1",
      "sentiment.overall.label: expected \"positive\", \"neutral\" or \"negative\", got \"happy\"",
      "sentiment.turns[2].score: -3 is outside -1 to 1"};
  EXPECT_EQ(check.errors, expected);
  ASSERT_TRUE(check.fields.names);
  EXPECT_TRUE(check.fields.names->empty());
}

TEST(ModelReply, NotJson) {
  EXPECT_EQ(check_model_reply("Once upon a time", default_taxonomy(), 3).errors,
            std::vector<std::string>{"reply: no JSON object (no '{' found)"});
  EXPECT_EQ(check_model_reply("x {\"a\": \"}", default_taxonomy(), 3).errors,
            std::vector<std::string>{"reply: the JSON object opened at byte 2 is never closed"});
  auto bad = check_model_reply("{\"a\": tru}", default_taxonomy(), 3);
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].rfind("reply: not valid JSON", 0), 0u);
  auto utf = check_model_reply("{\"a\": \"\xff\"}", default_taxonomy(), 3);
  EXPECT_EQ(utf.errors,
            std::vector<std::string>{"reply: invalid UTF-8 at byte 7: byte is never valid"});
  auto missing = check_model_reply("{}", default_taxonomy(), 3);
  EXPECT_EQ(missing.errors.size(), 4u);  // summary, intent, sentiment, agent_assist
}

TEST(Prompt, HoldsSchemaTaxonomyAndRedactedTranscript) {
  Transcript t = transcript();
  CallAnalysis rules = analyze_with_rules(t, default_taxonomy());
  size_t n = 0;
  auto messages = build_prompt(t, rules.redacted_turns, default_taxonomy(), 16000, &n);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(messages[0].role, llm::ChatRole::kSystem);
  EXPECT_NE(messages[0].content.find("\"next_best_reply\""), std::string::npos);
  EXPECT_NE(messages[0].content.find("- roaming: International roaming"), std::string::npos);
  EXPECT_NE(messages[1].content.find("[1] customer 00:00:03: Hi, I'm Maria Lopez. I was charged "
                                     "twice on my bill. Call me at [PHONE]."),
            std::string::npos);
  EXPECT_EQ(messages[1].content.find("555-0132"), std::string::npos);  // never sent to the model
  // A small budget keeps the first turns and says so.
  auto cut = build_prompt(t, rules.redacted_turns, default_taxonomy(), 60, &n);
  EXPECT_EQ(n, 1u);
  EXPECT_NE(cut[1].content.find("(2 later turns omitted; give sentiment for turns 0 to 0 only)"),
            std::string::npos);
}

TEST(Analyze, FirstReplyValid) {
  Transcript t = transcript();
  ScriptedChat chat;
  chat.replies = {valid_reply().dump()};
  ChatFn fn = chat.fn();
  AnalyzerOptions options;
  options.model_name = "scripted";
  options.chat.seed = 7;
  CallAnalysis a = analyze(t, options, &fn);
  EXPECT_EQ(a.attempts, 1u);
  EXPECT_EQ(chat.options[0].seed, 7u);
  EXPECT_TRUE(chat.options[0].json_object);
  EXPECT_EQ(a.summary.issue, "Double charge");
  EXPECT_EQ(a.summary_source, FieldSource::kModel);
  EXPECT_EQ(a.intent_source, FieldSource::kModel);
  EXPECT_EQ(a.sentiment_source, FieldSource::kModel);
  EXPECT_EQ(a.agent_assist_source, FieldSource::kModel);
  EXPECT_DOUBLE_EQ(a.intent.confidence, 0.9);
  EXPECT_EQ(a.overall_sentiment.label, SentimentLabel::kPositive);
  EXPECT_TRUE(a.model_errors.empty());
  // Rule PII plus the model's names, verified in the text.
  EXPECT_EQ(a.redacted_turns[0], "Thank you for calling, this is [NAME].");
  EXPECT_EQ(a.redacted_turns[1],
            "Hi, I'm [NAME]. I was charged twice on my bill. Call me at [PHONE].");
  EXPECT_EQ(a.names_rejected, 0u);
  EXPECT_TRUE(a.names_from_model);
  ASSERT_EQ(a.pii.size(), 3u);
  for (const PiiSpan& s : a.pii) {
    const std::string& text = t.turns[s.turn].text;
    const std::string covered = text.substr(s.byte_begin, s.byte_end - s.byte_begin);
    if (s.type == PiiType::kName) {
      EXPECT_TRUE(covered == "Maria Lopez" || covered == "Jordan") << covered;
    } else {
      EXPECT_EQ(covered, "(415) 555-0132");
    }
  }
  json doc = to_json(a, t, default_taxonomy());
  EXPECT_TRUE(validate_analysis_json(doc).is_ok()) << validate_analysis_json(doc).message();
  EXPECT_EQ(doc["meta"]["model"], "scripted");
  EXPECT_EQ(doc["meta"]["sources"]["pii"], "rules+model");
  EXPECT_EQ(doc["intent"]["label"], "Billing and charges");
}

TEST(Analyze, RetryTellsTheModelWhatWasWrong) {
  Transcript t = transcript();
  json bad = valid_reply();
  bad["intent"]["category"] = "weather";
  ScriptedChat chat;
  chat.replies = {std::string("not json at all"), bad.dump(), valid_reply().dump()};
  ChatFn fn = chat.fn();
  AnalyzerOptions options;
  CallAnalysis a = analyze(t, options, &fn);
  ASSERT_EQ(chat.calls.size(), 3u);
  EXPECT_EQ(a.attempts, 3u);
  // Retry 1: the original two messages, the bad reply, and the error list.
  ASSERT_EQ(chat.calls[1].size(), 4u);
  EXPECT_EQ(chat.calls[1][2].role, llm::ChatRole::kAssistant);
  EXPECT_EQ(chat.calls[1][2].content, "not json at all");
  EXPECT_EQ(chat.calls[1][3].role, llm::ChatRole::kUser);
  EXPECT_EQ(chat.calls[1][3].content,
            "Your previous reply could not be used:\n- reply: no JSON object (no '{' found)\n"
            "Reply again with only the corrected JSON object, following the schema exactly.");
  // Retry 2 replaces (not appends) the previous correction.
  ASSERT_EQ(chat.calls[2].size(), 4u);
  EXPECT_NE(chat.calls[2][3].content.find("- intent.category: \"weather\" is not a category"),
            std::string::npos);
  EXPECT_EQ(a.intent_source, FieldSource::kModel);
  EXPECT_EQ(a.intent.category, "billing");
  ASSERT_EQ(a.model_errors.size(), 2u);
  EXPECT_EQ(a.model_errors[0], "attempt 1: reply: no JSON object (no '{' found)");
  EXPECT_EQ(a.model_errors[1].rfind("attempt 2: intent.category:", 0), 0u);
}

TEST(Analyze, FieldByFieldFallbackAfterRetriesRunOut) {
  Transcript t = transcript();
  json r1 = valid_reply();
  r1["intent"]["category"] = "weather";
  r1.erase("agent_assist");
  json r2 = valid_reply();
  r2["intent"]["category"] = "weather";
  r2["summary"] = 3;  // a field valid in attempt 1 stays from attempt 1
  r2.erase("agent_assist");
  ScriptedChat chat;
  chat.replies = {r1.dump(), r2.dump()};
  ChatFn fn = chat.fn();
  AnalyzerOptions options;
  options.max_retries = 1;
  CallAnalysis a = analyze(t, options, &fn);
  EXPECT_EQ(a.attempts, 2u);
  EXPECT_EQ(a.summary_source, FieldSource::kModel);
  EXPECT_EQ(a.summary.issue, "Double charge");
  EXPECT_EQ(a.sentiment_source, FieldSource::kModel);
  EXPECT_EQ(a.intent_source, FieldSource::kRules);
  EXPECT_EQ(a.intent.category, "billing");  // from the keywords
  EXPECT_EQ(a.agent_assist_source, FieldSource::kRules);
  EXPECT_EQ(a.agent_assist.next_best_reply, default_taxonomy().find("billing")->replies_en[0]);
  json doc = to_json(a, t, default_taxonomy());
  EXPECT_TRUE(validate_analysis_json(doc).is_ok()) << validate_analysis_json(doc).message();
  EXPECT_EQ(doc["meta"]["sources"]["intent"], "rules");
  EXPECT_EQ(doc["meta"]["sources"]["summary"], "model");
}

TEST(Analyze, BackendFailuresFallBackToRules) {
  Transcript t = transcript();
  ScriptedChat chat;
  chat.replies = {Error{"connection refused"}, Error{"connection refused"},
                  Error{"connection refused"}};
  ChatFn fn = chat.fn();
  CallAnalysis a = analyze(t, AnalyzerOptions{}, &fn);
  EXPECT_EQ(a.attempts, 3u);  // 1 + default 2 retries
  EXPECT_TRUE(a.llm_used);
  EXPECT_EQ(a.model_errors.size(), 3u);
  EXPECT_EQ(a.model_errors[0], "attempt 1: chat call failed: connection refused");
  EXPECT_EQ(a.summary_source, FieldSource::kRules);
  EXPECT_EQ(a.intent.category, "billing");
  EXPECT_FALSE(a.names_from_model);
  // Rules redact the phone only; the rule summary quotes redacted text.
  EXPECT_EQ(a.summary.issue,
            "Hi, I'm Maria Lopez. I was charged twice on my bill. Call me at [PHONE].");
  EXPECT_EQ(a.summary.resolution, "I've processed a refund.");
  EXPECT_EQ(a.summary.next_steps, std::vector<std::string>{"You'll see it within 5 days."});
  EXPECT_TRUE(validate_analysis_json(to_json(a, t, default_taxonomy())).is_ok());
}

TEST(Analyze, HallucinatedNamesAreRejected) {
  Transcript t = transcript();
  json r = valid_reply();
  r["names"] =
      json::parse(R"([{"turn": 1, "text": "John Smith"}, {"turn": 2, "text": "Maria Lopez"}])");
  ScriptedChat chat;
  chat.replies = {r.dump()};
  ChatFn fn = chat.fn();
  CallAnalysis a = analyze(t, AnalyzerOptions{}, &fn);
  EXPECT_EQ(a.names_rejected, 2u);  // not in the text / not in that turn
  EXPECT_EQ(a.pii.size(), 1u);
  EXPECT_EQ(a.redacted_turns[1].find("[NAME]"), std::string::npos);
}

TEST(Analyze, RulesOnlyIsCompleteAndDeterministic) {
  Transcript t = transcript();
  CallAnalysis a = analyze(t, AnalyzerOptions{}, nullptr);
  EXPECT_FALSE(a.llm_used);
  EXPECT_EQ(a.attempts, 0u);
  json d1 = to_json(a, t, default_taxonomy());
  EXPECT_TRUE(validate_analysis_json(d1).is_ok()) << validate_analysis_json(d1).message();
  json d2 = to_json(analyze(t, AnalyzerOptions{}, nullptr), t, default_taxonomy());
  d1.erase("meta");
  d2.erase("meta");
  EXPECT_EQ(d1, d2);
  EXPECT_EQ(d1["sentiment"]["turns"].size(), 3u);
}

TEST(Analyze, JsonEntryPointReportsTranscriptErrors) {
  auto bad = analyze_json(R"({"turns": [{"speaker": "bot", "start": 0, "text": "x"}]})",
                          AnalyzerOptions{}, nullptr);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message,
            "turns[0].speaker: expected \"agent\" or \"customer\", got \"bot\"");
  auto ok = analyze_json(kTranscript, AnalyzerOptions{}, nullptr);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ((*ok)["call_id"], "T-1");
}

TEST(AnalysisSchema, CatchesBrokenDocuments) {
  Transcript t = transcript();
  json doc = to_json(analyze(t, AnalyzerOptions{}, nullptr), t, default_taxonomy());
  json d = doc;
  d["intent"].erase("category");
  EXPECT_EQ(validate_analysis_json(d).message(), "intent.category: missing");
  d = doc;
  d["sentiment"]["turns"][1]["label"] = "great";
  EXPECT_EQ(validate_analysis_json(d).message(), "sentiment.turns[1].label: bad value");
  d = doc;
  d["pii"]["redactions"][0]["cp_end"] = 0u;
  EXPECT_EQ(validate_analysis_json(d).message(), "pii.redactions[0]: empty or reversed range");
  // Round trip through text keeps it valid.
  EXPECT_TRUE(validate_analysis_json(json::parse(doc.dump())).is_ok());
}

}  // namespace
}  // namespace airan::callcenter
