// `airan serve`: the OpenAI-compatible API on all cores, without RAN work. The engine is stepped
// by an EngineLoop; SIGINT / SIGTERM stop the server cleanly and print the final counters.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "airan/llm/engine.h"
#include "airan/serve/api_server.h"
#include "airan/serve/generation_router.h"
#include "cli/callcenter_route.h"
#include "cli/commands.h"

namespace airan::cli {
namespace {

struct ServeOptions {
  std::string model;
  std::string api = "127.0.0.1:8080";
  std::vector<std::string> api_keys;
  std::string model_name;
  std::string chat_template = "chatml";
  unsigned threads = 0;
  uint32_t max_sequences = 8;
  size_t max_queued = 64;
  uint32_t ctx = 0;
  uint32_t kv_budget = 0;
  uint32_t max_tokens = 4096;
  uint32_t default_max_tokens = 256;
  size_t max_body_bytes = 1 << 20;
  unsigned http_threads = 16;
};

// "HOST:PORT" (or ":PORT", "PORT"). Error: names --api.
Status parse_host_port(const std::string& text, std::string& host, uint16_t& port) {
  const size_t colon = text.rfind(':');
  host = colon == std::string::npos ? "127.0.0.1" : text.substr(0, colon);
  if (host.empty()) host = "127.0.0.1";
  const std::string p = colon == std::string::npos ? text : text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || value > 65535) {
    return Error{"--api: expected HOST:PORT with PORT 0..65535, got '" + text + "'"};
  }
  port = static_cast<uint16_t>(value);
  return Status::ok();
}

int run_serve(const ServeOptions& o) {
  serve::ApiServerConfig sc;
  if (Status s = parse_host_port(o.api, sc.http.host, sc.http.port); !s) {
    std::cerr << "error: " << s.message() << "\n";
    return 2;
  }
  // SIGINT / SIGTERM are taken by sigwait below: block them before any thread starts (the engine's
  // included), so every thread inherits the mask and none is killed by them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);

  auto model = llm::Model::load(o.model);
  if (!model) {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    std::cerr << "error: --model: " << model.error().message << "\n";
    return 1;
  }
  llm::EngineConfig ec;
  ec.max_sequences = o.max_sequences;
  const uint32_t train_ctx = model->params().n_ctx_train;
  ec.n_ctx = o.ctx != 0 ? o.ctx : (train_ctx == 0 ? 4096 : std::min(train_ctx, 4096u));
  ec.kv_budget_tokens = o.kv_budget != 0 ? o.kv_budget : ec.n_ctx * o.max_sequences;
  const unsigned threads =
      o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  ec.workers = threads - 1;
  auto engine = llm::Engine::create(std::move(*model), ec);
  if (!engine) {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    std::cerr << "error: " << engine.error().message << "\n";
    return 1;
  }

  serve::RouterLimits limits;
  limits.max_queued = o.max_queued;
  serve::GenerationRouter router(*engine, limits);
  sc.api_keys = o.api_keys;
  sc.model_name =
      o.model_name.empty() ? std::filesystem::path(o.model).stem().string() : o.model_name;
  sc.chat_template = o.chat_template;
  sc.limits.max_tokens = std::min(o.max_tokens, ec.n_ctx);
  sc.limits.default_max_tokens = std::min(o.default_max_tokens, sc.limits.max_tokens);
  sc.http.max_body_bytes = o.max_body_bytes;
  sc.http.threads = o.http_threads;
  auto server = serve::ApiServer::create(router, sc);
  if (!server) {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    std::cerr << "error: " << server.error().message << "\n";
    return 2;
  }

  add_callcenter_route(**server, router, {});  // POST /v1/callcenter/analyze
  serve::EngineLoop loop(router);
  loop.start();
  if (Status s = (*server)->start(); !s) {
    loop.stop();
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  std::printf(
      "serving %s as '%s' on http://%s:%u/v1 (%u threads, %u sequences, chat template %s "
      "from the %s; Ctrl-C stops)\n",
      o.model.c_str(), sc.model_name.c_str(), sc.http.host.c_str(), (*server)->port(), threads,
      ec.max_sequences, std::string(llm::chat_family_name((*server)->prompter().family())).c_str(),
      (*server)->prompter().source() == "model" ? "model" : "--chat-template option");
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::printf("\n%s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->stop();
  loop.stop();
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);

  const serve::RouterCounters c = router.counters();
  std::printf(
      "requests admitted %llu, finished %llu, cancelled %llu, failed %llu, refused (queue "
      "full) %llu, refused (invalid) %llu\n",
      static_cast<unsigned long long>(c.admitted), static_cast<unsigned long long>(c.finished),
      static_cast<unsigned long long>(c.cancelled), static_cast<unsigned long long>(c.failed),
      static_cast<unsigned long long>(c.rejected_full),
      static_cast<unsigned long long>(c.rejected_invalid));
  std::printf("tokens: prompt %llu, completion %llu; engine steps %llu\n",
              static_cast<unsigned long long>(c.prompt_tokens),
              static_cast<unsigned long long>(c.completion_tokens),
              static_cast<unsigned long long>(loop.steps()));
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "OpenAI-compatible API (chat/completions, completions, models, metrics) on all "
      "cores, without RAN work");
  cmd->add_option("--model,-m", o->model, "GGUF model file")->required();
  cmd->add_option("--api", o->api, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--api-key", o->api_keys,
                  "accepted Bearer key (repeatable; none: no authentication)");
  cmd->add_option("--model-name", o->model_name,
                  "model id listed by /v1/models (default: the file name without .gguf)");
  cmd->add_option("--chat-template", o->chat_template,
                  "chat format for models without a recognised template: chatml, llama2, "
                  "llama3, ja-instruct")
      ->capture_default_str();
  cmd->add_option("--threads,-t", o->threads, "engine threads (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--max-sequences", o->max_sequences, "sequences the engine batches at once")
      ->capture_default_str();
  cmd->add_option("--max-queued", o->max_queued,
                  "requests queued or running before 429 (Retry-After)")
      ->capture_default_str();
  cmd->add_option("--ctx", o->ctx, "context tokens per sequence (0: model's, at most 4096)")
      ->capture_default_str();
  cmd->add_option("--kv-budget", o->kv_budget, "KV cache tokens (0: ctx x max-sequences)")
      ->capture_default_str();
  cmd->add_option("--max-tokens", o->max_tokens, "largest max_tokens a request may ask for")
      ->capture_default_str();
  cmd->add_option("--default-max-tokens", o->default_max_tokens,
                  "max_tokens of requests that give none")
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", o->max_body_bytes, "larger request bodies get 413")
      ->capture_default_str();
  cmd->add_option("--http-threads", o->http_threads,
                  "HTTP handler threads (each open stream holds one)")
      ->capture_default_str();
  cmd->callback([o] {
    const int rc = run_serve(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace airan::cli
