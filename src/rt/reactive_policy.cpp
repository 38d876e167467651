#include <algorithm>

#include "airan/rt/policy.h"

namespace airan::rt {
namespace {

class ReactivePolicy final : public Policy {
 public:
  explicit ReactivePolicy(const ReactiveOptions& options) : options_(options) {
    options_.backlog_per_core = std::max<size_t>(options_.backlog_per_core, 1);
  }
  std::string_view name() const override { return "reactive"; }
  bool waits_to_lend() const override { return waits_to_lend_; }

  CoreAllocation decide(const SchedulerState& state) override {
    const unsigned floor = std::min(options_.min_ran_cores, state.cores);
    unsigned ran = std::clamp(state.ran_cores, floor, state.cores);
    // Cores the backlog asks for: the running tasks keep theirs, plus one per backlog_per_core
    // waiting tasks (rounded up).
    const size_t wanted =
        state.running_tasks +
        (state.ready_tasks + options_.backlog_per_core - 1) / options_.backlog_per_core;
    if (state.ready_tasks > 0 && wanted > ran) {
      ran = static_cast<unsigned>(std::min<size_t>(wanted, state.cores));
      quiet_ = 0;
    } else if (state.ready_tasks == 0 && state.running_tasks < ran) {
      // Lend one core back only after the queue has stayed empty a while (hysteresis).
      if (++quiet_ >= options_.quiet_ticks && ran > floor) {
        --ran;
        quiet_ = 0;
      }
    } else {
      quiet_ = 0;
    }
    waits_to_lend_ = ran > floor;
    return {ran, false};
  }

 private:
  ReactiveOptions options_;
  unsigned quiet_ = 0;
  bool waits_to_lend_ = false;
};

}  // namespace

std::unique_ptr<Policy> make_reactive_policy(const ReactiveOptions& options) {
  return std::make_unique<ReactivePolicy>(options);
}

}  // namespace airan::rt
