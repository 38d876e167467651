#pragma once
// What a runtime run measured: every task (predicted vs. actual), every deadline miss with its
// slot, task, predicted and actual duration, slot latencies, scheduler ticks, AI park latencies,
// and the split of core time into RAN busy, AI busy, scheduler overhead and idle. Written by the
// control tick only (one thread at a time); read after the run.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "airan/rt/ran_task.h"

namespace airan::rt {

/// One executed task; times in ns since the run started.
struct TaskRecord {
  uint32_t cell = 0;
  uint64_t slot = 0;
  uint32_t task = 0;  ///< index in its slot's task graph
  RanTaskType type = RanTaskType::other;
  uint32_t core = 0;  ///< position of the worker's CPU in the CPU list
  int64_t release_ns = 0, start_ns = 0, end_ns = 0, deadline_ns = 0;
  int64_t predicted_ns = 0, actual_ns = 0;
  bool missed() const { return end_ns > deadline_ns; }
};

/// A task that finished after its deadline.
struct DeadlineMiss {
  uint32_t cell = 0;
  uint64_t slot = 0;
  uint32_t task = 0;
  RanTaskType type = RanTaskType::other;
  int64_t predicted_ns = 0, actual_ns = 0;
  int64_t late_ns = 0;  ///< finish - deadline
};

/// One completed slot of one cell.
struct SlotRecord {
  uint32_t cell = 0;
  uint64_t slot = 0;
  int64_t latency_ns = 0;  ///< release of the slot to completion of its last task
  bool missed = false;     ///< some task of the slot missed its deadline
};

/// One scheduler tick; times in ns since the run started.
struct TickRecord {
  int64_t t_ns = 0;       ///< tick start
  int64_t period_ns = 0;  ///< since the previous tick start (0 for the first)
  int64_t work_ns = 0;    ///< measure + predict + decide + act + record
  int64_t decide_ns = 0;  ///< the policy's decide() alone
  uint32_t ran_cores = 0;
  bool shared = false;
  uint32_t ready_tasks = 0, running_tasks = 0;
  int64_t remaining_ns = 0;  ///< predicted RAN work still to do
};

/// Quantiles of a latency distribution, µs (nearest rank).
struct LatencySummary {
  size_t count = 0;
  double mean_us = 0, p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};

/// Nearest-rank quantiles of `values_ns` (any order; copied), reported in µs.
LatencySummary summarize_ns(std::vector<int64_t> values_ns);

/// AI busy / (total - RAN busy), clamped to [0, 1]; 0 when nothing was left by the RAN.
double reclaimed_fraction(double total_core_ns, double ran_busy_ns, double ai_busy_ns);

struct MetricsSummary {
  uint64_t slots = 0;         ///< completed slots
  uint64_t tasks = 0;         ///< executed tasks
  uint64_t misses = 0;        ///< tasks past their deadline
  uint64_t missed_slots = 0;  ///< slots with at least one miss
  double miss_rate = 0;       ///< missed_slots / slots
  std::array<uint64_t, kNumRanTaskTypes> misses_per_type{};
  LatencySummary slot_latency;
  LatencySummary park_latency;     ///< reclaim request -> the AI worker acknowledged its park
  LatencySummary reclaim_latency;  ///< reclaim request -> the core's RAN worker runs again
  LatencySummary tick_period;      ///< achieved scheduler period
  double period_jitter_us = 0;     ///< standard deviation of the achieved period, µs
  LatencySummary tick_work;        ///< scheduler work per tick
  LatencySummary decide_cost;      ///< decide() per tick
  double wall_s = 0;
  double total_core_ns = 0, ran_busy_ns = 0, ai_busy_ns = 0, scheduler_ns = 0, idle_ns = 0;
  /// Core time the allocation gave the RAN (cores serving it x time; shared mode: every core)
  /// and lent to AI (shared mode: every core too). Busy / reserved is how well the reservation
  /// hugs the work; AI busy / lent how well the engine uses what it is lent.
  double ran_reserved_ns = 0, ai_lent_ns = 0;
  double reclaimed_fraction = 0;
  uint64_t ai_steps = 0;
  /// Times another core took the ticks over from a stalled keeper (CoreWorkers::stall_after).
  uint64_t tick_takeovers = 0;
  /// Predictions that were below the actual duration, fraction of tasks.
  double underpredicted_fraction = 0;
};

class RuntimeMetrics {
 public:
  /// Keeps at most `tick_record_limit` tick records (the summary still covers every tick).
  explicit RuntimeMetrics(size_t tick_record_limit = 1u << 20);

  /// Starts the run at `start` on `cores` cores.
  void begin(Clock::time_point start, unsigned cores);
  /// Records one executed task (and its miss, if it missed).
  void add_task(const TaskRecord& record);
  /// Records one completed slot.
  void add_slot(const SlotRecord& record);
  /// Records one scheduler tick.
  void add_tick(const TickRecord& record);
  /// Records one AI park (request to acknowledged), ns.
  void add_park_latency_ns(int64_t ns);
  /// Records one reclaim (request to the RAN worker running on the core again), ns.
  void add_reclaim_latency_ns(int64_t ns);
  /// Ends the run at `end`; `ai_busy_ns` and `ai_steps` are the AI workload's totals for the run,
  /// `tick_takeovers` the control loop's.
  void end(Clock::time_point end, uint64_t ai_busy_ns, uint64_t ai_steps,
           uint64_t tick_takeovers = 0);

  /// ns since the run started.
  int64_t since_start_ns(Clock::time_point t) const;
  /// Everything summarized (valid after end()).
  MetricsSummary summary() const;

  const std::vector<TaskRecord>& tasks() const { return tasks_; }
  const std::vector<DeadlineMiss>& misses() const { return misses_; }
  const std::vector<SlotRecord>& slots() const { return slots_; }
  const std::vector<TickRecord>& ticks() const { return ticks_; }
  const std::vector<int64_t>& park_latencies_ns() const { return park_ns_; }
  const std::vector<int64_t>& reclaim_latencies_ns() const { return reclaim_ns_; }
  uint64_t tick_count() const { return tick_count_; }

 private:
  size_t tick_record_limit_;
  Clock::time_point start_{}, end_{};
  unsigned cores_ = 0;
  std::vector<TaskRecord> tasks_;
  std::vector<DeadlineMiss> misses_;
  std::vector<SlotRecord> slots_;
  std::vector<TickRecord> ticks_;
  std::vector<int64_t> park_ns_, reclaim_ns_;
  // Every tick, also beyond the record limit.
  std::vector<int64_t> period_ns_, work_ns_, decide_ns_;
  uint64_t tick_count_ = 0;
  double scheduler_ns_ = 0, ran_busy_ns_ = 0;
  // The allocation in force since the last tick, integrated over time.
  int64_t allocation_since_ns_ = 0;
  uint32_t allocation_ran_ = 0, allocation_lent_ = 0;
  double ran_reserved_ns_ = 0, ai_lent_ns_ = 0;
  void integrate_allocation(int64_t until_ns);
  uint64_t ai_busy_ns_ = 0, ai_steps_ = 0, tick_takeovers_ = 0;
};

}  // namespace airan::rt
