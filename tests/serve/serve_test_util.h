#pragma once
// Shared by the serve tests: an engine on the small shared stories260K model, and an API server
// on a free loopback port with the engine stepped by an EngineLoop (or by the test itself).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "airan/llm/engine.h"
#include "airan/serve/api_server.h"
#include "airan/serve/generation_router.h"
#include "airan/serve/http.h"
#include "test_data.h"

namespace airan::serve::test {

inline llm::Engine make_engine(uint32_t max_sequences = 4) {
  llm::EngineConfig config;
  config.max_sequences = max_sequences;
  config.n_ctx = 256;
  config.kv_budget_tokens = 256 * max_sequences;
  config.workers = 0;  // the CI machine has two cores; tests run side by side
  auto e = llm::Engine::create(airan::test::data_path("llm/models/stories260K.gguf"), config);
  if (!e) {
    ADD_FAILURE() << e.error().message;
    std::abort();
  }
  return std::move(*e);
}

/// Waits (polling, bounded) until `cond` holds; false on timeout.
inline bool eventually(const std::function<bool()>& cond,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

/// An engine, router, engine loop and API server on 127.0.0.1:<free port>.
struct TestServer {
  llm::Engine engine;
  GenerationRouter router;
  EngineLoop loop;
  std::unique_ptr<ApiServer> server;

  explicit TestServer(const ApiServerConfig& base = ApiServerConfig(),
                      RouterLimits limits = RouterLimits(), bool start_loop = true,
                      const std::function<void(ApiServer&)>& before_start = nullptr)
      : engine(make_engine()), router(engine, limits), loop(router) {
    ApiServerConfig config = base;
    config.http.port = 0;
    config.http.threads = 6;
    if (config.model_name == "airan") config.model_name = "stories";
    auto s = ApiServer::create(router, config);
    if (!s) {
      ADD_FAILURE() << s.error().message;
      std::abort();
    }
    server = std::move(*s);
    if (before_start) before_start(*server);
    if (start_loop) loop.start();
    Status st = server->start();
    if (!st) {
      ADD_FAILURE() << st.message();
      std::abort();
    }
  }
  ~TestServer() {
    server->stop();
    loop.stop();
  }

  uint16_t port() const { return server->port(); }

  Expected<HttpClientResponse> post(const std::string& path, const std::string& body,
                                    HttpHeaders headers = {}) const {
    HttpClientRequest r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    r.headers = std::move(headers);
    return http_request("127.0.0.1", port(), r);
  }
  Expected<HttpClientResponse> get(const std::string& path, HttpHeaders headers = {}) const {
    HttpClientRequest r;
    r.path = path;
    r.headers = std::move(headers);
    return http_request("127.0.0.1", port(), r);
  }
};

}  // namespace airan::serve::test
