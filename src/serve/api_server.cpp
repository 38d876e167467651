#include "airan/serve/api_server.h"

#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <utility>

namespace airan::serve {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::chrono::milliseconds kPollInterval{50};  // checks for disconnects while waiting

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

ApiError not_found(const std::string& path) {
  ApiError e;
  e.http_status = 404;
  e.message = "unknown endpoint " + path;
  e.code = "unknown_url";
  return e;
}

ApiError server_error(int status, std::string message) {
  ApiError e;
  e.http_status = status;
  e.type = status == 503 ? "service_unavailable" : "server_error";
  e.message = std::move(message);
  return e;
}

std::string error_json_text(int status, std::string_view message) {
  ApiError e = status >= 500 ? server_error(status, std::string(message)) : ApiError{};
  if (status < 500) {
    e.http_status = status;
    e.message = std::string(message);
  }
  return error_body(e).dump();
}

// What a generation request needs besides the engine request.
struct GenerationJob {
  bool chat = true;
  bool stream = false;
  bool include_usage = false;
  ResponseHeader header;
  Clock::time_point received;
};

}  // namespace

Status validate(const ApiServerConfig& c) {
  if (c.model_name.empty()) return Error{"model_name: expected a non-empty name"};
  if (c.http.max_body_bytes == 0) return Error{"max_body_bytes: expected at least 1"};
  if (c.http.threads == 0) return Error{"threads: expected at least 1 HTTP thread"};
  if (c.limits.max_tokens == 0) return Error{"max_tokens: expected at least 1"};
  if (c.limits.default_max_tokens == 0 || c.limits.default_max_tokens > c.limits.max_tokens) {
    return Error{"default_max_tokens: expected 1.." + std::to_string(c.limits.max_tokens) +
                 ", got " + std::to_string(c.limits.default_max_tokens)};
  }
  if (c.retry_after_s < 0) return Error{"retry_after_s: expected >= 0"};
  for (const auto& k : c.api_keys) {
    if (k.empty()) return Error{"api_keys: an empty key would accept anyone"};
  }
  return Status::ok();
}

struct ApiServer::Impl {
  GenerationRouter& router;
  ApiServerConfig config;
  ChatPrompter prompter;
  ServeMetrics metrics;
  std::map<std::string, JsonRoute> json_routes;
  std::function<std::string()> extra_metrics;
  std::unique_ptr<HttpServer> http;
  int64_t created = 0;

  Impl(GenerationRouter& r, ApiServerConfig c, ChatPrompter p)
      : router(r), config(std::move(c)), prompter(std::move(p)) {}

  // --- responses -------------------------------------------------------------------------

  // Counted before the reply goes out: a client that reads /metrics next sees its request.
  void reply_json(HttpExchange& ex, const std::string& endpoint, int status, const json& body,
                  const HttpHeaders& extra = {}) {
    metrics.count_request(endpoint, status);
    ex.send(status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace),
            extra);
  }

  void reply_error(HttpExchange& ex, const std::string& endpoint, const ApiError& e) {
    HttpHeaders extra;
    if (e.http_status == 429)
      extra.emplace_back("Retry-After", std::to_string(config.retry_after_s));
    if (e.http_status == 401) extra.emplace_back("WWW-Authenticate", "Bearer");
    reply_json(ex, endpoint, e.http_status, error_body(e), extra);
  }

  // --- routing ---------------------------------------------------------------------------

  bool authorized(const HttpRequest& req) const {
    if (config.api_keys.empty()) return true;
    std::string_view auth = req.header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer) return false;
    auth.remove_prefix(kBearer.size());
    for (const auto& k : config.api_keys) {
      if (auth == k) return true;
    }
    return false;
  }

  void handle(const HttpRequest& req, HttpExchange& ex) {
    const std::string& path = req.path;
    const bool get = req.method == "GET";
    const bool post = req.method == "POST";
    const bool known = path == "/health" || path == "/metrics" || path == "/v1/models" ||
                       path.rfind("/v1/models/", 0) == 0 || path == "/v1/chat/completions" ||
                       path == "/v1/completions" || json_routes.count(path) > 0;
    // Metrics label: the path for known endpoints (bounded set), "other" for the rest.
    const std::string endpoint =
        !known ? "other" : (path.rfind("/v1/models/", 0) == 0 ? "/v1/models/{id}" : path);
    if (!known) return reply_error(ex, endpoint, not_found(path));
    if (path.rfind("/v1/", 0) == 0 && !authorized(req)) {
      ApiError e;
      e.http_status = 401;
      e.message = req.header("authorization").empty()
                      ? "missing API key: send the header 'Authorization: Bearer <key>'"
                      : "incorrect API key provided";
      e.code = "invalid_api_key";
      return reply_error(ex, endpoint, e);
    }
    const bool wants_post =
        path == "/v1/chat/completions" || path == "/v1/completions" || json_routes.count(path) > 0;
    if (wants_post ? !post : !get) {
      ApiError e;
      e.http_status = 405;
      e.message = std::string(wants_post ? "POST" : "GET") + " is the method of " + path +
                  ", got " + req.method;
      return reply_error(ex, endpoint, e);
    }
    if (path == "/health") return reply_json(ex, endpoint, 200, {{"status", "ok"}});
    if (path == "/metrics") {
      const std::string text = metrics.prometheus_text(
          router.counters(), extra_metrics ? extra_metrics() : std::string());
      metrics.count_request(endpoint, 200);
      ex.send(200, "text/plain; version=0.0.4; charset=utf-8", text);
      return;
    }
    if (path == "/v1/models") {
      return reply_json(ex, endpoint, 200,
                        {{"object", "list"}, {"data", json::array({model_object()})}});
    }
    if (path.rfind("/v1/models/", 0) == 0) {
      const std::string id = path.substr(std::string_view("/v1/models/").size());
      if (id != config.model_name) return reply_error(ex, endpoint, model_not_found(id));
      return reply_json(ex, endpoint, 200, model_object());
    }
    if (path == "/v1/chat/completions") return chat_completions(req, ex, endpoint);
    if (path == "/v1/completions") return completions(req, ex, endpoint);
    return json_route(req, ex, endpoint);
  }

  json model_object() const {
    return {{"id", config.model_name},
            {"object", "model"},
            {"created", created},
            {"owned_by", "airan"}};
  }

  ApiError model_not_found(const std::string& name) const {
    ApiError e;
    e.http_status = 404;
    e.message =
        "model: '" + name + "' does not exist; this server serves '" + config.model_name + "'";
    e.param = "model";
    e.code = "model_not_found";
    return e;
  }

  // --- endpoints -------------------------------------------------------------------------

  void chat_completions(const HttpRequest& req, HttpExchange& ex, const std::string& endpoint) {
    GenerationJob job;
    job.received = Clock::now();
    auto parsed = parse_chat_completion_request(req.body);
    if (!parsed) return reply_error(ex, endpoint, parsed.error());
    if (!parsed->model.empty() && parsed->model != config.model_name) {
      return reply_error(ex, endpoint, model_not_found(parsed->model));
    }
    auto gen = chat_generation_request(*parsed, prompter, config.limits);
    if (!gen) return reply_error(ex, endpoint, gen.error());
    job.chat = true;
    job.stream = parsed->stream;
    job.include_usage = parsed->include_usage;
    job.header = {make_response_id("chatcmpl-"), std::time(nullptr), config.model_name};
    generate(ex, endpoint, *gen, job);
  }

  void completions(const HttpRequest& req, HttpExchange& ex, const std::string& endpoint) {
    GenerationJob job;
    job.received = Clock::now();
    auto parsed = parse_completion_request(req.body);
    if (!parsed) return reply_error(ex, endpoint, parsed.error());
    if (!parsed->model.empty() && parsed->model != config.model_name) {
      return reply_error(ex, endpoint, model_not_found(parsed->model));
    }
    auto gen = completion_generation_request(*parsed, config.limits);
    if (!gen) return reply_error(ex, endpoint, gen.error());
    job.chat = false;
    job.stream = parsed->stream;
    job.include_usage = parsed->include_usage;
    job.header = {make_response_id("cmpl-"), std::time(nullptr), config.model_name};
    generate(ex, endpoint, *gen, job);
  }

  void json_route(const HttpRequest& req, HttpExchange& ex, const std::string& endpoint) {
    auto body = parse_json_body(req.body);
    if (!body) return reply_error(ex, endpoint, body.error());
    auto result = json_routes.at(req.path)(*body);
    if (!result) return reply_error(ex, endpoint, result.error());
    reply_json(ex, endpoint, 200, *result);
  }

  // --- generation ------------------------------------------------------------------------

  void generate(HttpExchange& ex, const std::string& endpoint, const llm::GenerationRequest& gen,
                const GenerationJob& job) {
    auto submitted = router.submit(gen);
    if (!submitted) return reply_error(ex, endpoint, submitted.error());
    std::shared_ptr<GenerationStream> stream = std::move(*submitted);
    if (job.stream) {
      stream_response(ex, endpoint, *stream, job);
    } else {
      whole_response(ex, endpoint, *stream, job);
    }
    // Dropping the last handle of an unfinished stream cancels its sequence.
  }

  // The next event; nullopt when the client went away or the server stops (the sequence is then
  // cancelled). `gone` tells which.
  std::optional<StreamEvent> next_event(HttpExchange& ex, GenerationStream& stream, bool& gone,
                                        bool& first_token, const GenerationJob& job) {
    for (;;) {
      if (auto ev = stream.next(kPollInterval)) {
        if (first_token && ev->completion_tokens > 0) {
          first_token = false;
          metrics.observe_ttft(seconds_since(job.received));
        }
        return ev;
      }
      if (ex.client_gone()) {
        gone = true;
        stream.cancel();
        return std::nullopt;
      }
      if (ex.server_stopping()) {
        stream.cancel();
        return std::nullopt;
      }
    }
  }

  void whole_response(HttpExchange& ex, const std::string& endpoint, GenerationStream& stream,
                      const GenerationJob& job) {
    std::string text;
    bool gone = false, first_token = true;
    for (;;) {
      auto ev = next_event(ex, stream, gone, first_token, job);
      if (!ev) {
        if (gone) return metrics.count_request(endpoint, 499);  // client closed the request
        return reply_error(ex, endpoint, server_error(503, "the server is shutting down"));
      }
      text += ev->text;
      if (!ev->finished) continue;
      if (ev->reason == llm::GenerationFinish::kError) {
        return reply_error(ex, endpoint, server_error(500, "generation failed: " + ev->error));
      }
      if (ev->reason == llm::GenerationFinish::kCancelled) {
        return reply_error(ex, endpoint, server_error(503, "the generation was cancelled"));
      }
      const Usage usage{ev->prompt_tokens, ev->completion_tokens};
      const std::string_view finish = openai_finish_reason(ev->reason);
      metrics.observe_latency(seconds_since(job.received));
      return reply_json(ex, endpoint, 200,
                        job.chat ? chat_completion_response(job.header, text, finish, usage)
                                 : completion_response(job.header, text, finish, usage));
    }
  }

  void stream_response(HttpExchange& ex, const std::string& endpoint, GenerationStream& stream,
                       const GenerationJob& job) {
    auto client_left = [&] {
      stream.cancel();
      metrics.count_request(endpoint, 499);
    };
    if (!ex.begin_stream(200, "text/event-stream")) return client_left();
    if (job.chat && !ex.write(chat_chunk_event(job.header, "assistant", "", ""))) {
      return client_left();
    }
    bool gone = false, first_token = true;
    for (;;) {
      auto ev = next_event(ex, stream, gone, first_token, job);
      if (!ev) {
        if (gone) return client_left();
        metrics.count_request(endpoint, 200);
        ex.write(error_event(server_error(503, "the server is shutting down")));
        return;
      }
      const std::string_view finish = ev->finished ? openai_finish_reason(ev->reason) : "";
      if (ev->finished && finish.empty()) {  // error or cancelled by someone else
        metrics.count_request(endpoint, 200);
        ex.write(error_event(server_error(500, ev->reason == llm::GenerationFinish::kError
                                                   ? "generation failed: " + ev->error
                                                   : "the generation was cancelled")));
        return;
      }
      if (!ev->text.empty() || ev->finished) {
        // The finishing token's text (if any) goes out first, then a chunk with finish_reason
        // and an empty delta, as OpenAI does.
        if (!ev->text.empty()) {
          const bool ok = job.chat
                              ? ex.write(chat_chunk_event(job.header, std::nullopt, ev->text, ""))
                              : ex.write(completion_chunk_event(job.header, ev->text, ""));
          if (!ok) return client_left();
        }
        if (ev->finished) {
          const bool ok =
              job.chat ? ex.write(chat_chunk_event(job.header, std::nullopt, std::nullopt, finish))
                       : ex.write(completion_chunk_event(job.header, "", finish));
          if (!ok) return client_left();
          if (job.include_usage) {
            ex.write(usage_chunk_event(job.header,
                                       job.chat ? "chat.completion.chunk" : "text_completion",
                                       {ev->prompt_tokens, ev->completion_tokens}));
          }
          metrics.count_request(endpoint, 200);
          metrics.observe_latency(seconds_since(job.received));
          ex.write(done_event());
          return;
        }
      }
    }
  }
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() {
  stop();
}

Expected<std::unique_ptr<ApiServer>> ApiServer::create(GenerationRouter& router,
                                                       ApiServerConfig config) {
  if (Status s = validate(config); !s) return Error{s.message()};
  auto prompter = ChatPrompter::create(router.engine(), config.chat_template);
  if (!prompter) return prompter.error();
  auto impl = std::make_unique<Impl>(router, std::move(config), std::move(*prompter));
  impl->created = std::time(nullptr);
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

void ApiServer::add_json_route(std::string path, JsonRoute handler) {
  impl_->json_routes[std::move(path)] = std::move(handler);
}

void ApiServer::set_extra_metrics(std::function<std::string()> extra) {
  impl_->extra_metrics = std::move(extra);
}

Status ApiServer::start() {
  if (impl_->http) return Error{"the server is already started"};
  Impl* impl = impl_.get();
  impl_->http = std::make_unique<HttpServer>(
      impl_->config.http,
      [impl](const HttpRequest& req, HttpExchange& ex) { impl->handle(req, ex); }, error_json_text);
  Status s = impl_->http->start();
  if (!s) impl_->http.reset();
  return s;
}

uint16_t ApiServer::port() const {
  return impl_->http ? impl_->http->port() : 0;
}

void ApiServer::stop() {
  if (impl_ && impl_->http) {
    impl_->http->stop();
    impl_->http.reset();
  }
}

const ApiServerConfig& ApiServer::config() const {
  return impl_->config;
}
const ServeMetrics& ApiServer::metrics() const {
  return impl_->metrics;
}
const ChatPrompter& ApiServer::prompter() const {
  return impl_->prompter;
}

}  // namespace airan::serve
