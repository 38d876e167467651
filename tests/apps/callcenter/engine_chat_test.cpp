// End to end through the local engine with the shared stories260K model: it cannot write the
// JSON asked for, so this checks the plumbing and that the document is complete and valid anyway.
#include "airan/callcenter/engine_chat.h"

#include <gtest/gtest.h>

#include "test_data.h"

namespace airan::callcenter {
namespace {

using nlohmann::json;

Expected<llm::Engine> make_engine() {
  llm::EngineConfig config;
  config.max_sequences = 1;
  config.n_ctx = 4096;
  config.kv_budget_tokens = 4096;
  config.max_tokens_per_step = 512;
  config.prefill_chunk = 512;
  return llm::Engine::create(test::data_path("llm/models/stories260K.gguf"), config);
}

TEST(EngineChat, NeedsATemplateForModelsWithoutOne) {
  auto engine = make_engine();
  ASSERT_TRUE(engine.has_value()) << engine.error().message;
  auto fn = make_engine_chat_fn(*engine, "");
  ASSERT_FALSE(fn.has_value());
  EXPECT_EQ(fn.error().message.rfind("chat template: ", 0), 0u);
  EXPECT_FALSE(make_engine_chat_fn(*engine, "nonsense").has_value());
}

TEST(EngineChat, GeneratesDeterministically) {
  auto engine = make_engine();
  ASSERT_TRUE(engine.has_value()) << engine.error().message;
  auto fn = make_engine_chat_fn(*engine, "chatml");
  ASSERT_TRUE(fn.has_value()) << fn.error().message;
  std::vector<llm::ChatMessage> messages = {{llm::ChatRole::kUser, "Once upon a time"}};
  ChatCallOptions options;
  options.max_tokens = 24;
  options.temperature = 0.0f;
  auto a = (*fn)(messages, options);
  auto b = (*fn)(messages, options);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(a->empty());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(engine->pending(), 0u);
}

TEST(EngineChat, AnalyzeEndToEnd) {
  bool ok = false;
  const std::string text = test::read_text(
      std::filesystem::path(AIRAN_SOURCE_DIR) / "examples/callcenter/en_billing_double_charge.json",
      &ok);
  ASSERT_TRUE(ok);
  auto transcript = parse_transcript(text);
  ASSERT_TRUE(transcript.has_value()) << transcript.error().message;
  auto engine = make_engine();
  ASSERT_TRUE(engine.has_value()) << engine.error().message;
  auto fn = make_engine_chat_fn(*engine, "chatml");
  ASSERT_TRUE(fn.has_value());
  AnalyzerOptions options;
  options.model_name = "stories260K.gguf";
  options.chat.max_tokens = 64;
  options.max_retries = 1;
  CallAnalysis a = analyze(*transcript, options, &*fn);
  EXPECT_TRUE(a.llm_used);
  EXPECT_EQ(a.attempts, 2u);  // a story model never produces the schema
  EXPECT_FALSE(a.model_errors.empty());
  const json doc = to_json(a, *transcript, default_taxonomy());
  ASSERT_TRUE(validate_analysis_json(doc).is_ok()) << validate_analysis_json(doc).message();
  EXPECT_EQ(doc["meta"]["model"], "stories260K.gguf");
  EXPECT_EQ(doc["intent"]["category"], "billing");
  // Every redaction points at the personal data in the original turn.
  const std::vector<std::string> expected = {"(415) 555-0132", "4012-8888-8888-1881",
                                             "maria.lopez@example.com"};
  ASSERT_EQ(doc["pii"]["redactions"].size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    const json& r = doc["pii"]["redactions"][k];
    const std::string& turn = transcript->turns[r["turn"].get<size_t>()].text;
    const size_t b = r["byte_begin"].get<size_t>();
    const size_t e = r["byte_end"].get<size_t>();
    EXPECT_EQ(turn.substr(b, e - b), expected[k]);
    EXPECT_EQ(r["cp_end"].get<size_t>() - r["cp_begin"].get<size_t>(), expected[k].size());
  }
}

}  // namespace
}  // namespace airan::callcenter
