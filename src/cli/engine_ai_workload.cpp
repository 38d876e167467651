#include "cli/engine_ai_workload.h"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <iterator>
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

// Thread ids of this process, ascending (Linux: /proc/self/task).
std::vector<pid_t> thread_ids() {
  std::vector<pid_t> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    const std::string name = entry.path().filename().string();
    pid_t id = 0;
    const auto r = std::from_chars(name.data(), name.data() + name.size(), id);
    if (r.ec == std::errc()) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// CPU time of thread `tid` of this process, ns (the clock glibc's pthread_getcpuclockid builds:
// per-thread, CPUCLOCK_SCHED); -1 when it cannot be read.
int64_t thread_cpu_ns(pid_t tid) {
  const clockid_t clock = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);
  timespec ts{};
  if (::clock_gettime(clock, &ts) != 0) return -1;
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

EngineAiWorkload::EngineAiWorkload(llm::Engine engine, const EngineAiOptions& options)
    : engine_(std::move(engine)), options_(options), pieces_before_(options.cores, 0) {
  for (unsigned c = 0; c < options_.cores; ++c) engine_.executor().request_park(c);
}

std::vector<int64_t> EngineAiWorkload::request_latencies_ns() const {
  std::lock_guard<std::mutex> guard(latency_lock_);
  return latencies_ns_;
}

Expected<std::unique_ptr<EngineAiWorkload>> EngineAiWorkload::create(
    const std::filesystem::path& model, const EngineAiOptions& options) {
  if (options.cores == 0) return Error{"cores: must be >= 1"};
  llm::EngineConfig config;
  config.max_sequences = options.max_sequences;
  config.n_ctx = options.n_ctx;
  config.kv_budget_tokens = options.n_ctx * options.max_sequences;
  config.workers = options.cores;
  if (!options.cpus.empty() && options.cpus.size() != options.cores) {
    return Error{"cpus: " + std::to_string(options.cpus.size()) + " CPUs for " +
                 std::to_string(options.cores) + " cores"};
  }
  // The StepExecutor starts its workers in order inside Engine::create and does not expose them:
  // the threads of this process that appear during create() are the workers, in creation order.
  const std::vector<pid_t> before = thread_ids();
  auto engine = llm::Engine::create(model, config);
  if (!engine) return Error{"AI engine: " + engine.error().message};
  std::vector<pid_t> workers;
  const std::vector<pid_t> after = thread_ids();
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(workers));
  std::unique_ptr<EngineAiWorkload> w(new EngineAiWorkload(std::move(*engine), options));
  if (workers.size() == options.cores) {
    for (pid_t tid : workers) {
      const int64_t cpu = thread_cpu_ns(tid);
      if (cpu < 0) break;
      w->worker_tids_.push_back(tid);
      w->worker_cpu_start_ns_.push_back(cpu);
    }
    if (w->worker_tids_.size() != workers.size()) {
      w->worker_tids_.clear();
      w->worker_cpu_start_ns_.clear();
    }
  }
  if (!options.cpus.empty() && workers.size() == options.cores) {
    for (size_t i = 0; i < workers.size(); ++i) {
      cpu_set_t set;
      CPU_ZERO(&set);
      if (options.cpus[i] < 0 || options.cpus[i] >= CPU_SETSIZE) continue;
      CPU_SET(options.cpus[i], &set);
      if (sched_setaffinity(workers[i], sizeof(set), &set) == 0) ++w->pinned_workers_;
    }
  }
  return w;
}

void EngineAiWorkload::top_up() {
  while (options_.queued_requests > 0 && engine_.pending() < options_.queued_requests) {
    llm::GenerationRequest request;
    request.prompt = std::string(kPrompts[next_request_ % kPrompts.size()]);
    request.max_tokens = options_.max_tokens;
    request.ignore_eos = true;
    request.sampling.seed = options_.seed + next_request_;
    ++next_request_;
    auto id = engine_.submit(request);
    if (!id) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      return;  // try again at the next step
    }
    submitted_at_ns_[*id] = steady_ns();
  }
}

void EngineAiWorkload::run_step() {
  top_up();
  llm::StepExecutor& executor = engine_.executor();
  for (unsigned c = 0; c < options_.cores; ++c) pieces_before_[c] = executor.pieces_run(c);
  const llm::EngineStats before = engine_.stats();
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t cpu0 = thread_cpu_ns();
  const std::span<const llm::TokenEvent> events = engine_.step();
  const int64_t cpu = thread_cpu_ns() - cpu0;
  const auto wall =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  uint64_t tokens = 0, finished = 0, errors = 0;
  const int64_t now_ns = steady_ns();
  for (const llm::TokenEvent& e : events) {
    tokens += e.token != llm::kNoToken ? 1 : 0;
    errors += e.reason == llm::GenerationFinish::kError ? 1 : 0;
    if (!e.finished) continue;
    ++finished;
    if (const auto it = submitted_at_ns_.find(e.sequence); it != submitted_at_ns_.end()) {
      std::lock_guard<std::mutex> guard(latency_lock_);
      latencies_ns_.push_back(now_ns - it->second);
      submitted_at_ns_.erase(it);
    }
  }
  // An idle engine (nothing pending) returns at once: no AI work was done.
  const llm::EngineStats after = engine_.stats();
  const bool worked =
      after.prefill_tokens + after.decode_tokens != before.prefill_tokens + before.decode_tokens;
  if (worked) driver_cpu_ns_ += std::max<int64_t>(cpu, 0);
  if (!worker_tids_.empty()) {
    // Thread CPU time of the driver's steps and of every engine worker (pieces, and the short
    // spins between steps and before a park, when the core is the AI's).
    int64_t workers_ns = 0;
    for (size_t i = 0; i < worker_tids_.size(); ++i) {
      const int64_t now = thread_cpu_ns(worker_tids_[i]);
      if (now >= 0) workers_ns += now - worker_cpu_start_ns_[i];
    }
    busy_ns_.store(static_cast<uint64_t>(driver_cpu_ns_ + std::max<int64_t>(workers_ns, 0)),
                   std::memory_order_relaxed);
  } else if (worked) {
    // Worker threads unknown: the step's wall time for each worker that ran a piece of it.
    unsigned workers = 0;
    for (unsigned c = 0; c < options_.cores; ++c) {
      workers += executor.pieces_run(c) != pieces_before_[c] ? 1 : 0;
    }
    busy_ns_.fetch_add(
        static_cast<uint64_t>(std::max<int64_t>(cpu, 0)) + static_cast<uint64_t>(wall) * workers,
        std::memory_order_relaxed);
  }
  if (sink_ && !events.empty()) {
    try {
      sink_(events);
    } catch (...) {
      ++errors;
    }
  }
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
void EngineAiWorkload::set_park_listener(std::function<void(unsigned c)> on_parked) {
  engine_.executor().set_park_hook(std::move(on_parked));
}
int64_t EngineAiWorkload::parked_at_ns(unsigned c) const {
  return const_cast<llm::Engine&>(engine_).executor().parked_at_ns(c);
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
