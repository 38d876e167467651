// `airan bench policies` on a few slots: invariants only (no timing thresholds, the machine is
// shared).
#include "cli/bench_policies.h"

#include <gtest/gtest.h>

#include "airan/rt/cpu_affinity.h"

namespace airan::cli {
namespace {

TEST(BenchPolicies, RanOnlyAndStaticProcessEverySlot) {
  if (rt::allowed_cpus().size() < 2) GTEST_SKIP() << "static lends a core only with >= 2 CPUs";
  PolicyBenchOptions o;
  o.slots = 40;
  o.ues = 2;
  o.policies = {"ran-only", "static"};
  auto rows = run_policy_bench(o);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  for (const PolicyBenchRow& r : *rows) {
    SCOPED_TRACE(r.policy);
    EXPECT_EQ(r.submitted, 40u);
    EXPECT_EQ(r.slots, 40u);
    EXPECT_EQ(r.abandoned, 0u);
    EXPECT_EQ(r.stage_errors, 0u);
    EXPECT_GE(r.reclaimed_fraction, 0.0);
    EXPECT_LE(r.reclaimed_fraction, 1.0);
    EXPECT_GE(r.miss_rate, 0.0);
    EXPECT_LE(r.miss_rate, 1.0);
    EXPECT_LE(r.misses, r.slots);
  }
  EXPECT_EQ((*rows)[0].policy, "ran-only");
  EXPECT_EQ((*rows)[0].ai_tokens, 0u);
  EXPECT_EQ((*rows)[0].ai_tokens_per_s, 0.0);
  EXPECT_EQ((*rows)[1].policy, "static");
  EXPECT_GT((*rows)[1].ai_tokens, 0u);
  EXPECT_GT((*rows)[1].ai_tokens_per_s, 0.0);
}

TEST(BenchPolicies, UnknownPolicyIsRejectedByName) {
  PolicyBenchOptions o;
  o.slots = 1;
  o.policies = {"no-such-policy"};
  auto rows = run_policy_bench(o);
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().message.find("no-such-policy"), std::string::npos);
}

}  // namespace
}  // namespace airan::cli
