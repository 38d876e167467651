#pragma once
// The OpenAI-compatible API of a node:
//   POST /v1/chat/completions, POST /v1/completions  (streaming as server-sent events)
//   GET  /v1/models, GET /v1/models/{id}, GET /health, GET /metrics (Prometheus text)
//   POST routes added with add_json_route() (e.g. /v1/callcenter/analyze)
// Generation goes through a GenerationRouter; whoever steps the engine (an EngineLoop, or the
// runtime's AI driver) delivers to it. Errors are OpenAI error objects; a request the server
// cannot admit gets 429 with Retry-After; a streaming client that disconnects has its sequence
// cancelled (its KV cells are freed at the next step). API keys, when configured, guard /v1/*.

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "airan/common/expected.h"
#include "airan/serve/generation_router.h"
#include "airan/serve/http.h"
#include "airan/serve/openai_protocol.h"
#include "airan/serve/request_builder.h"
#include "airan/serve/serve_metrics.h"

namespace airan::serve {

/// Settings of an ApiServer.
struct ApiServerConfig {
  HttpServerConfig http;                 ///< host, port (0: any free), body limit, handler threads
  std::vector<std::string> api_keys;     ///< accepted Bearer tokens; empty: no authentication
  std::string model_name = "airan";      ///< what /v1/models lists and requests may name
  std::string chat_template = "chatml";  ///< for models without a recognised chat template
  GenerationLimits limits;               ///< default and maximum max_tokens
  int retry_after_s = 1;                 ///< Retry-After of 429 responses, seconds
};

/// Checks `config`. Error: names the field.
Status validate(const ApiServerConfig& config);

class ApiServer {
 public:
  /// The handler of a JSON POST route: the parsed body in, the response object or an error out.
  using JsonRoute = std::function<ApiResult<nlohmann::json>(const nlohmann::json&)>;

  /// A server over `router` (which must outlive it). Reads the engine's model and tokenizer:
  /// create it before another thread steps the engine. Error: invalid config (named field),
  /// unknown chat_template.
  static Expected<std::unique_ptr<ApiServer>> create(GenerationRouter& router,
                                                     ApiServerConfig config);
  /// Stops the server.
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  /// Adds POST `path` (before start()). Requests must carry a JSON object body; `handler` runs on
  /// an HTTP thread and may block (e.g. on generations of its own).
  void add_json_route(std::string path, JsonRoute handler);
  /// Text appended to /metrics (Prometheus exposition lines, e.g. RAN metrics; before start()).
  void set_extra_metrics(std::function<std::string()> extra);

  /// Binds and serves on background threads. Error: the address cannot be bound.
  Status start();
  /// The bound port (after start()).
  uint16_t port() const;
  /// Stops accepting and ends running requests (streams get an error event); any thread but a
  /// handler's; idempotent.
  void stop();

  const ApiServerConfig& config() const;
  const ServeMetrics& metrics() const;
  const ChatPrompter& prompter() const;

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace airan::serve
