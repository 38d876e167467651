#pragma once
// `airan bench policies`: every core-allocation policy on identical emulated PUSCH traffic (the
// same generated slots, seed and AI request stream), one runtime run per policy.

#include <cstdint>
#include <string>
#include <vector>

#include "airan/common/expected.h"
#include "cli/slot_handover.h"

namespace airan::cli {

struct PolicyBenchOptions {
  unsigned slots = 400;  ///< slots per policy (0.5 ms each at 30 kHz)
  unsigned ues = 4;
  double ue_peak_mbps = 5;  ///< offered uplink rate per UE at full load (RAN-only keeps up here)
  uint64_t seed = 1;
  unsigned static_ran_cores = 1;  ///< RAN cores of `static`
  /// Policies to run, in order; empty: every policy.
  std::vector<std::string> policies;
  std::string model;  ///< GGUF model; empty: a small random model written to a temp dir
  /// Quantile-tree model file for `predictive+model`; empty: trained on the task executions the
  /// `predictive` run recorded (the node's own trace; `predictive` must then run first).
  std::string predictor;
  double predictor_quantile = 0.9999;  ///< target quantile of the model trained here
  double quantile = 0.99;              ///< duration quantile of the recent-history model
  /// After the policies, `predictive` again at each of `sweep_recent` (recent-history
  /// quantiles) and `sweep_model` (quantile-tree targets, trained on the predictive run's
  /// trace), so the two predictors can be compared at equal deadline misses.
  bool sweep = false;
  std::vector<double> sweep_recent = {0.5, 0.9, 0.99, 0.999};
  std::vector<double> sweep_model = {0.99, 0.999, 0.9999, 0.99999};
  /// SCHED_FIFO priority of the RAN workers and the slot feeder (scheduler +1); 0: normal
  int realtime_priority = 50;
  unsigned period_us = 50;          ///< scheduler tick period
  double deadline_slots = 3;        ///< task deadline after the slot's release, in slots
  unsigned reserve_ahead_us = 100;  ///< predictive: reserve for slots released within this
  unsigned k2 = kDefaultK2;         ///< uplink grant lead, slots (see handover_time)
  /// Rounds of the policy list, each started one policy later (round r runs policies r, r+1, ...
  /// wrapping), so that no policy always runs first: on a shared host the stalls a run meets
  /// drift over a process's life, and a fixed order would bias the comparison. Rows sum the
  /// rounds.
  unsigned rounds = 1;
};

struct PolicyBenchRow {
  std::string policy;
  std::string durations;     ///< task-duration predictor: "recent-quantile" or "model"
  double quantile = 0;       ///< its target quantile
  bool sweep = false;        ///< a point of the predictor sweep
  uint64_t slots = 0;        ///< slots completed
  uint64_t submitted = 0;    ///< slots handed to the runtime
  uint64_t misses = 0;       ///< slots with a deadline miss
  uint64_t task_misses = 0;  ///< tasks past their deadline
  double miss_rate = 0;      ///< misses / slots
  double reclaimed_fraction = 0;
  uint64_t ai_tokens = 0;
  double ai_tokens_per_s = 0;
  double park_p99_us = 0;     ///< reclaim request -> AI worker parked
  double reclaim_p99_us = 0;  ///< reclaim request -> the core's RAN worker running
  bool realtime = false;      ///< the RAN threads got their real-time priorities
  double slot_p99_us = 0;
  double slot_p50_us = 0;
  uint64_t tbs = 0, tbs_ok = 0;  ///< transport blocks decoded / with CRC ok
  uint64_t stage_errors = 0;     ///< receiver stage calls that failed
  uint64_t abandoned = 0;        ///< slots still in flight when the run stopped
  uint64_t tick_takeovers = 0;   ///< ticks handed from a stalled keeper to another core
  uint64_t feeder_backups = 0;   ///< hand-overs the ticks made for a late feeder (SlotFeed)
  double wall_s = 0;
  double ai_busy_core_s = 0;   ///< core time AI ran
  double lendable_core_s = 0;  ///< core time the RAN did not use (reclaimed_fraction's base)
  /// Slots with a deadline miss in each round, in round order. Over several rounds the counts
  /// above are sums, reclaimed_fraction and ai_tokens_per_s are over the rounds' total time, and
  /// the latency quantiles are over every round's samples (below).
  std::vector<uint64_t> misses_by_round;
  std::vector<int64_t> park_ns, reclaim_ns, slot_ns;  ///< latency samples, ns
};

/// Runs the benchmark; one row per policy (over every round), then the sweep points. Error: invalid
/// option (named) or setup failure.
Expected<std::vector<PolicyBenchRow>> run_policy_bench(const PolicyBenchOptions& options);

/// One predictor's best sweep point within a miss budget.
struct EqualMissPoint {
  std::string durations;  ///< "recent-quantile" or "model"
  bool found = false;     ///< some sweep point met the budget
  double quantile = 0;    ///< of that point
  double miss_rate = 0;
  double reclaimed_fraction = 0;
};

/// For each predictor of the sweep rows, the point with the largest reclaimed fraction whose miss
/// rate is at most `miss_budget`: the reclaimed fraction each predictor buys at equal misses.
std::vector<EqualMissPoint> best_within_misses(const std::vector<PolicyBenchRow>& rows,
                                               double miss_budget);

/// One goal of the runtime (issue 3), checked on a benchmark's rows.
struct PolicyGoalCheck {
  std::string goal;      ///< what is checked, in words
  bool checked = false;  ///< the rows it needs were run
  bool met = false;
  std::string measured;  ///< the numbers it was decided on
};

/// The runtime's goals on one benchmark's rows: `predictive` misses no more slots than `ran-only`
/// plus 1e-4 of them, reclaims >= 80 % of idle core time and parks AI within 50 us (p99);
/// `shared-naive` misses more slots than `ran-only`.
std::vector<PolicyGoalCheck> check_policy_goals(const std::vector<PolicyBenchRow>& rows);

}  // namespace airan::cli
