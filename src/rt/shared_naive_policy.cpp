#include "airan/rt/policy.h"

namespace airan::rt {
namespace {

class SharedNaivePolicy final : public Policy {
 public:
  std::string_view name() const override { return "shared-naive"; }
  CoreAllocation decide(const SchedulerState& state) override { return {state.cores, true}; }
};

}  // namespace

std::unique_ptr<Policy> make_shared_naive_policy() {
  return std::make_unique<SharedNaivePolicy>();
}

}  // namespace airan::rt
