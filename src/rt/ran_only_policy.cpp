#include "airan/rt/policy.h"

namespace airan::rt {
namespace {

class RanOnlyPolicy final : public Policy {
 public:
  std::string_view name() const override { return "ran-only"; }
  CoreAllocation decide(const SchedulerState& state) override { return {state.cores, false}; }
};

}  // namespace

std::unique_ptr<Policy> make_ran_only_policy() {
  return std::make_unique<RanOnlyPolicy>();
}

}  // namespace airan::rt
