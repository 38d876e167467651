#pragma once
// One worker thread per CPU of the runtime's CPU list, pinned to it. A core either serves the RAN
// (its worker pops the EDF queue, spins briefly when idle, then blocks) or is lent to AI (its
// worker blocks and the AI workload's worker for that core runs). Reclaiming a core asks the AI
// worker to park; the scheduler times how long the park takes. An AI driver thread runs engine
// steps while any core is lent; it runs pieces itself, so it takes the last lent core (whose AI
// worker then stays parked). While the cores are split every AI thread, driver and workers, runs
// at SCHED_IDLE priority: the driver cannot be parked mid-step and must not delay a RAN worker on
// a reclaimed core, and a RAN worker without a real-time priority still takes its CPU the moment
// it wakes. With a real-time priority the RAN
// workers run SCHED_FIFO while the cores are split (exclusive mode): a reclaimed core's RAN worker
// sleeps until the AI worker there has parked, at most a short grace period, and then preempts it
// if it has not (it parks when it next runs). In shared mode they run at normal priority, as
// shared-naive intends (the OS's fair scheduler decides between RAN and AI).
//
// The runtime's control loop (config.control_tick) runs on these threads too, not on a thread of
// its own: between tasks, a RAN worker that finds a tick due runs it (one worker at a time), and
// core 0's worker, the keeper, polls for the next tick while it serves and has nothing to run, or
// sleeps until it is due. A timer wake-up costs a VM tens of microseconds of CPU time, most of a
// 50 µs period, and a control thread of its own would land on a lent core; this way the ticks
// cost the AI nothing while core 0 is the RAN's, and only event-driven wake-ups otherwise.
//
// A keeper whose vCPU the hypervisor deschedules for milliseconds would stop the ticks, and with
// them the admission of slots and any reclaim, while its core is the only one the RAN holds: the
// slot submitter and the AI threads on lent cores, which run anyway, or core 1's worker while it
// serves (it wakes for that), then hand the ticks to core 1's worker, and the scheduler gives the
// RAN one more core until the keeper runs again.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "airan/common/expected.h"
#include "airan/rt/ai_workload.h"
#include "airan/rt/edf_queue.h"
#include "airan/rt/metrics.h"
#include "airan/rt/policy.h"
#include "airan/rt/slot_task_graph.h"
#include "airan/rt/spin_lock.h"
#include "airan/rt/wake_signal.h"

namespace airan::rt {

struct CoreWorkersConfig {
  std::vector<int> cpus;  ///< CPU ids, one worker each; position = core index
  bool pin = true;        ///< pin each worker to its CPU (refusal is tolerated and reported)
  /// A RAN worker with nothing to run polls the queue this long before it blocks (exclusive mode;
  /// in shared mode it blocks at once and the OS gives the core to AI).
  std::chrono::nanoseconds idle_spin{std::chrono::microseconds(20)};
  /// AI steps that throw in a row before the AI driver stops running steps (the RAN is never
  /// affected: lent cores then stay idle until the runtime stops). >= 1.
  unsigned max_ai_failures = 3;
  int realtime_priority = 0;  ///< SCHED_FIFO priority of RAN workers in exclusive mode; 0: normal
  /// A reclaimed core's RAN worker lets the AI worker there run this long to reach its preemption
  /// point and park (the step's other pieces then move to workers still lent) before it preempts
  /// it mid-piece: a preempted piece holds up the whole engine step until the core is idle again.
  /// 50 µs, the park latency the AI side is held to: on this VM the worker's switch back to the
  /// AI thread and the rest of its piece take 20-35 µs at the 99th percentile (measured), and a
  /// 20 µs grace preempted 5 % of the parks (each then waited for a RAN task, 400 µs).
  std::chrono::nanoseconds park_grace{std::chrono::microseconds(50)};
  /// The control loop's tick, run by the workers at time `now` (one at a time); returns when the
  /// next tick is due. Empty: no control loop.
  std::function<Clock::time_point(Clock::time_point now)> control_tick{};
  /// While core 0 serves and has nothing to run, its worker polls instead of sleeping when the
  /// next tick is due within this (a timer wake-up would cost more than the wait).
  std::chrono::nanoseconds tick_spin{std::chrono::microseconds(200)};
  /// The keeper counts as stalled when a tick has been due this long and its worker has not run
  /// for as long (a vCPU the hypervisor has descheduled: 1-8 ms at a time on this VM, measured
  /// with sched traces). Above the keeper's normal timer lateness (period p99 about 160 µs) and
  /// its long tasks (p99.9 about 320 µs), well within the 1.5 ms deadline.
  std::chrono::nanoseconds stall_after{std::chrono::microseconds(250)};
};

/// A task a worker completed, with absolute times (ns since the clock's epoch).
struct CompletedTask {
  TaskRecord record;  ///< times absolute here; the scheduler makes them run-relative
  TaskFeatures features;
  SlotTaskGraph* graph = nullptr;  ///< alive until the scheduler retires it
};

/// The task a worker is running now, as the scheduler samples it.
struct RunningTask {
  const SlotTaskGraph* graph = nullptr;  ///< for identity only; may be stale
  int64_t start_ns = 0;
  int64_t predicted_ns = 0;
};

class CoreWorkers {
 public:
  /// Workers for `config.cpus` over `queue`; `ai` (may be null) must have at least as many cores.
  CoreWorkers(const CoreWorkersConfig& config, EdfQueue& queue, AiWorkload* ai);
  ~CoreWorkers();
  CoreWorkers(const CoreWorkers&) = delete;
  CoreWorkers& operator=(const CoreWorkers&) = delete;

  /// Starts the threads with every core lent to nobody (RAN workers blocked, AI parked).
  void start();
  /// Stops and joins every thread (a RAN task in progress completes first).
  void stop();

  unsigned cores() const { return static_cast<unsigned>(workers_.size()); }
  /// True when worker `c` runs pinned to its CPU.
  bool pinned(unsigned c) const { return workers_[c]->pinned.load(); }
  /// True when worker `c` got its real-time priority (false when none was asked or it was refused).
  bool realtime(unsigned c) const { return workers_[c]->realtime.load(); }
  /// When worker `c` last took up RAN work after its core was reclaimed from AI (ns since the
  /// clock's epoch; 0 before the first reclaim): the moment the core is the RAN's again.
  int64_t serving_since_ns(unsigned c) const {
    return workers_[c]->serving_since_ns.load(std::memory_order_acquire);
  }

  /// Applies an allocation: cores [0, ran_cores) serve the RAN, the others are lent to AI (shared:
  /// all serve the RAN and all run AI). Appends to `parked` every core whose AI worker was asked to
  /// park now. One thread at a time (the control tick).
  void apply(const CoreAllocation& allocation, std::vector<unsigned>& parked);
  /// The allocation last applied.
  const CoreAllocation& allocation() const { return current_; }
  /// True when core `c` is lent to AI under the current allocation (shared counts as lent).
  bool lent(unsigned c) const;

  /// Wakes RAN workers that sleep on cores serving the RAN (new work is ready).
  void wake_ran_workers();
  /// Makes a control tick due now and wakes the keeper (any thread).
  void request_tick();
  /// Waits for a tick in progress to end and runs no other (before the runtime is torn down).
  void stop_ticks();
  /// For threads that run anyway (the slot submitter, the AI's watchdog, core 1's worker while it
  /// serves): when the keeper is stalled (see CoreWorkersConfig::stall_after), hands the ticks to
  /// core 1's worker, which keeps them until the keeper runs again. True when it handed them over
  /// now.
  bool take_over_stalled_ticks();
  /// True while the ticks are handed over: core 0, the keeper's, is taken as unavailable.
  bool keeper_stalled() const { return ticker_.load(std::memory_order_acquire) != 0; }
  /// Hand-overs so far.
  uint64_t tick_takeovers() const { return takeovers_.load(std::memory_order_relaxed); }

  /// Moves every completed-task record into `out` (appends). One thread at a time.
  void drain_completed(std::vector<CompletedTask>& out);
  /// Samples the task each worker runs now; appends those running. Any thread.
  void running(std::vector<RunningTask>& out) const;
  /// RAN tasks executing now.
  size_t running_count() const;

  /// AI steps that threw (any thread).
  uint64_t ai_failures() const { return ai_failures_.load(std::memory_order_relaxed); }
  /// True once the AI driver gave up after max_ai_failures failed steps in a row (any thread).
  bool ai_stopped() const { return ai_stopped_.load(std::memory_order_acquire); }
  /// What the last failed AI step threw ("" when none failed; any thread).
  std::string last_ai_error() const;

 private:
  struct alignas(64) Worker {
    unsigned core = 0;
    int cpu = 0;
    std::thread thread;
    std::atomic<bool> serving{false};
    std::atomic<bool> pinned{false};
    std::atomic<bool> realtime{false};
    std::atomic<int64_t> serving_since_ns{0};
    std::atomic<uint32_t> reclaims{0};  // bumped by apply() each time the core is taken from AI
    WakeSignal wake;
    // The running task (start_ns = 0 when idle).
    std::atomic<const SlotTaskGraph*> running_graph{nullptr};
    std::atomic<int64_t> running_start_ns{0};
    std::atomic<int64_t> running_predicted_ns{0};
    SpinLock completed_lock;
    std::vector<CompletedTask> completed;
  };

  void ran_worker_main(Worker& w);
  bool tick_if_due(Clock::time_point now);
  void tick_now();  // makes the tick due now (only a tick moves it later)
  std::chrono::nanoseconds to_tick(Clock::time_point now) const;  // until the next tick is due
  void set_worker_priority(Worker& w, bool shared);
  void await_park(Worker& w);
  void execute(Worker& w, RanTask& task);
  void ai_driver_main();
  void keep_driver_on_lent_cores();
  void set_ai_priority(bool background);

  CoreWorkersConfig config_;
  EdfQueue& queue_;
  AiWorkload* ai_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> shared_{false};
  std::atomic<bool> stop_{false};
  std::atomic<unsigned> lent_count_{0};
  alignas(64) std::atomic<int64_t> next_tick_ns_{0};  // when the control tick is next due
  std::atomic<bool> ticking_{false};                  // a worker runs the tick (or ticks stopped)
  std::atomic<unsigned> ticker_{0};  // the core whose worker keeps the ticks: 0, or 1 in a stall
  alignas(64) std::atomic<int64_t> keeper_seen_ns_{0};  // core 0's worker's last loop pass
  std::atomic<uint64_t> takeovers_{0};
  WakeSignal ai_wake_;
  std::thread ai_driver_;
  std::atomic<uint64_t> ai_failures_{0};
  std::atomic<bool> ai_stopped_{false};
  mutable SpinLock ai_error_lock_;
  std::string ai_error_;
  CoreAllocation current_{};
  std::vector<bool> lent_;
  std::vector<bool> ai_worker_runs_;  // lent, and its AI worker resumed (not the driver's core)
  int driver_core_ = -1;              // the lent core the AI driver runs on; -1: none or shared
  bool started_ = false;
  bool ai_priority_set_ = false;
  bool ai_background_ = false;
};

}  // namespace airan::rt
