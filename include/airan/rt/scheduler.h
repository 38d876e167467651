#pragma once
// The shared-compute runtime's control loop. Every period it
//   measures  - admits submitted slots, collects completed tasks, reads queue lengths,
//   predicts  - the RAN work still to do per deadline (predicted durations minus time run),
//   decides   - how many cores stay with the RAN (the policy),
//   acts      - parks AI workers on reclaimed cores, resumes them on lent ones,
//   records   - one TickRecord, every task, every deadline miss, every park latency.
// The RAN workers run the ticks between their tasks (see CoreWorkers): while a slot is in flight
// core 0 serves the RAN and its worker polls, so ticks cost no timer wake-up. With nothing
// released the loop goes quiet: the next tick is due a period before the policy's lead time ahead
// of the next release (admitted or forecast), or at once when a slot is submitted.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "airan/common/expected.h"
#include "airan/rt/ai_workload.h"
#include "airan/rt/core_workers.h"
#include "airan/rt/duration_model.h"
#include "airan/rt/edf_queue.h"
#include "airan/rt/metrics.h"
#include "airan/rt/policy.h"
#include "airan/rt/slot_load_forecast.h"
#include "airan/rt/slot_task_graph.h"
#include "airan/rt/spin_lock.h"

namespace airan::rt {

struct SchedulerConfig {
  std::vector<int> cpus;  ///< CPUs for the workers (see validate_cpu_list)
  bool pin = true;        ///< pin workers (refusal is tolerated; see Scheduler::pinned)
  /// Tick period (1 µs .. 10 ms), on an absolute schedule; a tick late by a period or more (a
  /// long RAN task on every serving core) runs when a worker is free, and the schedule restarts.
  std::chrono::nanoseconds period{std::chrono::microseconds(20)};
  /// With nothing released (and the allocation settled), the loop is quiet until a slot is
  /// submitted, the next release is near, or this long has passed (0: tick through idle time).
  std::chrono::nanoseconds idle_wait{std::chrono::milliseconds(1)};
  std::chrono::nanoseconds idle_spin{std::chrono::microseconds(20)};   ///< see CoreWorkersConfig
  std::chrono::nanoseconds park_grace{std::chrono::microseconds(50)};  ///< see CoreWorkersConfig
  size_t queue_capacity = 4096;                                        ///< EDF queue (>= 16)
  size_t tick_record_limit = 1u << 20;                                 ///< kept TickRecords
  /// AI steps that throw in a row before AI work is stopped for the rest of the run (>= 1).
  unsigned max_ai_failures = 3;
  /// SCHED_FIFO priority of the RAN workers, which run the ticks too (see RealtimePriorities);
  /// 0: normal scheduling. Refusal by the OS is tolerated and reported.
  int realtime_priority = 0;
};

/// Checks `config` (CPU list available, ranges); the error names the field and its allowed range.
Status validate(const SchedulerConfig& config);

/// Counters readable while the runtime runs (for a status line).
struct LiveCounters {
  uint64_t slots_done = 0;
  uint64_t misses = 0;
  uint64_t ticks = 0;
  unsigned ran_cores = 0;
  unsigned lent_cores = 0;
  uint64_t ran_core_ticks = 0;   ///< Σ over ticks of the cores serving the RAN (shared: all)
  uint64_t lent_core_ticks = 0;  ///< Σ over ticks of the cores lent to AI
  uint64_t ran_busy_ns = 0;      ///< Σ duration of the completed RAN tasks, ns
  uint64_t ai_failures = 0;      ///< AI steps that threw
  bool ai_stopped = false;       ///< AI work stopped after max_ai_failures failed steps in a row
  uint64_t tick_takeovers = 0;   ///< ticks handed from a stalled keeper to another core
};

class Scheduler {
 public:
  /// A runtime over `config.cpus` with `policy`; `model` predicts task durations and `ai` (may be
  /// null: lent cores then stay idle) runs on lent cores. Both must outlive the Scheduler. Fails
  /// naming the field when the config is invalid or `ai` has fewer cores than config.cpus.
  static Expected<std::unique_ptr<Scheduler>> create(const SchedulerConfig& config,
                                                     std::unique_ptr<Policy> policy,
                                                     TaskDurationModel& model, AiWorkload* ai);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Called at the start of every control tick, by whichever worker runs it (set before
  /// start()); it must be quick. The emulated front end hands over here what its own thread is
  /// late with (cli::SlotFeed).
  void set_tick_hook(std::function<void(Clock::time_point now)> hook) {
    tick_hook_ = std::move(hook);
  }

  /// Starts the workers, and with them the control loop.
  void start();
  /// Hands one slot's tasks to the runtime (any thread); admitted at the next tick.
  void submit(std::unique_ptr<SlotTaskGraph> slot);
  /// Waits until every submitted slot has completed; false when `timeout` passed first.
  bool wait_idle(std::chrono::nanoseconds timeout);
  /// Stops the loop and the workers (slots still in flight are abandoned and counted) and closes
  /// the metrics. Idempotent.
  void stop();

  /// Everything recorded (complete after stop()).
  const RuntimeMetrics& metrics() const { return metrics_; }
  /// The policy's name.
  std::string_view policy_name() const { return policy_->name(); }
  /// Slots submitted but not completed when stop() ran.
  uint64_t abandoned_slots() const { return abandoned_slots_; }
  /// True when every worker runs pinned to its CPU.
  bool pinned() const;
  /// True when the OS granted the RAN workers their real-time priority (asked while the cores are
  /// split; shared mode runs them at normal priority by design).
  bool realtime() const;
  /// Counters for a status line (any thread).
  LiveCounters live() const;
  /// What the last failed AI step threw ("" when none failed; any thread).
  std::string last_ai_error() const { return workers_.last_ai_error(); }

 private:
  /// One iteration of the loop at time `now`: measure, predict, decide, act, record.
  void tick(Clock::time_point now);
  /// Runs a tick (on a RAN worker; one at a time) and returns when the next one is due.
  Clock::time_point control_tick(Clock::time_point now);

  Scheduler(const SchedulerConfig& config, std::unique_ptr<Policy> policy, TaskDurationModel& model,
            AiWorkload* ai);

  struct Measurement {
    size_t ready_tasks = 0, running_tasks = 0, waiting_tasks = 0;
  };
  Measurement measure(Clock::time_point now);
  void admit(Clock::time_point now);
  void collect_completed();
  int64_t predict_demand(Clock::time_point now);
  void act(const CoreAllocation& allocation);
  void time_parks();

  SchedulerConfig config_;
  std::unique_ptr<Policy> policy_;
  TaskDurationModel& model_;
  AiWorkload* ai_;
  EdfQueue queue_;
  CoreWorkers workers_;
  RuntimeMetrics metrics_;

  // Submitted, not yet admitted (any thread -> the control tick).
  SpinLock inbox_lock_;
  std::vector<std::unique_ptr<SlotTaskGraph>> inbox_;
  std::atomic<uint64_t> submitted_{0};
  std::atomic<uint64_t> completed_{0};

  // The control tick only.
  struct InFlight {
    std::unique_ptr<SlotTaskGraph> graph;
    Clock::time_point deadline;  // the graph's earliest task deadline
  };
  std::vector<InFlight> in_flight_;  // ascending deadline
  std::vector<std::unique_ptr<SlotTaskGraph>> admitting_;
  std::vector<CompletedTask> completed_tasks_;
  std::vector<RunningTask> running_;
  std::vector<DeadlineDemand> demand_;
  std::vector<DeadlineDemand> upcoming_;  // admitted, not released, and forecast next slots
  SlotLoadForecast load_forecast_;
  std::vector<unsigned> park_requests_;
  std::vector<const SlotTaskGraph*> done_;
  struct PendingPark {
    unsigned core;
    Clock::time_point requested;
    bool acknowledged = false;  // the AI worker parked
    bool reclaimed = false;     // the RAN worker runs on the core again
  };
  std::vector<PendingPark> pending_parks_;
  SchedulerState state_;
  uint64_t tick_count_ = 0;
  Clock::time_point last_tick_{};
  bool first_tick_ = true;
  int64_t start_ns_ = 0;
  size_t last_ready_ = 0;
  uint64_t ai_busy_at_start_ = 0, ai_steps_at_start_ = 0;
  uint64_t abandoned_slots_ = 0;

  Clock::time_point next_tick_{};  // the periodic schedule
  std::function<void(Clock::time_point)> tick_hook_;
  static constexpr unsigned kSettleTicks = 4;
  unsigned settled_ticks_ = 0;      // ticks in a row that left the allocation as it was
  std::atomic<bool> quiet_{false};  // the loop waits for a submission (or idle_wait)
  std::atomic<bool> running_loop_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> live_misses_{0};
  std::atomic<uint64_t> live_ticks_{0};
  std::atomic<unsigned> live_ran_cores_{0};
  std::atomic<unsigned> live_lent_cores_{0};
  std::atomic<uint64_t> live_ran_core_ticks_{0};
  std::atomic<uint64_t> live_lent_core_ticks_{0};
  std::atomic<uint64_t> live_ran_busy_ns_{0};
};

}  // namespace airan::rt
