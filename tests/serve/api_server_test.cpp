// The API server over loopback with the real stories260K model: chat and completions (whole and
// streamed), models, health, metrics, errors (400, 401, 404, 405, 413, 429), JSON routes, a
// disconnecting client freeing its KV cells, and stop() while requests run.
#include "airan/serve/api_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "serve_test_util.h"

namespace airan::serve {
namespace {

using nlohmann::json;
using test::TestServer;

const char* kChat =
    R"({"model":"stories","messages":[{"role":"user","content":"Once upon a time"}],
        "max_tokens":16,"temperature":0,"seed":3})";

// The events of an SSE body, without "data: " and the blank lines.
std::vector<std::string> sse_events(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t end; (end = body.find("\n\n", pos)) != std::string::npos; pos = end + 2) {
    std::string ev = body.substr(pos, end - pos);
    EXPECT_EQ(ev.rfind("data: ", 0), 0u) << ev;
    out.push_back(ev.substr(6));
  }
  EXPECT_EQ(pos, body.size()) << "trailing bytes after the last event";
  return out;
}

// What the engine itself generates for the request, run to the end on a fresh engine.
std::string engine_text(const llm::GenerationRequest& r) {
  llm::Engine engine = test::make_engine();
  EXPECT_TRUE(engine.submit(r));
  std::string text;
  while (engine.pending() > 0) {
    for (const auto& ev : engine.step()) text += ev.text;
  }
  return text;
}

TEST(ApiServer, ChatCompletionEqualsTheEnginesGreedyOutput) {
  TestServer s;
  auto resp = s.post("/v1/chat/completions", kChat);
  ASSERT_TRUE(resp) << resp.error().message;
  ASSERT_EQ(resp->status, 200) << resp->body;
  EXPECT_EQ(resp->header("content-type"), "application/json");
  const json j = json::parse(resp->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "stories");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 16);

  auto parsed = parse_chat_completion_request(kChat);
  ASSERT_TRUE(parsed);
  auto gen = chat_generation_request(*parsed, s.server->prompter(), s.server->config().limits);
  ASSERT_TRUE(gen);
  EXPECT_EQ(s.server->prompter().source(), "fallback");  // stories260K has no chat template
  EXPECT_EQ(j["choices"][0]["message"]["content"], engine_text(*gen));
  EXPECT_GT(j["choices"][0]["message"]["content"].get<std::string>().size(), 0u);
}

// response_format json_object: even this story model answers with one parseable JSON object,
// closed within max_tokens (finish_reason "stop").
TEST(ApiServer, JsonModeRepliesWithOneJsonObject) {
  TestServer s;
  auto resp = s.post("/v1/chat/completions",
                     R"({"model":"stories","messages":[{"role":"user","content":"Once upon a time"}],
                         "max_tokens":48,"temperature":0.8,"seed":5,
                         "response_format":{"type":"json_object"}})");
  ASSERT_TRUE(resp) << resp.error().message;
  ASSERT_EQ(resp->status, 200) << resp->body;
  const json j = json::parse(resp->body);
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  const json content = json::parse(j["choices"][0]["message"]["content"].get<std::string>(),
                                   nullptr, false);
  EXPECT_FALSE(content.is_discarded()) << j["choices"][0]["message"]["content"];
  EXPECT_TRUE(content.is_object());
}

TEST(ApiServer, StreamingChatMatchesTheWholeResponse) {
  TestServer s;
  auto whole = s.post("/v1/chat/completions", kChat);
  ASSERT_TRUE(whole && whole->status == 200);
  json body = json::parse(kChat);
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  auto resp = s.post("/v1/chat/completions", body.dump());
  ASSERT_TRUE(resp) << resp.error().message;
  ASSERT_EQ(resp->status, 200);
  EXPECT_EQ(resp->header("content-type"), "text/event-stream");
  EXPECT_EQ(resp->header("transfer-encoding"), "chunked");
  const auto events = sse_events(resp->body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  const json first = json::parse(events[0]);
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  std::string finish;
  std::string id = first["id"];
  for (size_t i = 1; i + 2 < events.size(); ++i) {
    const json c = json::parse(events[i]);
    EXPECT_EQ(c["id"], id);
    EXPECT_FALSE(c["choices"][0]["delta"].contains("role"));
    if (c["choices"][0]["delta"].contains("content")) text += c["choices"][0]["delta"]["content"];
    if (!c["choices"][0]["finish_reason"].is_null()) finish = c["choices"][0]["finish_reason"];
  }
  const json usage = json::parse(events[events.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 16);
  const json w = json::parse(whole->body);
  EXPECT_EQ(text, w["choices"][0]["message"]["content"]);
  EXPECT_EQ(finish, "length");
}

TEST(ApiServer, CompletionsWholeAndStreamed) {
  TestServer s;
  const std::string req = R"({"prompt":"Once upon a time","max_tokens":12,"temperature":0})";
  auto resp = s.post("/v1/completions", req);
  ASSERT_TRUE(resp && resp->status == 200) << (resp ? resp->body : resp.error().message);
  const json j = json::parse(resp->body);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["id"].get<std::string>().rfind("cmpl-", 0), 0u);
  llm::GenerationRequest direct;
  direct.prompt = "Once upon a time";
  direct.sampling.temperature = 0.0f;
  direct.max_tokens = 12;
  EXPECT_EQ(j["choices"][0]["text"], engine_text(direct));
  EXPECT_EQ(j["usage"]["prompt_tokens"].get<int>() + j["usage"]["completion_tokens"].get<int>(),
            j["usage"]["total_tokens"].get<int>());

  json sreq = json::parse(req);
  sreq["stream"] = true;
  auto st = s.post("/v1/completions", sreq.dump());
  ASSERT_TRUE(st && st->status == 200);
  const auto events = sse_events(st->body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const json c = json::parse(events[i]);
    EXPECT_EQ(c["object"], "text_completion");
    text += c["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(text, j["choices"][0]["text"]);

  // Seeded sampling is repeatable through the API.
  const std::string sampled = R"({"prompt":"Once","max_tokens":10,"temperature":1,"seed":7})";
  auto a = s.post("/v1/completions", sampled);
  auto b = s.post("/v1/completions", sampled);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(json::parse(a->body)["choices"][0]["text"], json::parse(b->body)["choices"][0]["text"]);
}

TEST(ApiServer, ModelsHealthAndMetrics) {
  ApiServerConfig config;
  TestServer s(config, RouterLimits{}, true, [](ApiServer& server) {
    server.set_extra_metrics([] {
      return "# TYPE airan_ran_slots_total counter\n"
             "airan_ran_slots_total 42\n";
    });
  });
  auto models = s.get("/v1/models");
  ASSERT_TRUE(models && models->status == 200);
  const json m = json::parse(models->body);
  EXPECT_EQ(m["object"], "list");
  ASSERT_EQ(m["data"].size(), 1u);
  EXPECT_EQ(m["data"][0]["id"], "stories");
  EXPECT_EQ(m["data"][0]["object"], "model");
  auto one = s.get("/v1/models/stories");
  ASSERT_TRUE(one && one->status == 200);
  auto missing = s.get("/v1/models/gpt-4");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body)["error"]["code"], "model_not_found");

  auto health = s.get("/health");
  ASSERT_TRUE(health && health->status == 200);
  EXPECT_EQ(json::parse(health->body)["status"], "ok");

  ASSERT_TRUE(s.post("/v1/chat/completions", kChat));
  ASSERT_TRUE(s.post("/v1/chat/completions", "{"));
  auto metrics = s.get("/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  const std::string& t = metrics->body;
  EXPECT_EQ(metrics->header("content-type").rfind("text/plain; version=0.0.4", 0), 0u);
  for (const char* line :
       {"airan_http_requests_total{endpoint=\"/v1/chat/completions\",code=\"200\"} 1\n",
        "airan_http_requests_total{endpoint=\"/v1/chat/completions\",code=\"400\"} 1\n",
        "airan_http_requests_total{endpoint=\"/health\",code=\"200\"} 1\n",
        "airan_completion_tokens_total 16\n", "airan_queue_depth 0\n",
        "airan_time_to_first_token_seconds_count 1\n", "airan_request_duration_seconds_count 1\n",
        "airan_time_to_first_token_seconds_bucket{le=\"+Inf\"} 1\n",
        "# TYPE airan_request_duration_seconds histogram\n", "airan_ran_slots_total 42\n"}) {
    EXPECT_NE(t.find(line), std::string::npos) << "missing: " << line << "in\n" << t;
  }
}

TEST(ApiServer, BadRequestsAreOpenAiErrorsAndTheServerKeepsServing) {
  TestServer s;
  struct Case {
    std::string method, path, body;
    int status;
    std::string param;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/chat/completions", "{not json", 400, "body"},
      {"POST", "/v1/chat/completions", "", 400, "body"},
      {"POST", "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}",
       400, "body"},
      {"POST", "/v1/chat/completions",
       R"({"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},
                       {"role":"user","content":{}}]})",
       400, "messages[2].content"},
      {"POST", "/v1/chat/completions",
       R"({"model":"gpt-4o","messages":[{"role":"user","content":"a"}]})", 404, "model"},
      {"POST", "/v1/completions", R"({"prompt":"a","max_tokens":100000})", 400, "max_tokens"},
      {"POST", "/v1/completions", R"({"prompt":"a","n":3})", 400, "n"},
      {"GET", "/v1/chat/completions", "", 405, ""},
      {"POST", "/v1/models", "{}", 405, ""},
      {"GET", "/v2/anything", "", 404, ""},
  };
  for (const auto& c : cases) {
    HttpClientRequest r;
    r.method = c.method;
    r.path = c.path;
    r.body = c.body;
    auto resp = http_request("127.0.0.1", s.port(), r);
    ASSERT_TRUE(resp) << c.path << ": " << resp.error().message;
    EXPECT_EQ(resp->status, c.status) << c.body << " -> " << resp->body;
    const json e = json::parse(resp->body);
    ASSERT_TRUE(e.contains("error")) << resp->body;
    EXPECT_TRUE(e["error"]["message"].is_string());
    EXPECT_TRUE(e["error"]["type"].is_string());
    if (c.param.empty()) {
      EXPECT_TRUE(e["error"]["param"].is_null()) << resp->body;
    } else {
      EXPECT_EQ(e["error"]["param"], c.param) << resp->body;
    }
    auto ok = s.get("/health");
    ASSERT_TRUE(ok && ok->status == 200) << "the server stopped serving after " << c.body;
  }
  // A prompt longer than the context: the engine's refusal is a 400, not a failure.
  std::string long_prompt;
  for (int i = 0; i < 400; ++i) long_prompt += "Once upon a time ";
  auto too_long = s.post("/v1/completions", json{{"prompt", long_prompt}}.dump());
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->status, 400) << too_long->body;
  auto after = s.post("/v1/chat/completions", kChat);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST(ApiServer, ApiKeysGuardV1) {
  ApiServerConfig config;
  config.api_keys = {"k1", "k2"};
  TestServer s(config);
  auto none = s.post("/v1/chat/completions", kChat);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["error"]["code"], "invalid_api_key");
  auto wrong = s.post("/v1/chat/completions", kChat, {{"Authorization", "Bearer k3"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto models = s.get("/v1/models", {{"Authorization", "Basic k1"}});
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 401);
  auto right = s.post("/v1/chat/completions", kChat, {{"Authorization", "Bearer k2"}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  auto health = s.get("/health");  // probes need no key
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ApiServer, BodyOverTheLimitIs413) {
  ApiServerConfig config;
  config.http.max_body_bytes = 1000;
  TestServer s(config);
  json big = json::parse(kChat);
  big["messages"][0]["content"] = std::string(2000, 'a');
  auto resp = s.post("/v1/chat/completions", big.dump());
  ASSERT_TRUE(resp) << resp.error().message;
  EXPECT_EQ(resp->status, 413);
  EXPECT_NE(json::parse(resp->body)["error"]["message"].get<std::string>().find("1000"),
            std::string::npos);
  auto ok = s.post("/v1/chat/completions", kChat);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(ApiServer, FullQueueIs429WithRetryAfter) {
  // Nobody steps the engine at first, so the first request stays queued.
  const ApiServerConfig config;
  TestServer s(config, RouterLimits{1}, /*start_loop=*/false);
  std::atomic<int> first_status{0};
  std::thread first([&] {
    auto r = s.post("/v1/chat/completions", kChat);
    first_status = r ? r->status : -1;
  });
  ASSERT_TRUE(test::eventually([&] { return s.router.counters().in_flight == 1; }));
  auto busy = s.post("/v1/completions", R"({"prompt":"x","max_tokens":1})");
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 429);
  EXPECT_EQ(busy->header("retry-after"), "1");
  EXPECT_EQ(json::parse(busy->body)["error"]["code"], "queue_full");
  s.loop.start();
  first.join();
  EXPECT_EQ(first_status, 200);
  auto again = s.post("/v1/completions", R"({"prompt":"x","max_tokens":1})");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST(ApiServer, DisconnectingStreamCancelsItsSequenceAndFreesKv) {
  // The test steps the engine itself (as the runtime's driver would) to know where it stands.
  const ApiServerConfig config;
  TestServer s(config, RouterLimits{}, /*start_loop=*/false);
  std::atomic<int> events{0};
  std::thread client([&] {
    HttpClientRequest r;
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.body = R"({"messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":200,
                 "stream":true,"temperature":0})";
    r.on_body = [&](std::string_view piece) {
      for (size_t p = 0; (p = piece.find("\n\n", p)) != std::string_view::npos; p += 2) ++events;
      return events < 2;  // go away after the first token's chunk
    };
    (void)http_request("127.0.0.1", s.port(), r);
  });
  ASSERT_TRUE(test::eventually([&] { return s.router.counters().in_flight == 1 && events == 1; }));
  s.router.deliver(s.engine.step());  // prefill + the first token
  EXPECT_GT(s.engine.kv_reserved_tokens(), 0u);
  client.join();
  // The handler notices the closed connection and cancels; the next step frees the cells.
  ASSERT_TRUE(test::eventually([&] { return s.router.counters().cancels_requested == 1; }));
  for (int i = 0; i < 5 && s.engine.pending() > 0; ++i) s.router.deliver(s.engine.step());
  EXPECT_EQ(s.engine.pending(), 0u);
  EXPECT_EQ(s.engine.kv_reserved_tokens(), 0u);
  const RouterCounters c = s.router.counters();
  EXPECT_EQ(c.cancelled, 1u);
  EXPECT_EQ(c.in_flight, 0u);
  EXPECT_TRUE(test::eventually(
      [&] { return s.server->metrics().requests("/v1/chat/completions", 499) == 1; }));
}

TEST(ApiServer, JsonRoutesFromOutside) {
  const ApiServerConfig config;
  TestServer s(config, RouterLimits{}, true, [](ApiServer& server) {
    server.add_json_route("/v1/echo", [](const json& body) -> ApiResult<json> {
      if (!body.contains("x")) return invalid_field("x", "is required");
      return json{{"x", body["x"]}};
    });
  });
  auto ok = s.post("/v1/echo", R"({"x":[1,2]})");
  ASSERT_TRUE(ok && ok->status == 200);
  EXPECT_EQ(json::parse(ok->body)["x"], json({1, 2}));
  auto bad = s.post("/v1/echo", R"({"y":1})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["param"], "x");
  auto not_json = s.post("/v1/echo", "[");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
}

TEST(ApiServer, StopEndsRunningRequests) {
  const ApiServerConfig config;
  TestServer s(config, RouterLimits{}, /*start_loop=*/false);  // nothing generates: requests wait
  std::atomic<int> whole_status{0};
  std::string stream_body;
  std::thread whole([&] {
    auto r = s.post("/v1/chat/completions", kChat);
    whole_status = r ? r->status : -1;
  });
  std::thread streamed([&] {
    json b = json::parse(kChat);
    b["stream"] = true;
    auto r = s.post("/v1/chat/completions", b.dump());
    if (r) stream_body = r->body;
  });
  ASSERT_TRUE(test::eventually([&] { return s.router.counters().in_flight == 2; }));
  s.server->stop();
  whole.join();
  streamed.join();
  EXPECT_EQ(whole_status, 503);
  EXPECT_NE(stream_body.find("shutting down"), std::string::npos) << stream_body;
  EXPECT_EQ(s.router.counters().cancels_requested, 2u);
  for (int i = 0; i < 5 && s.engine.pending() > 0; ++i) s.router.deliver(s.engine.step());
  EXPECT_EQ(s.engine.kv_reserved_tokens(), 0u);
  s.server->stop();  // idempotent
}

TEST(ApiServer, SilentConnectionDoesNotHoldStop) {
  TestServer s;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(s.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_TRUE(::send(fd, "GET /hea", 8, 0) == 8);  // half a request line, then silence
  ASSERT_TRUE(test::eventually([&] {
    return s.get("/health").has_value();  // the server is up and the half request is queued
  }));
  const auto t0 = std::chrono::steady_clock::now();
  s.server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));  // not io_timeout
  ::close(fd);
}

TEST(ApiServer, InvalidConfigIsNamed) {
  llm::Engine engine = test::make_engine();
  GenerationRouter router(engine);
  ApiServerConfig c1;
  c1.chat_template = "nope";
  auto a = ApiServer::create(router, c1);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("chat_template"), std::string::npos);
  ApiServerConfig c2;
  c2.limits.default_max_tokens = c2.limits.max_tokens + 1;
  auto b = ApiServer::create(router, c2);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("default_max_tokens"), std::string::npos);
  ApiServerConfig c3;
  c3.http.host = "not-an-ip";
  c3.http.port = 0;
  auto d = ApiServer::create(router, c3);
  ASSERT_TRUE(d);
  Status st = (*d)->start();
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("host"), std::string::npos);
}

}  // namespace
}  // namespace airan::serve
