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

TEST(BenchPolicies, RoundsSumEachPolicysRunsInItsRow) {
  if (rt::allowed_cpus().size() < 2) GTEST_SKIP() << "static lends a core only with >= 2 CPUs";
  PolicyBenchOptions o;
  o.slots = 20;
  o.ues = 2;
  o.rounds = 3;
  o.policies = {"ran-only", "static"};
  auto rows = run_policy_bench(o);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  for (const PolicyBenchRow& r : *rows) {
    SCOPED_TRACE(r.policy);
    EXPECT_EQ(r.submitted, 60u);
    EXPECT_EQ(r.slots, 60u);
    ASSERT_EQ(r.misses_by_round.size(), 3u);
    EXPECT_EQ(r.misses_by_round[0] + r.misses_by_round[1] + r.misses_by_round[2], r.misses);
    EXPECT_DOUBLE_EQ(r.miss_rate, static_cast<double>(r.misses) / r.slots);
    EXPECT_EQ(r.slot_ns.size(), r.slots);  // the latency quantiles are over every round's slots
    EXPECT_GE(r.reclaimed_fraction, 0.0);
    EXPECT_LE(r.reclaimed_fraction, 1.0);
  }
  EXPECT_EQ((*rows)[0].policy, "ran-only");
  EXPECT_EQ((*rows)[0].ai_tokens, 0u);
  EXPECT_EQ((*rows)[1].policy, "static");
  EXPECT_GT((*rows)[1].ai_tokens, 0u);
  EXPECT_GT((*rows)[1].reclaimed_fraction, 0.0);
}

TEST(BenchPolicies, ZeroRoundsAreRejected) {
  PolicyBenchOptions o;
  o.slots = 1;
  o.rounds = 0;
  auto rows = run_policy_bench(o);
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().message.find("--rounds"), std::string::npos);
}

TEST(BenchPolicies, GoalsAreCheckedOnTheRowsTheyNeed) {
  const auto row = [](const char* policy, uint64_t misses, double reclaimed, double park_p99) {
    PolicyBenchRow r;
    r.policy = policy;
    r.slots = 10000;
    r.misses = misses;
    r.miss_rate = misses / 10000.0;
    r.reclaimed_fraction = reclaimed;
    r.park_p99_us = park_p99;
    return r;
  };
  // predictive: 2 misses more than ran-only in 10000 slots is 2e-4 > 1e-4.
  auto goals = check_policy_goals(
      {row("ran-only", 3, 0, 0), row("shared-naive", 40, 0.9, 0), row("predictive", 5, 0.81, 51)});
  ASSERT_EQ(goals.size(), 4u);
  for (const PolicyGoalCheck& g : goals) EXPECT_TRUE(g.checked) << g.goal;
  EXPECT_FALSE(goals[0].met);
  EXPECT_NE(goals[0].measured.find("5 of 10000"), std::string::npos) << goals[0].measured;
  EXPECT_TRUE(goals[1].met);
  EXPECT_FALSE(goals[2].met);
  EXPECT_TRUE(goals[3].met);
  goals = check_policy_goals(
      {row("ran-only", 3, 0, 0), row("shared-naive", 3, 0.9, 0), row("predictive", 4, 0.79, 50)});
  EXPECT_TRUE(goals[0].met);
  EXPECT_FALSE(goals[1].met);
  EXPECT_TRUE(goals[2].met);
  EXPECT_FALSE(goals[3].met);
  // Without ran-only, no comparison with it is made.
  goals = check_policy_goals({row("predictive", 4, 0.9, 10)});
  EXPECT_FALSE(goals[0].checked);
  EXPECT_TRUE(goals[1].checked);
  EXPECT_FALSE(goals[3].checked);
}

TEST(BenchPolicies, UnknownPolicyIsRejectedByName) {
  PolicyBenchOptions o;
  o.slots = 1;
  o.policies = {"no-such-policy"};
  auto rows = run_policy_bench(o);
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().message.find("no-such-policy"), std::string::npos);
}

TEST(BenchPolicies, EqualMissComparisonTakesEachPredictorsBestPointWithinTheBudget) {
  const auto row = [](const char* durations, double q, double misses, double reclaimed) {
    PolicyBenchRow r;
    r.policy = "predictive";
    r.durations = durations;
    r.quantile = q;
    r.sweep = true;
    r.miss_rate = misses;
    r.reclaimed_fraction = reclaimed;
    return r;
  };
  std::vector<PolicyBenchRow> rows = {
      row("recent-quantile", 0.5, 0.05, 0.6), row("recent-quantile", 0.99, 0.01, 0.4),
      row("model", 0.99, 0.02, 0.55), row("model", 0.9999, 0.01, 0.45),
      row("model", 0.99999, 0.0, 0.3)};
  rows.push_back(row("model", 0.9, 0.0, 0.9));
  rows.back().sweep = false;  // not a sweep point: ignored
  const auto at = best_within_misses(rows, 0.01);
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(at[0].durations, "recent-quantile");
  ASSERT_TRUE(at[0].found);
  EXPECT_DOUBLE_EQ(at[0].reclaimed_fraction, 0.4);
  EXPECT_EQ(at[1].durations, "model");
  ASSERT_TRUE(at[1].found);
  EXPECT_DOUBLE_EQ(at[1].quantile, 0.9999);
  EXPECT_DOUBLE_EQ(at[1].reclaimed_fraction, 0.45);
  const auto none = best_within_misses(rows, -1);
  EXPECT_FALSE(none[0].found);
  EXPECT_FALSE(none[1].found);
}

TEST(BenchPolicies, SweepNeedsThePredictiveRunsTrace) {
  PolicyBenchOptions o;
  o.slots = 1;
  o.sweep = true;
  o.policies = {"ran-only"};
  auto rows = run_policy_bench(o);
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().message.find("--sweep"), std::string::npos);
}

}  // namespace
}  // namespace airan::cli
