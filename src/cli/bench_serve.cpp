// `airan bench serve`: what the HTTP API costs on top of the model. One run starts an ApiServer on
// loopback over a small model, sends tiny streaming chat generations (max_tokens 1..4) from N
// concurrent clients, and times the same generations submitted straight to the router (no HTTP),
// so each row shows the server's overhead per request next to the model's own time.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "airan/serve/api_server.h"
#include "airan/serve/generation_router.h"
#include "airan/serve/http.h"
#include "cli/commands.h"
#include "cli/engine_ai_workload.h"

namespace airan::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchServeOptions {
  std::string model;
  std::vector<unsigned> clients = {1, 4};
  std::vector<uint32_t> max_tokens = {1, 4};
  unsigned requests = 64;
  unsigned threads = 0;
  bool json = false;
};

struct Row {
  std::string test;
  unsigned clients = 0;
  unsigned requests = 0;
  double requests_per_s = 0;
  double ttft_p50_ms = 0, ttft_p99_ms = 0;
  double ms_per_request = 0;  // mean latency through HTTP
  double engine_requests_per_s = 0;
  double engine_ttft_p50_ms = 0;
  double engine_ms_per_request = 0;  // mean latency straight through the router
  unsigned errors = 0;
};

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[i];
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

// Per request: time to the first token event and to the end, ms.
struct Timing {
  std::vector<double> ttft, total;
  unsigned errors = 0;
};

// Runs `requests` calls of `one(i, ttft_ms, total_ms) -> ok` on `clients` threads.
template <typename Fn>
Timing run_clients(unsigned clients, unsigned requests, double& wall_s, Fn one) {
  std::atomic<unsigned> next{0};
  std::vector<Timing> per(clients);
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (unsigned c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (unsigned i = next++; i < requests; i = next++) {
        double ttft = 0, total = 0;
        if (one(i, ttft, total)) {
          per[c].ttft.push_back(ttft);
          per[c].total.push_back(total);
        } else {
          ++per[c].errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  Timing all;
  for (auto& p : per) {
    all.ttft.insert(all.ttft.end(), p.ttft.begin(), p.ttft.end());
    all.total.insert(all.total.end(), p.total.begin(), p.total.end());
    all.errors += p.errors;
  }
  return all;
}

int run_bench_serve(const BenchServeOptions& o) {
  std::filesystem::path model = o.model;
  std::filesystem::path tmp_dir;
  if (model.empty()) {
    tmp_dir = std::filesystem::temp_directory_path() /
              ("airan-bench-serve-" + std::to_string(static_cast<long>(getpid())));
    std::filesystem::create_directories(tmp_dir);
    model = tmp_dir / "small.gguf";
    if (Status s = write_small_model(model); !s) {
      std::cerr << "error: " << s.message() << "\n";
      return 1;
    }
  }
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{tmp_dir};

  const unsigned max_clients = *std::max_element(o.clients.begin(), o.clients.end());
  llm::EngineConfig ec;
  ec.max_sequences = std::max(1u, max_clients);
  ec.n_ctx = 512;
  ec.kv_budget_tokens = ec.n_ctx * ec.max_sequences;
  const unsigned threads =
      o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  ec.workers = threads - 1;
  auto engine = llm::Engine::create(model, ec);
  if (!engine) {
    std::cerr << "error: --model: " << engine.error().message << "\n";
    return 1;
  }
  serve::RouterLimits limits;
  limits.max_queued = 4 * ec.max_sequences + 8;
  serve::GenerationRouter router(*engine, limits);
  serve::ApiServerConfig sc;
  sc.http.port = 0;
  sc.http.threads = max_clients + 2;
  sc.model_name = "bench";
  auto server = serve::ApiServer::create(router, sc);
  if (!server) {
    std::cerr << "error: " << server.error().message << "\n";
    return 1;
  }
  serve::EngineLoop loop(router);
  loop.start();
  if (Status s = (*server)->start(); !s) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  const uint16_t port = (*server)->port();

  std::vector<Row> rows;
  for (uint32_t max_tokens : o.max_tokens) {
    for (unsigned clients : o.clients) {
      // The same request both ways: greedy, ignoring nothing, seeded.
      serve::ChatCompletionRequest chat;
      chat.messages = {{llm::ChatRole::kUser, "Once upon a time there was a little dog."}};
      chat.options.max_tokens = max_tokens;
      chat.options.temperature = 0.0f;
      chat.options.seed = 1;
      auto gen = serve::chat_generation_request(chat, (*server)->prompter(), sc.limits);
      if (!gen) {
        std::cerr << "error: " << gen.error().message << "\n";
        return 1;
      }
      const std::string body = nlohmann::json{
          {"model", "bench"},
          {"messages", {{{"role", "user"}, {"content", chat.messages[0].content}}}},
          {"max_tokens", max_tokens},
          {"temperature", 0},
          {"seed", 1},
          {"stream", true}}.dump();

      Row row;
      row.test = "chat tg" + std::to_string(max_tokens);
      row.clients = clients;
      row.requests = o.requests;
      double http_wall = 0, engine_wall = 0;
      Timing http =
          run_clients(clients, o.requests, http_wall, [&](unsigned, double& ttft, double& total) {
            serve::HttpClientRequest req;
            req.method = "POST";
            req.path = "/v1/chat/completions";
            req.body = body;
            const auto t0 = Clock::now();
            int events = 0;
            std::string pending;
            req.on_body = [&](std::string_view piece) {
              pending += piece;
              for (size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
                // Event 1 is the role chunk; event 2 carries the first token (or the finish).
                if (++events == 2) ttft = ms(Clock::now() - t0);
                pending.erase(0, end + 2);
              }
              return true;
            };
            auto resp = serve::http_request("127.0.0.1", port, req);
            total = ms(Clock::now() - t0);
            return resp && resp->status == 200 && events >= 3;
          });
      Timing direct =
          run_clients(clients, o.requests, engine_wall, [&](unsigned, double& ttft, double& total) {
            const auto t0 = Clock::now();
            auto stream = router.submit(*gen);
            if (!stream) return false;
            bool first = true;
            for (;;) {
              auto ev = (*stream)->next(std::chrono::seconds(60));
              if (!ev) return false;
              if (first) {
                ttft = ms(Clock::now() - t0);
                first = false;
              }
              if (ev->finished) break;
            }
            total = ms(Clock::now() - t0);
            return true;
          });
      row.requests_per_s = static_cast<double>(http.total.size()) / http_wall;
      row.ttft_p50_ms = quantile(http.ttft, 0.5);
      row.ttft_p99_ms = quantile(http.ttft, 0.99);
      row.ms_per_request = mean(http.total);
      row.engine_requests_per_s = static_cast<double>(direct.total.size()) / engine_wall;
      row.engine_ttft_p50_ms = quantile(direct.ttft, 0.5);
      row.engine_ms_per_request = mean(direct.total);
      row.errors = http.errors + direct.errors;
      rows.push_back(row);
    }
  }
  (*server)->stop();
  loop.stop();

  if (o.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const Row& r : rows) {
      arr.push_back({{"test", r.test},
                     {"clients", r.clients},
                     {"requests", r.requests},
                     {"requests_per_s", r.requests_per_s},
                     {"ttft_p50_ms", r.ttft_p50_ms},
                     {"ttft_p99_ms", r.ttft_p99_ms},
                     {"ms_per_request", r.ms_per_request},
                     {"engine_requests_per_s", r.engine_requests_per_s},
                     {"engine_ttft_p50_ms", r.engine_ttft_p50_ms},
                     {"engine_ms_per_request", r.engine_ms_per_request},
                     {"overhead_ms_per_request", r.ms_per_request - r.engine_ms_per_request},
                     {"errors", r.errors}});
    }
    std::printf("%s\n", arr.dump(2).c_str());
  } else {
    std::printf("model %s, %u engine threads, streaming chat, greedy, loopback HTTP\n",
                o.model.empty() ? "small random llama (airan llm make-model)" : o.model.c_str(),
                threads);
    std::printf("| %-9s | %7s | %8s | %10s | %9s | %9s | %10s | %10s | %9s | %11s | %6s |\n",
                "test", "clients", "requests", "http req/s", "ttft p50", "ttft p99", "http ms/req",
                "engine ms/req", "engine req/s", "overhead ms", "errors");
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", "---------",
                "------:", "-------:", "---------:", "--------:", "--------:", "----------:",
                "------------:", "-----------:", "----------:", "-----:");
    for (const Row& r : rows) {
      std::printf(
          "| %-9s | %7u | %8u | %10.1f | %6.2f ms | %6.2f ms | %11.2f | %13.2f | %12.1f | %11.2f "
          "| %6u |\n",
          r.test.c_str(), r.clients, r.requests, r.requests_per_s, r.ttft_p50_ms, r.ttft_p99_ms,
          r.ms_per_request, r.engine_ms_per_request, r.engine_requests_per_s,
          r.ms_per_request - r.engine_ms_per_request, r.errors);
    }
  }
  for (const Row& r : rows) {
    if (r.errors) return 1;
  }
  return 0;
}

}  // namespace

void add_bench_serve_command(CLI::App& bench) {
  auto o = std::make_shared<BenchServeOptions>();
  CLI::App* cmd = bench.add_subcommand(
      "serve",
      "API server overhead: requests/s and time to first token of tiny generations "
      "through HTTP vs straight to the engine");
  cmd->add_option("--model,-m", o->model, "GGUF model (default: a small random model)");
  cmd->add_option("--clients,-c", o->clients, "concurrent clients")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--max-tokens", o->max_tokens, "tokens generated per request")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--requests,-n", o->requests, "requests per row")->capture_default_str();
  cmd->add_option("--threads,-t", o->threads, "engine threads (0: all cores)")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "JSON array of rows instead of the table");
  cmd->callback([o] {
    if (o->clients.empty() || o->max_tokens.empty() || o->requests == 0) {
      std::cerr << "error: --clients, --max-tokens and --requests need at least one value\n";
      throw CLI::RuntimeError(2);
    }
    const int rc = run_bench_serve(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace airan::cli
