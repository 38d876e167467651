#include "cli/node_api.h"

#include <utility>

#include "airan/serve/serve_metrics.h"
#include "cli/callcenter_route.h"
#include "cli/run_config.h"

namespace airan::cli {

std::string ran_metrics_text(const rt::LiveCounters& live) {
  using serve::append_metric;
  using std::to_string;
  std::string out;
  append_metric(out, "airan_ran_slots_total", "counter", "Slots the runtime completed.",
                to_string(live.slots_done));
  append_metric(out, "airan_ran_deadline_misses_total", "counter",
                "RAN tasks that finished after their deadline.", to_string(live.misses));
  append_metric(out, "airan_ran_cores", "gauge", "Cores serving the RAN now.",
                to_string(live.ran_cores));
  append_metric(out, "airan_ai_lent_cores", "gauge", "Cores lent to AI work now.",
                to_string(live.lent_cores));
  append_metric(out, "airan_scheduler_ticks_total", "counter", "Scheduler periods run.",
                to_string(live.ticks));
  append_metric(out, "airan_ai_failures_total", "counter", "AI engine steps that failed.",
                to_string(live.ai_failures));
  return out;
}

NodeApi::NodeApi(llm::Engine& engine, size_t max_queued) : router_(engine, {max_queued}) {}

NodeApi::~NodeApi() { stop(); }

Expected<std::unique_ptr<NodeApi>> NodeApi::start(llm::Engine& engine, const NodeApiOptions& options,
                                                  std::function<std::string()> extra_metrics) {
  auto address = parse_listen(options.listen, "api.listen");
  if (!address) return address.error();
  if (options.max_queued == 0) return Error{"api.max_queued: must be >= 1"};
  std::unique_ptr<NodeApi> api(new NodeApi(engine, options.max_queued));
  serve::ApiServerConfig sc;
  sc.http.host = address->first;
  sc.http.port = address->second;
  sc.api_keys = options.api_keys;
  sc.model_name = options.model_name;
  sc.chat_template = options.chat_template;
  auto server = serve::ApiServer::create(api->router_, sc);
  if (!server) return Error{"api: " + server.error().message};
  api->server_ = std::move(*server);
  add_callcenter_route(*api->server_, api->router_, {});
  if (extra_metrics) api->server_->set_extra_metrics(std::move(extra_metrics));
  if (Status s = api->server_->start(); !s) return Error{"api.listen " + options.listen + ": " + s.message()};
  return api;
}

void NodeApi::stop() {
  if (server_) server_->stop();
}

}  // namespace airan::cli
