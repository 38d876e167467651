#include <algorithm>
#include <cmath>
#include <vector>

#include "airan/rt/policy.h"

namespace airan::rt {
namespace {

class PredictivePolicy final : public Policy {
 public:
  explicit PredictivePolicy(const PredictiveOptions& options) : options_(options) {
    options_.headroom = std::max(options_.headroom, 1.0);
  }
  std::string_view name() const override { return "predictive"; }
  std::chrono::nanoseconds lead_time() const override { return options_.reserve_ahead; }

  CoreAllocation decide(const SchedulerState& state) override {
    // EDF meets every deadline on k cores if, for each deadline d, the work due by d fits in
    // k * (d - now). Concordia sizes k with Σ (predicted WCET - elapsed) / time to the deadline.
    // Released work and upcoming work due soon, merged by deadline (both lists are short).
    merged_.assign(state.demand.begin(), state.demand.end());
    for (const DeadlineDemand& u : state.upcoming) {
      if (u.release - state.now <= options_.reserve_ahead) merged_.push_back(u);
    }
    std::sort(merged_.begin(), merged_.end(), [](const DeadlineDemand& a, const DeadlineDemand& b) {
      return a.deadline < b.deadline;
    });
    double cores_needed = 0;
    int64_t due_ns = 0;
    const int64_t min_slack_ns = std::max<int64_t>(options_.min_slack.count(), 1);
    for (const DeadlineDemand& d : merged_) {
      due_ns += std::max<int64_t>(d.remaining_ns, 0);
      const int64_t slack_ns = std::max(
          std::chrono::duration_cast<std::chrono::nanoseconds>(d.deadline - state.now).count(),
          min_slack_ns);
      cores_needed = std::max(cores_needed, options_.headroom * static_cast<double>(due_ns) /
                                                static_cast<double>(slack_ns));
    }
    auto ran = static_cast<unsigned>(std::min<double>(std::ceil(cores_needed), state.cores));
    // A core runs one task at a time: cores beyond the tasks that can run now would sit idle until
    // more are ready, and the tick that sees them ready reclaims for them then. Work about to be
    // released needs one core waiting for it (its first tasks start there while the next tick
    // sizes the rest), however little it is.
    const bool release_soon = merged_.size() > state.demand.size() && cores_needed > 0;
    const size_t can_run = state.ready_tasks + state.running_tasks + (release_soon ? 1 : 0);
    ran = static_cast<unsigned>(std::min<size_t>(ran, can_run));
    if (can_run > 0) ran = std::max(ran, 1u);
    ran = std::max(ran, options_.min_ran_cores);
    return {std::min(ran, state.cores), false};
  }

 private:
  PredictiveOptions options_;
  std::vector<DeadlineDemand> merged_;
};

}  // namespace

std::unique_ptr<Policy> make_predictive_policy(const PredictiveOptions& options) {
  return std::make_unique<PredictivePolicy>(options);
}

}  // namespace airan::rt
