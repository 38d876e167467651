// The API side of `airan run --api`: the server and the call-centre route over an engine that
// another thread steps (here an EngineLoop standing in for the runtime's AI driver), the RAN
// metrics appended to /metrics, and listen addresses checked before anything starts.
#include "cli/node_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "airan/callcenter/analyzer.h"
#include "airan/serve/http.h"
#include "cli/run_config.h"
#include "test_data.h"

namespace airan::cli {
namespace {

llm::Engine make_engine() {
  llm::EngineConfig config;
  config.n_ctx = 512;
  config.max_sequences = 2;
  config.kv_budget_tokens = 1024;
  auto engine = llm::Engine::create(test::data_path("llm/models/stories260K.gguf"), config);
  EXPECT_TRUE(engine) << (engine ? "" : engine.error().message);
  if (!engine) std::abort();
  return std::move(*engine);
}

serve::HttpClientRequest post(const std::string& path, const std::string& body) {
  serve::HttpClientRequest r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  return r;
}

TEST(NodeApi, ServesChatTheCallCentreRouteAndRanMetrics) {
  llm::Engine engine = make_engine();
  NodeApiOptions o;
  o.listen = "127.0.0.1:0";
  o.model_name = "stories";
  rt::LiveCounters live;
  live.slots_done = 1234;
  live.lent_cores = 1;
  auto api = NodeApi::start(engine, o, [&live] { return ran_metrics_text(live); });
  ASSERT_TRUE(api) << api.error().message;
  serve::EngineLoop loop((*api)->router());  // stands in for the runtime's AI driver
  loop.start();
  const uint16_t port = (*api)->port();

  auto chat = serve::http_request(
      "127.0.0.1", port,
      post("/v1/chat/completions",
           R"({"messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":8})"));
  ASSERT_TRUE(chat) << chat.error().message;
  EXPECT_EQ(chat->status, 200) << chat->body;

  // A transcript in, the documented analysis out (the small model cannot fill it: the rules do).
  bool ok = false;
  const std::string transcript = test::read_text(
      std::filesystem::path(AIRAN_SOURCE_DIR) / "examples/callcenter/en_billing_double_charge.json",
      &ok);
  ASSERT_TRUE(ok);
  auto analysis = serve::http_request("127.0.0.1", port, post("/v1/callcenter/analyze", transcript));
  ASSERT_TRUE(analysis) << analysis.error().message;
  ASSERT_EQ(analysis->status, 200) << analysis->body;
  const auto doc = nlohmann::json::parse(analysis->body);
  EXPECT_TRUE(callcenter::validate_analysis_json(doc)) << analysis->body;
  EXPECT_TRUE(doc["meta"]["llm_used"].get<bool>());

  auto bad = serve::http_request("127.0.0.1", port,
                                 post("/v1/callcenter/analyze", R"({"turns":[{"speaker":"bot"}]})"));
  ASSERT_TRUE(bad) << bad.error().message;
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("turns[0]"), std::string::npos) << bad->body;

  serve::HttpClientRequest metrics;
  metrics.path = "/metrics";
  auto m = serve::http_request("127.0.0.1", port, metrics);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_NE(m->body.find("airan_ran_slots_total 1234"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("airan_ai_lent_cores 1"), std::string::npos);

  (*api)->stop();
  loop.stop();
}

TEST(NodeApi, ListenAddressesAreCheckedNamingTheField) {
  EXPECT_TRUE(parse_listen("127.0.0.1:8080", "api.listen"));
  for (const char* bad : {"8080", ":8080", "localhost:", "host:http", "host:70000"}) {
    auto r = parse_listen(bad, "api.listen");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("api.listen"), std::string::npos) << r.error().message;
  }
  llm::Engine engine = make_engine();
  NodeApiOptions o;
  o.listen = "256.1.1.1:0";  // not an address: binding fails, named
  auto api = NodeApi::start(engine, o, nullptr);
  ASSERT_FALSE(api);
  EXPECT_NE(api.error().message.find("api.listen"), std::string::npos) << api.error().message;
}

}  // namespace
}  // namespace airan::cli
