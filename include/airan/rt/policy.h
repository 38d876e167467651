#pragma once
// Core allocation policies: each tick the scheduler measures a SchedulerState and asks the policy
// how many of its cores stay with the RAN; the rest are lent to AI. Policies are small objects
// with one decide() method so that they can be compared on the same traffic and seed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "airan/common/expected.h"
#include "airan/rt/ran_task.h"

namespace airan::rt {

/// Predicted RAN work still to do that is due by one deadline (one slot).
struct DeadlineDemand {
  Clock::time_point deadline;
  int64_t remaining_ns =
      0;  ///< Σ predicted remaining time of its tasks, ns (running: minus elapsed)
  Clock::time_point release{};  ///< when its samples are complete (past for released slots)
};

/// What the scheduler measured this tick.
struct SchedulerState {
  Clock::time_point now{};
  uint64_t tick = 0;
  unsigned cores = 0;           ///< cores the runtime manages
  unsigned ran_cores = 0;       ///< cores serving the RAN since the previous decision
  size_t ready_tasks = 0;       ///< released tasks waiting in the EDF queue
  size_t prev_ready_tasks = 0;  ///< the same, one tick earlier
  size_t running_tasks = 0;     ///< tasks executing on a worker now
  size_t waiting_tasks = 0;     ///< admitted tasks not yet released (time or predecessors)
  int64_t remaining_ns = 0;     ///< Σ DeadlineDemand::remaining_ns, ns
  /// Released work per deadline, earliest deadline first.
  std::span<const DeadlineDemand> demand;
  /// Slots not released yet, earliest release first: admitted ones (their schedule is known) and
  /// per cell the forecast of the next one not yet handed over.
  std::span<const DeadlineDemand> upcoming;
};

/// A policy's answer.
struct CoreAllocation {
  unsigned ran_cores = 0;  ///< cores (the first of the CPU list) serving the RAN exclusively
  bool shared = false;     ///< RAN and AI threads on every core at once; the OS decides
  bool operator==(const CoreAllocation&) const = default;
};

class Policy {
 public:
  virtual ~Policy() = default;
  /// Short name: "ran-only", "static", "shared-naive", "reactive", "predictive".
  virtual std::string_view name() const = 0;
  /// How many cores stay with the RAN for the coming period (clamped by the caller to cores).
  virtual CoreAllocation decide(const SchedulerState& state) = 0;
  /// How long before a slot's release this policy may want cores for it: with nothing released,
  /// the control loop sleeps until then (0: until the release).
  virtual std::chrono::nanoseconds lead_time() const { return {}; }
  /// True while this policy holds cores that it lends only after more quiet ticks (hysteresis):
  /// the control loop keeps ticking for it instead of going quiet, or the lending never comes.
  virtual bool waits_to_lend() const { return false; }
};

/// AI never runs: every core serves the RAN (the RAN latency baseline).
std::unique_ptr<Policy> make_ran_only_policy();

/// A fixed split: the first `ran_cores` cores serve the RAN, the rest are always lent.
std::unique_ptr<Policy> make_static_policy(unsigned ran_cores);

/// RAN and AI threads on all cores, the OS scheduler decides (what operators do today).
std::unique_ptr<Policy> make_shared_naive_policy();

struct ReactiveOptions {
  unsigned min_ran_cores = 0;   ///< never fewer cores than this serve the RAN
  size_t backlog_per_core = 1;  ///< ready tasks per RAN core tolerated before reclaiming (>= 1)
  unsigned quiet_ticks = 2;     ///< ticks with an empty ready queue before lending one core back
};

/// Reclaims cores when the RAN ready queue grows (one more core per backlog_per_core waiting
/// tasks), lends one back after quiet_ticks ticks without a waiting task.
std::unique_ptr<Policy> make_reactive_policy(const ReactiveOptions& options = {});

struct PredictiveOptions {
  unsigned min_ran_cores = 0;  ///< never fewer cores than this serve the RAN
  double headroom = 1.0;       ///< multiplies the predicted demand (>= 1)
  /// Time to a deadline below this counts as this (avoids dividing by ~0 right at a deadline).
  std::chrono::nanoseconds min_slack{std::chrono::microseconds(5)};
  /// Upcoming slots released within this time count as released, so their cores are reclaimed
  /// before the samples arrive (0: only released work counts).
  std::chrono::nanoseconds reserve_ahead{std::chrono::microseconds(100)};
};

/// Concordia-style reservation: for every deadline d, the released work due by d needs
/// ceil(Σ predicted remaining / (d - now)) cores; reserves the most any deadline needs (with one
/// slot in flight this is Σ remaining / time to the earliest deadline), at least one core while
/// any RAN task is ready or running, and never more cores than tasks that can run now (ready or
/// running; the next tick reclaims for tasks as they become ready). Upcoming slots due for
/// release within reserve_ahead count as released and get one core waiting for them.
std::unique_ptr<Policy> make_predictive_policy(const PredictiveOptions& options = {});

/// The policy named `name` ("ran-only", "static", "shared-naive", "reactive", "predictive");
/// `static_ran_cores` sizes "static". The error names `policy` and the known names.
Expected<std::unique_ptr<Policy>> make_policy(std::string_view name, unsigned static_ran_cores = 1);

/// The same with a floor under the RAN's cores for "reactive" and "predictive": `min_ran_cores`
/// cores always serve the RAN, so a released slot's first tasks never wait for a reclaim.
Expected<std::unique_ptr<Policy>> make_policy(std::string_view name, unsigned static_ran_cores,
                                              unsigned min_ran_cores);

/// What make_policy needs to build any of them.
struct PolicyOptions {
  unsigned static_ran_cores = 1;  ///< "static"
  unsigned min_ran_cores = 0;     ///< "reactive", "predictive"
  std::chrono::nanoseconds reserve_ahead{std::chrono::microseconds(100)};  ///< "predictive"
};

/// The same with every option.
Expected<std::unique_ptr<Policy>> make_policy(std::string_view name, const PolicyOptions& options);

/// Every policy name, comma separated.
std::string_view policy_names();

}  // namespace airan::rt
