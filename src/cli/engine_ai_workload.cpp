#include "cli/engine_ai_workload.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string_view>
#include <utility>

#include "airan/llm/gguf_writer.h"

namespace airan::cli {
namespace {

constexpr std::array<std::string_view, 8> kPrompts = {
    "Hello, I was charged twice for my last bill. Can you help me get a refund?",
    "My internet connection keeps dropping every evening since Monday.",
    "I would like to change my plan to one with more data for travelling abroad.",
    "How do I reset the password of my online account? The link does not arrive.",
    "The new phone I ordered has not been delivered yet, the tracking shows no update.",
    "Can you explain the roaming charges on my invoice from last month?",
    "I am moving to a new address next week and need to transfer my broadband contract.",
    "My SIM card stopped working after the update this morning. What should I do?",
};

// CPU time of the calling thread, ns.
int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

EngineAiWorkload::EngineAiWorkload(llm::Engine engine, const EngineAiOptions& options)
    : engine_(std::move(engine)), options_(options) {
  for (unsigned c = 0; c < options_.cores; ++c) engine_.executor().request_park(c);
}

Expected<std::unique_ptr<EngineAiWorkload>> EngineAiWorkload::create(
    const std::filesystem::path& model, const EngineAiOptions& options) {
  if (options.cores == 0) return Error{"cores: must be >= 1"};
  llm::EngineConfig config;
  config.max_sequences = options.max_sequences;
  config.kv_budget_tokens = 4096;
  config.n_ctx = 256;
  config.workers = options.cores;
  auto engine = llm::Engine::create(model, config);
  if (!engine) return Error{"AI engine: " + engine.error().message};
  return std::unique_ptr<EngineAiWorkload>(new EngineAiWorkload(std::move(*engine), options));
}

void EngineAiWorkload::top_up() {
  while (engine_.pending() < options_.queued_requests) {
    llm::GenerationRequest request;
    request.prompt = std::string(kPrompts[next_request_ % kPrompts.size()]);
    request.max_tokens = options_.max_tokens;
    request.ignore_eos = true;
    request.sampling.seed = options_.seed + next_request_;
    ++next_request_;
    if (!engine_.submit(request)) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      return;  // try again at the next step
    }
  }
}

void EngineAiWorkload::run_step() {
  top_up();
  unsigned workers = 0;  // executor workers that may run pieces of this step
  for (unsigned c = 0; c < options_.cores; ++c) workers += engine_.executor().is_parked(c) ? 0 : 1;
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t cpu0 = thread_cpu_ns();
  uint64_t tokens = 0, finished = 0, errors = 0;
  for (const llm::TokenEvent& e : engine_.step()) {
    tokens += e.token != llm::kNoToken ? 1 : 0;
    finished += e.finished ? 1 : 0;
    errors += e.reason == llm::GenerationFinish::kError ? 1 : 0;
  }
  const int64_t cpu = thread_cpu_ns() - cpu0;
  const auto wall =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  busy_ns_.fetch_add(
      static_cast<uint64_t>(std::max<int64_t>(cpu, 0)) + static_cast<uint64_t>(wall) * workers,
      std::memory_order_relaxed);
  tokens_.fetch_add(tokens, std::memory_order_relaxed);
  finished_.fetch_add(finished, std::memory_order_relaxed);
  errors_.fetch_add(errors, std::memory_order_relaxed);
  steps_.fetch_add(1, std::memory_order_relaxed);
}

void EngineAiWorkload::park_core(unsigned c) {
  engine_.executor().request_park(c);
}
void EngineAiWorkload::resume_core(unsigned c) {
  engine_.executor().resume(c);
}
bool EngineAiWorkload::parked(unsigned c) const {
  return const_cast<llm::Engine&>(engine_).executor().is_parked(c);
}

Status write_small_model(const std::filesystem::path& path, uint64_t seed) {
  llm::RandomModelSpec spec;
  spec.n_embd = 256;
  spec.n_layer = 2;
  spec.n_head = 8;
  spec.n_head_kv = 4;
  spec.n_ff = 768;
  spec.n_ctx = 512;
  spec.seed = seed;
  spec.threads = 1;
  auto report = llm::write_random_model(spec, path);
  if (!report) return Error{"model " + path.string() + ": " + report.error().message};
  return Status::ok();
}

}  // namespace airan::cli
