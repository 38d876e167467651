#include <string>

#include "airan/rt/policy.h"

namespace airan::rt {

std::string_view policy_names() {
  return "ran-only, static, shared-naive, reactive, predictive";
}

Expected<std::unique_ptr<Policy>> make_policy(std::string_view name, unsigned static_ran_cores) {
  return make_policy(name, static_ran_cores, 0);
}

Expected<std::unique_ptr<Policy>> make_policy(std::string_view name, unsigned static_ran_cores,
                                              unsigned min_ran_cores) {
  PolicyOptions o;
  o.static_ran_cores = static_ran_cores;
  o.min_ran_cores = min_ran_cores;
  return make_policy(name, o);
}

Expected<std::unique_ptr<Policy>> make_policy(std::string_view name, const PolicyOptions& options) {
  const unsigned static_ran_cores = options.static_ran_cores;
  const unsigned min_ran_cores = options.min_ran_cores;
  if (name == "ran-only") return make_ran_only_policy();
  if (name == "static") return make_static_policy(static_ran_cores);
  if (name == "shared-naive") return make_shared_naive_policy();
  if (name == "reactive") {
    ReactiveOptions o;
    o.min_ran_cores = min_ran_cores;
    return make_reactive_policy(o);
  }
  if (name == "predictive") {
    PredictiveOptions o;
    o.min_ran_cores = min_ran_cores;
    o.reserve_ahead = options.reserve_ahead;
    return make_predictive_policy(o);
  }
  return Error{"policy: unknown \"" + std::string(name) + "\"; expected one of " +
               std::string(policy_names())};
}

}  // namespace airan::rt
