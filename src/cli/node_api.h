#pragma once
// The API side of `airan run --api HOST:PORT`: the OpenAI-compatible server and the call-centre
// route over the LLM engine that the runtime's AI driver steps on lent cores. Requests join the
// engine's batch like the built-in generator's; their events reach the server through the router,
// which the driver feeds after every step (EngineAiWorkload::set_event_sink).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "airan/common/expected.h"
#include "airan/rt/scheduler.h"
#include "airan/serve/api_server.h"
#include "airan/serve/generation_router.h"

namespace airan::cli {

struct NodeApiOptions {
  std::string listen;                    ///< "host:port" (port 0: any free one)
  std::vector<std::string> api_keys;     ///< Bearer tokens; empty: no authentication
  std::string model_name = "airan";      ///< what /v1/models lists
  std::string chat_template = "chatml";  ///< for models without a recognised template
  size_t max_queued = 64;                ///< sequences in flight before 429
};

/// The runtime's live counters as Prometheus exposition lines (appended to /metrics).
std::string ran_metrics_text(const rt::LiveCounters& live);

class NodeApi {
 public:
  /// Creates the router and server over `engine` (before another thread steps it), registers
  /// POST /v1/callcenter/analyze and `extra_metrics` (appended to /metrics), and starts serving.
  /// Error: invalid option (named) or the address cannot be bound.
  static Expected<std::unique_ptr<NodeApi>> start(llm::Engine& engine, const NodeApiOptions& options,
                                                  std::function<std::string()> extra_metrics);
  ~NodeApi();
  NodeApi(const NodeApi&) = delete;
  NodeApi& operator=(const NodeApi&) = delete;

  /// Where the engine's step events go (the driver thread calls deliver()).
  serve::GenerationRouter& router() { return router_; }
  /// The bound port.
  uint16_t port() const { return server_->port(); }
  /// Stops serving (idempotent); running requests end with an error event.
  void stop();

 private:
  NodeApi(llm::Engine& engine, size_t max_queued);
  serve::GenerationRouter router_;
  std::unique_ptr<serve::ApiServer> server_;
};

}  // namespace airan::cli
