#include "airan/rt/policy.h"

#include <gtest/gtest.h>

#include <vector>

namespace airan::rt {
namespace {

using std::chrono::microseconds;

SchedulerState state_with(unsigned cores, unsigned ran_cores, size_t ready, size_t running) {
  SchedulerState s;
  s.now = Clock::now();
  s.cores = cores;
  s.ran_cores = ran_cores;
  s.ready_tasks = ready;
  s.running_tasks = running;
  return s;
}

TEST(RanOnlyPolicy, AlwaysEveryCore) {
  auto p = make_ran_only_policy();
  EXPECT_EQ(p->name(), "ran-only");
  for (size_t ready : {0u, 3u, 100u}) {
    EXPECT_EQ(p->decide(state_with(4, 1, ready, 0)), (CoreAllocation{4, false}));
  }
}

TEST(StaticPolicy, FixedSplitClampedToTheCores) {
  auto p = make_static_policy(2);
  EXPECT_EQ(p->name(), "static");
  for (size_t ready : {0u, 5u, 500u}) {
    EXPECT_EQ(p->decide(state_with(4, 4, ready, 2)), (CoreAllocation{2, false}));
  }
  EXPECT_EQ(make_static_policy(8)->decide(state_with(3, 0, 0, 0)).ran_cores, 3u);
}

TEST(SharedNaivePolicy, SharesEveryCore) {
  auto p = make_shared_naive_policy();
  EXPECT_EQ(p->decide(state_with(2, 0, 0, 0)), (CoreAllocation{2, true}));
  EXPECT_EQ(p->decide(state_with(2, 2, 9, 2)), (CoreAllocation{2, true}));
}

TEST(ReactivePolicy, ReclaimsWhenTheQueueGrowsAndLendsBackAfterQuiet) {
  ReactiveOptions o;
  o.min_ran_cores = 0;
  o.backlog_per_core = 2;
  o.quiet_ticks = 3;
  auto p = make_reactive_policy(o);
  // Nothing queued: nothing reserved.
  EXPECT_EQ(p->decide(state_with(8, 0, 0, 0)).ran_cores, 0u);
  // 5 ready tasks, 2 per core -> 3 cores.
  EXPECT_EQ(p->decide(state_with(8, 0, 5, 0)).ran_cores, 3u);
  // The queue grows further while 3 run: 3 running + ceil(6 / 2).
  EXPECT_EQ(p->decide(state_with(8, 3, 6, 3)).ran_cores, 6u);
  // Never more than the cores.
  EXPECT_EQ(p->decide(state_with(8, 6, 40, 6)).ran_cores, 8u);
  // The backlog drains: keep the cores during quiet_ticks - 1 quiet ticks, then lend one back.
  EXPECT_EQ(p->decide(state_with(8, 8, 0, 0)).ran_cores, 8u);
  EXPECT_EQ(p->decide(state_with(8, 8, 0, 0)).ran_cores, 8u);
  EXPECT_EQ(p->decide(state_with(8, 8, 0, 0)).ran_cores, 7u);
  // A backlog the current cores cover changes nothing.
  EXPECT_EQ(p->decide(state_with(8, 7, 1, 6)).ran_cores, 7u);
}

TEST(ReactivePolicy, KeepsTheMinimum) {
  ReactiveOptions o;
  o.min_ran_cores = 1;
  o.quiet_ticks = 1;
  auto p = make_reactive_policy(o);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(p->decide(state_with(4, 1, 0, 0)).ran_cores, 1u);
}

TEST(PredictivePolicy, ReservesRemainingWorkOverTimeToDeadline) {
  auto p = make_predictive_policy();
  SchedulerState s = state_with(8, 0, 4, 0);
  // 1000 µs of predicted work due in 300 µs -> ceil(3.33) = 4 cores.
  const std::vector<DeadlineDemand> one = {{s.now + microseconds(300), 1'000'000}};
  s.demand = one;
  s.remaining_ns = 1'000'000;
  EXPECT_EQ(p->decide(s).ran_cores, 4u);
  // Exactly 3 cores' worth: 900 µs in 300 µs.
  const std::vector<DeadlineDemand> exact = {{s.now + microseconds(300), 900'000}};
  s.demand = exact;
  EXPECT_EQ(p->decide(s).ran_cores, 3u);
}

TEST(PredictivePolicy, TakesTheMostDemandingDeadline) {
  auto p = make_predictive_policy();
  SchedulerState s = state_with(16, 0, 6, 0);
  // Slot A: 200 µs due in 100 µs (2 cores). A + B: 200 + 1000 µs due in 400 µs (3 cores).
  // Slot C alone would need little, but A + B + C: 1200 + 2000 in 600 µs -> ceil(5.33) = 6.
  const std::vector<DeadlineDemand> d = {{s.now + microseconds(100), 200'000},
                                         {s.now + microseconds(400), 1'000'000},
                                         {s.now + microseconds(600), 2'000'000}};
  s.demand = d;
  EXPECT_EQ(p->decide(s).ran_cores, 6u);
  // Clamped to the cores.
  s.cores = 4;
  EXPECT_EQ(p->decide(s).ran_cores, 4u);
}

TEST(PredictivePolicy, NoWorkNoCoresButOneWhileAnythingRuns) {
  auto p = make_predictive_policy();
  EXPECT_EQ(p->decide(state_with(4, 2, 0, 0)).ran_cores, 0u);
  // A task runs with its prediction already used up: still one core.
  SchedulerState s = state_with(4, 2, 0, 1);
  const std::vector<DeadlineDemand> spent = {{s.now + microseconds(500), 0}};
  s.demand = spent;
  EXPECT_EQ(p->decide(s).ran_cores, 1u);
}

TEST(PredictivePolicy, PastDeadlineTakesEveryCore) {
  auto p = make_predictive_policy();
  SchedulerState s = state_with(4, 1, 4, 0);
  const std::vector<DeadlineDemand> late = {{s.now - microseconds(10), 50'000}};
  s.demand = late;
  EXPECT_EQ(p->decide(s).ran_cores, 4u);
}

TEST(PredictivePolicy, NeverMoreCoresThanTasksThatCanRun) {
  auto p = make_predictive_policy();
  // 1000 µs due in 300 µs would take 4 cores, but only the tasks ready or running can use one.
  SchedulerState s = state_with(8, 0, 1, 1);
  const std::vector<DeadlineDemand> d = {{s.now + microseconds(300), 1'000'000}};
  s.demand = d;
  EXPECT_EQ(p->decide(s).ran_cores, 2u);
  s.running_tasks = 0;
  EXPECT_EQ(p->decide(s).ran_cores, 1u);
  s.ready_tasks = 7;
  EXPECT_EQ(p->decide(s).ran_cores, 4u);
}

TEST(PredictivePolicy, MinimumAndHeadroom) {
  PredictiveOptions o;
  o.min_ran_cores = 2;
  o.headroom = 2.0;
  auto p = make_predictive_policy(o);
  SchedulerState s = state_with(8, 0, 0, 0);
  EXPECT_EQ(p->decide(s).ran_cores, 2u);
  const std::vector<DeadlineDemand> d = {{s.now + microseconds(1000), 1'500'000}};
  s.demand = d;
  s.ready_tasks = 4;
  EXPECT_EQ(p->decide(s).ran_cores, 3u);  // 2 x 1.5 cores
}

TEST(PredictivePolicy, ReservesForSlotsAboutToBeReleased) {
  PredictiveOptions o;
  o.reserve_ahead = microseconds(100);
  auto p = make_predictive_policy(o);
  SchedulerState s = state_with(4, 0, 0, 0);
  // 1200 µs of work released in 150 µs, due in 450 µs: not yet.
  std::vector<DeadlineDemand> up = {
      {s.now + microseconds(450), 1'200'000, s.now + microseconds(150)}};
  s.upcoming = up;
  EXPECT_EQ(p->decide(s).ran_cores, 0u);
  // Released in 50 µs: a core waits for it now; the tick that sees its tasks ready sizes the rest
  // (1200 µs in 450 µs -> 3).
  up[0].release = s.now + microseconds(50);
  EXPECT_EQ(p->decide(s).ran_cores, 1u);
  s.ready_tasks = 1;  // another slot's task, ready now: it and the coming slot
  EXPECT_EQ(p->decide(s).ran_cores, 2u);
  s.ready_tasks = 0;
  // However little the work, a core waits for it.
  up[0].remaining_ns = 1'000;
  EXPECT_EQ(p->decide(s).ran_cores, 1u);
  // Off: only released work counts.
  o.reserve_ahead = microseconds(0);
  auto off = make_predictive_policy(o);
  EXPECT_EQ(off->decide(s).ran_cores, 0u);
}

TEST(PolicyFactory, KnowsEveryNameAndRejectsOthers) {
  for (const char* name : {"ran-only", "static", "shared-naive", "reactive", "predictive"}) {
    auto p = make_policy(name, 1);
    ASSERT_TRUE(p) << name;
    EXPECT_EQ((*p)->name(), name);
  }
  auto bad = make_policy("greedy");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("policy"), std::string::npos);
  EXPECT_NE(bad.error().message.find("predictive"), std::string::npos);
}

}  // namespace
}  // namespace airan::rt
