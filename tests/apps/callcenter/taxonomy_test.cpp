// Taxonomy loading, keyword intent and lexicon sentiment.
#include "airan/callcenter/taxonomy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "airan/callcenter/sentiment.h"

namespace airan::callcenter {
namespace {

Transcript make(std::vector<std::pair<Speaker, std::string>> turns, Language lang) {
  Transcript t;
  t.language = lang;
  double s = 0;
  for (auto& [sp, text] : turns) t.turns.push_back({sp, s++, std::nullopt, text});
  return t;
}

TEST(Taxonomy, DefaultIsValidAndComplete) {
  auto t = parse_taxonomy(default_taxonomy_json());
  ASSERT_TRUE(t.has_value()) << t.error().message;
  const Taxonomy& d = default_taxonomy();
  ASSERT_EQ(d.categories.size(), 10u);
  for (const char* id : {"billing", "technical_support", "plan_change", "cancellation", "moving",
                         "device", "roaming", "account", "complaint", "other"}) {
    const IntentCategory* c = d.find(id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_FALSE(c->label_en.empty());
    EXPECT_FALSE(c->label_ja.empty());
    EXPECT_FALSE(c->replies_en.empty()) << id;
    EXPECT_FALSE(c->replies_ja.empty()) << id;
    if (std::string(id) != "other") {
      EXPECT_FALSE(c->keywords_en.empty()) << id;
      EXPECT_FALSE(c->keywords_ja.empty()) << id;
    }
  }
  EXPECT_EQ(d.fallback, "other");
}

TEST(Taxonomy, ErrorsNameTheField) {
  auto err = [](const std::string& json) {
    auto t = parse_taxonomy(json);
    EXPECT_FALSE(t.has_value()) << json;
    return t ? "" : t.error().message;
  };
  const std::string labels = R"("labels": {"en": "A", "ja": "あ"})";
  EXPECT_EQ(err(R"({"categories": []})"), "categories: expected a non-empty array");
  EXPECT_EQ(err(R"({"fallback": "x", "categories": [{"id": "a", )" + labels +
                R"(, "keywords": {"en": [], "ja": []}}]})"),
            "fallback: \"x\" is not the id of any category");
  EXPECT_EQ(err(R"({"fallback": "a", "categories": [{"id": "A b", )" + labels + "}]}"),
            "categories[0].id: expected a string of a-z, 0-9 and _ (1-64 characters)");
  EXPECT_EQ(err(R"({"fallback": "a", "categories": [{"id": "a", )" + labels +
                R"(, "keywords": {"en": ["x"], "ja": [""]}}]})"),
            "categories[0].keywords.ja[0]: expected a non-empty string");
  EXPECT_EQ(err(R"({"fallback": "a", "categories": [{"id": "a", "labels": {"en": "A"},
                "keywords": {"en": [], "ja": []}}]})"),
            "categories[0].labels.ja: expected a non-empty string");
  EXPECT_EQ(err(R"({"fallback": "a", "categories": [{"id": "a", )" + labels +
                R"(, "keywords": {"en": [], "ja": []}}, {"id": "a", )" + labels +
                R"(, "keywords": {"en": [], "ja": []}}]})"),
            "categories[1].id: \"a\" appears twice");
  EXPECT_EQ(err(R"({"fallback": "a", "categories": [{"id": "a", )" + labels + "}]}"),
            "categories[0].keywords: missing (expected {\"en\": [...], \"ja\": [...]})");
  EXPECT_EQ(err(R"({"fallback": "a", "categories": [{"id": "a", )" + labels +
                R"(, "keywords": {"en": [], "ja": []}, "replies": {"de": []}}]})"),
            "categories[0].replies: unknown field \"de\" (expected en, ja)");
  EXPECT_EQ(err(R"({"extra": 1, "categories": []})"),
            "taxonomy: unknown field \"extra\" (expected fallback, categories)");
  EXPECT_NE(err("{").find("taxonomy: JSON syntax error"), std::string::npos);
}

TEST(Taxonomy, LoadsFromFile) {
  const auto path = std::filesystem::temp_directory_path() / "airan_cc_taxonomy_test.json";
  {
    std::ofstream out(path);
    out << R"({"fallback": "misc", "categories": [
      {"id": "pizza", "labels": {"en": "Pizza", "ja": "ピザ"}, "keywords": {"en": ["pizza"], "ja": ["ピザ"]}},
      {"id": "misc", "labels": {"en": "Misc", "ja": "その他"}, "keywords": {"en": [], "ja": []}}]})";
  }
  auto t = load_taxonomy(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  auto r = classify_intent(*t, make({{Speaker::kCustomer, "I want a pizza"}}, Language::kEn));
  EXPECT_EQ(r.category, "pizza");
  EXPECT_FALSE(load_taxonomy("/nonexistent/x.json").has_value());
}

TEST(Intent, KeywordClassification) {
  const Taxonomy& d = default_taxonomy();
  auto r = classify_intent(d, make({{Speaker::kAgent, "How can I help?"},
                                    {Speaker::kCustomer, "I was charged twice on my bill."},
                                    {Speaker::kCustomer, "I need a refund."}},
                                   Language::kEn));
  EXPECT_EQ(r.category, "billing");
  EXPECT_GT(r.confidence, 0.5);
  EXPECT_LE(r.confidence, 1.0);
  r = classify_intent(
      d, make({{Speaker::kCustomer, "来週から海外旅行でローミングを使いたいです"}}, Language::kJa));
  EXPECT_EQ(r.category, "roaming");
  r = classify_intent(d, make({{Speaker::kCustomer, "Hello there"}}, Language::kEn));
  EXPECT_EQ(r.category, "other");
  EXPECT_EQ(r.confidence, 0.0);
}

TEST(Intent, KeywordMatching) {
  EXPECT_EQ(count_keyword("My Bill and my bills", "bill", Language::kEn), 2u);
  EXPECT_EQ(count_keyword("billing", "bill", Language::kEn), 0u);
  EXPECT_EQ(count_keyword("charged twice!", "charged twice", Language::kEn), 1u);
  EXPECT_EQ(count_keyword("請求書の請求", "請求", Language::kJa), 2u);
}

TEST(Sentiment, Lexicon) {
  EXPECT_EQ(lexicon_sentiment("Thanks, that was great and helpful.").label,
            SentimentLabel::kPositive);
  EXPECT_EQ(lexicon_sentiment("This is terrible, I'm really frustrated.").label,
            SentimentLabel::kNegative);
  EXPECT_EQ(lexicon_sentiment("My account number is on the letter.").label,
            SentimentLabel::kNeutral);
  EXPECT_EQ(lexicon_sentiment("I am not happy").label, SentimentLabel::kNegative);
  EXPECT_EQ(lexicon_sentiment("No problem at all").label, SentimentLabel::kPositive);
  EXPECT_EQ(lexicon_sentiment("ネットがつながらないので困っています").label,
            SentimentLabel::kNegative);
  EXPECT_EQ(lexicon_sentiment("助かりました、ありがとうございます").label,
            SentimentLabel::kPositive);
  const Sentiment s = lexicon_sentiment("great great great");
  EXPECT_DOUBLE_EQ(s.score, 3.0 / 4.0);
  EXPECT_EQ(sentiment_label_from_name("neutral").value(), SentimentLabel::kNeutral);
  EXPECT_FALSE(sentiment_label_from_name("happy").has_value());
}

TEST(Sentiment, OverallWeightsTheCustomersLastTurns) {
  Transcript t =
      make({{Speaker::kCustomer, "x"}, {Speaker::kAgent, "y"}, {Speaker::kCustomer, "z"}},
           Language::kEn);
  std::vector<Sentiment> turns = {{SentimentLabel::kNegative, -1.0},
                                  {SentimentLabel::kNegative, -1.0},
                                  {SentimentLabel::kPositive, 1.0}};
  const Sentiment s = overall_sentiment(t, turns);
  // Customer turns 0 and 2 weigh 1 and 3: (-1 + 3) / 4.
  EXPECT_DOUBLE_EQ(s.score, 0.5);
  EXPECT_EQ(s.label, SentimentLabel::kPositive);
}

}  // namespace
}  // namespace airan::callcenter
