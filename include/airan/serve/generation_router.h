#pragma once
// The seam between the threads that receive requests (HTTP handlers, the call-centre app) and the
// one thread that steps the engine. Whoever steps the engine calls deliver() with each step's
// events; the router hands every event to the GenerationStream of its sequence, where the
// requesting thread waits for it. In `airan serve` an EngineLoop steps the engine; in `airan run`
// the shared-compute runtime's AI driver thread does, and calls deliver() itself.
//
// Threads: submit(), the counters and everything on a GenerationStream may be used from any
// thread; deliver() from the engine's thread only. A stream's handle cancels its sequence when
// the last copy is dropped before the sequence finished (a client that went away frees its KV
// cells at the next step).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>

#include "airan/llm/engine.h"
#include "airan/serve/openai_protocol.h"

namespace airan::serve {

/// Admission limits of a router.
struct RouterLimits {
  /// Sequences admitted and not yet finished (queued in the engine or running); a submit beyond
  /// it is refused with 429 (the client should retry).
  size_t max_queued = 64;
};

/// Counters of a router (cumulative unless said otherwise).
struct RouterCounters {
  uint64_t admitted = 0;
  uint64_t rejected_full = 0;     ///< refused because max_queued sequences were in flight
  uint64_t rejected_invalid = 0;  ///< refused by the engine (too long, bad parameters)
  uint64_t finished = 0;          ///< ended by stop, EOS, length or KV budget
  uint64_t cancelled = 0;
  uint64_t cancels_requested = 0;  ///< cancel() calls that reached the engine
  uint64_t failed = 0;             ///< ended by an engine error
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  size_t in_flight = 0;  ///< gauge: admitted and not finished
};

/// One event of one sequence (the engine's TokenEvent without the sequence id).
struct StreamEvent {
  std::string text;  ///< text safe to show, may be ""
  bool finished = false;
  llm::GenerationFinish reason = llm::GenerationFinish::kNone;
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
  std::string error;  ///< with kError
};

struct RouterShared;
struct StreamChannel;

/// The events of one sequence, in order. Any thread.
class GenerationStream {
 public:
  ~GenerationStream();
  GenerationStream(const GenerationStream&) = delete;
  GenerationStream& operator=(const GenerationStream&) = delete;

  /// The engine's sequence id.
  uint64_t sequence() const { return sequence_; }
  /// The next event, waiting at most `timeout`; nullopt on timeout, or when the finished event
  /// has already been taken.
  std::optional<StreamEvent> next(std::chrono::milliseconds timeout);
  /// Asks the engine to end the sequence (idempotent; no effect once it finished). A
  /// kCancelled finished event follows after the next step.
  void cancel();
  /// True once the finished event has been taken by next().
  bool done() const { return done_; }

 private:
  friend class GenerationRouter;
  GenerationStream(std::shared_ptr<RouterShared> shared, std::shared_ptr<StreamChannel> channel,
                   uint64_t sequence);
  std::shared_ptr<RouterShared> shared_;
  std::shared_ptr<StreamChannel> channel_;
  uint64_t sequence_ = 0;
  bool done_ = false;
};

/// Routes engine events to the streams of their sequences.
class GenerationRouter {
 public:
  /// A router for `engine`, which must outlive it and every stream.
  GenerationRouter(llm::Engine& engine, RouterLimits limits = {});
  ~GenerationRouter();
  GenerationRouter(const GenerationRouter&) = delete;
  GenerationRouter& operator=(const GenerationRouter&) = delete;

  /// Submits `request` to the engine (any thread). Error: 429 when max_queued sequences are in
  /// flight, 400 with the engine's message when the engine refuses it, 503 once shut down.
  ApiResult<std::shared_ptr<GenerationStream>> submit(const llm::GenerationRequest& request);
  /// Hands one step's events to their streams (the engine's thread, right after step()).
  void deliver(std::span<const llm::TokenEvent> events);

  /// Waits until the engine has pending work, `stop` is set, or `timeout` passes (the stepping
  /// thread, when idle). Returns true when work is pending.
  bool wait_for_work(const std::atomic<bool>& stop, std::chrono::milliseconds timeout);
  /// Wakes wait_for_work() (after setting its stop flag).
  void wake();

  RouterCounters counters() const;
  const RouterLimits& limits() const { return limits_; }
  llm::Engine& engine() { return engine_; }

 private:
  llm::Engine& engine_;
  RouterLimits limits_;
  std::shared_ptr<RouterShared> shared_;
};

/// A thread that steps the engine while it has work and sleeps (condition variable) when idle,
/// delivering every step's events to the router. Used by `airan serve` and the tests.
class EngineLoop {
 public:
  explicit EngineLoop(GenerationRouter& router);
  /// Stops the thread.
  ~EngineLoop();
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  /// Starts the thread (no effect when running).
  void start();
  /// Stops the thread after the step in progress (any thread but the loop's; idempotent).
  /// Sequences still running stay in the engine.
  void stop();
  /// Steps run so far.
  uint64_t steps() const { return steps_.load(std::memory_order_relaxed); }

 private:
  void run();
  GenerationRouter& router_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> steps_{0};
  std::thread thread_;
};

}  // namespace airan::serve
