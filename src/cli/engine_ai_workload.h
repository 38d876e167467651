#pragma once
// The runtime's AI side over the LLM engine: an rt::AiWorkload whose run_step() is one
// llm::Engine step, with a built-in request generator (call-centre style prompts) that keeps a
// few generation requests queued. Core c of the runtime is worker c of the engine's
// StepExecutor. Lives in cli/ because rt knows AI work only through the AiWorkload interface.
//
// busy_ns: the StepExecutor does not expose per-piece time, so a step counts the calling (driver)
// thread's CPU time during the step plus the step's wall time x the executor workers not parked at
// its start. The second part over-counts a worker parked part-way or waiting for pieces.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/engine.h"
#include "airan/rt/ai_workload.h"

namespace airan::cli {

struct EngineAiOptions {
  unsigned cores = 1;            ///< engine workers = runtime cores that may be lent
  uint32_t max_sequences = 4;    ///< sequences batched by the engine
  uint32_t max_tokens = 32;      ///< tokens generated per request
  uint32_t n_ctx = 256;          ///< context per sequence (prompt + generated; API requests too)
  uint32_t queued_requests = 8;  ///< built-in generator: pending requests kept; 0: generator off
  uint64_t seed = 1;             ///< sampling seed of the first request (then +1 per request)
  /// CPU of each engine worker (position = runtime core); empty: workers stay unpinned. Worker c
  /// then runs only on the CPU of core c, so a parked worker's core is the RAN's alone.
  std::vector<int> cpus;
};

class EngineAiWorkload final : public rt::AiWorkload {
 public:
  /// An engine over the GGUF model `model`; every worker starts parked. Error: the engine's.
  static Expected<std::unique_ptr<EngineAiWorkload>> create(const std::filesystem::path& model,
                                                            const EngineAiOptions& options);

  unsigned cores() const override { return options_.cores; }
  void run_step() override;
  void park_core(unsigned c) override;
  void resume_core(unsigned c) override;
  bool parked(unsigned c) const override;
  int64_t parked_at_ns(unsigned c) const override;
  void set_park_listener(std::function<void(unsigned c)> on_parked) override;
  void set_background(bool background) override { engine_.executor().set_background(background); }
  void set_watchdog(std::function<void()> check) override {
    engine_.executor().set_dispatch_hook(std::move(check));
  }
  uint64_t busy_ns() const override { return busy_ns_.load(std::memory_order_relaxed); }
  uint64_t steps() const override { return steps_.load(std::memory_order_relaxed); }

  /// Engine workers pinned to their core's CPU (0 when options.cpus was empty or pinning failed).
  unsigned pinned_workers() const { return pinned_workers_; }
  /// Tokens generated so far (any thread).
  uint64_t tokens() const { return tokens_.load(std::memory_order_relaxed); }
  /// Requests that finished (any reason) so far.
  uint64_t finished_requests() const { return finished_.load(std::memory_order_relaxed); }
  /// Requests the engine refused or failed (the workload keeps running).
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

  /// The engine, for an API server's submit() / cancel() (any thread, as Engine allows).
  llm::Engine& engine() { return engine_; }
  /// Receives every step's token events on the driver thread (after the step). Set it before the
  /// runtime starts; an exception it throws is counted in errors() and dropped.
  void set_event_sink(std::function<void(std::span<const llm::TokenEvent>)> sink) {
    sink_ = std::move(sink);
  }
  /// Submit-to-finish latency of every built-in request that finished, ns (in finishing order).
  /// Read while the runtime is stopped (the driver thread appends).
  std::vector<int64_t> request_latencies_ns() const;

 private:
  EngineAiWorkload(llm::Engine engine, const EngineAiOptions& options);
  void top_up();

  llm::Engine engine_;
  EngineAiOptions options_;
  uint64_t next_request_ = 0;
  std::function<void(std::span<const llm::TokenEvent>)> sink_;
  std::unordered_map<uint64_t, int64_t> submitted_at_ns_;  // built-in requests in flight
  mutable std::mutex latency_lock_;
  std::vector<int64_t> latencies_ns_;
  std::vector<uint64_t> pieces_before_;  // per executor worker, at the step's start
  unsigned pinned_workers_ = 0;
  std::vector<pid_t> worker_tids_;            // engine worker threads, by core
  std::vector<int64_t> worker_cpu_start_ns_;  // their CPU time at creation
  int64_t driver_cpu_ns_ = 0;                 // driver thread CPU time in steps that did work
  std::atomic<uint64_t> busy_ns_{0}, steps_{0}, tokens_{0}, finished_{0}, errors_{0};
};

/// Writes a small Llama-family model with random weights and a generated byte-level vocabulary
/// (the writer of `airan llm make-model`) to `path`.
Status write_small_model(const std::filesystem::path& path, uint64_t seed = 1);

}  // namespace airan::cli
