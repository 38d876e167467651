#include <algorithm>

#include "airan/rt/policy.h"

namespace airan::rt {
namespace {

class StaticPolicy final : public Policy {
 public:
  explicit StaticPolicy(unsigned ran_cores) : ran_cores_(ran_cores) {}
  std::string_view name() const override { return "static"; }
  CoreAllocation decide(const SchedulerState& state) override {
    return {std::min(ran_cores_, state.cores), false};
  }

 private:
  unsigned ran_cores_;
};

}  // namespace

std::unique_ptr<Policy> make_static_policy(unsigned ran_cores) {
  return std::make_unique<StaticPolicy>(ran_cores);
}

}  // namespace airan::rt
