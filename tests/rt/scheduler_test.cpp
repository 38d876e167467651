// End-to-end runs of the runtime with real work (LDPC decoding slots, int8 AI steps) under every
// policy. Checks invariants only: the machine is shared, so nothing here depends on timing.
#include "airan/rt/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <thread>

#include "airan/rt/cpu_affinity.h"
#include "airan/rt/recent_quantile_model.h"
#include "rt/test_workloads.h"

namespace airan::rt {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

std::vector<int> test_cpus() {
  std::vector<int> cpus = allowed_cpus();
  if (cpus.size() > 4) cpus.resize(4);
  return cpus;
}

TEST(SchedulerConfig, RejectsBadFieldsByName) {
  SchedulerConfig c;
  c.cpus = {CPU_SETSIZE - 1};
  Status s = validate(c);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("cpus[0]"), std::string::npos) << s.message();
  c.cpus = test_cpus();
  EXPECT_TRUE(validate(c)) << validate(c).message();
  c.cpus.push_back(c.cpus[0]);
  EXPECT_NE(validate(c).message().find("twice"), std::string::npos);
  c.cpus = test_cpus();
  c.period = std::chrono::nanoseconds(500);
  EXPECT_NE(validate(c).message().find("period"), std::string::npos);
  c.period = microseconds(20);
  c.realtime_priority = 99;
  EXPECT_NE(validate(c).message().find("realtime_priority"), std::string::npos);
  c.realtime_priority = 0;
  c.park_grace = std::chrono::seconds(1);
  EXPECT_NE(validate(c).message().find("park_grace"), std::string::npos);
  c.park_grace = microseconds(20);
  c.idle_wait = std::chrono::seconds(2);
  EXPECT_NE(validate(c).message().find("idle_wait"), std::string::npos);
  c.idle_wait = milliseconds(1);
  c.cpus.clear();
  EXPECT_NE(validate(c).message().find("cpus"), std::string::npos);
}

TEST(Scheduler, RejectsAnAiWorkloadWithTooFewCores) {
  auto model = RecentQuantileModel::create({});
  ASSERT_TRUE(model);
  SchedulerConfig c;
  c.cpus = test_cpus();
  testing::TestDotProductAiWorkload ai(static_cast<unsigned>(c.cpus.size()) - 1, 2, 2);
  auto s = Scheduler::create(c, make_ran_only_policy(), *model, &ai);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("ai"), std::string::npos);
}

struct PolicyRun {
  MetricsSummary summary;
  uint64_t ai_steps = 0, ai_busy_ns = 0, ai_worker_pieces = 0;
  bool realtime = false;
};

// 200 slots of 30 kHz SCS (0.5 ms), each: demap -> 4 LDPC decodes -> CRC, deadline 3 slots after
// the slot's release; AI steps run on whatever the policy lends.
PolicyRun run_policy(std::unique_ptr<Policy> policy, unsigned slots = 200,
                     int realtime_priority = 0) {
  const std::string name(policy->name());
  SCOPED_TRACE(name);
  PolicyRun out;
  auto model = RecentQuantileModel::create({});
  EXPECT_TRUE(model);
  SchedulerConfig config;
  config.cpus = test_cpus();
  config.realtime_priority = realtime_priority;
  testing::TestDotProductAiWorkload ai(static_cast<unsigned>(config.cpus.size()), 16, 16);
  auto created = Scheduler::create(config, std::move(policy), *model, &ai);
  EXPECT_TRUE(created) << (created ? "" : created.error().message);
  if (!created) return out;
  Scheduler& scheduler = **created;
  const testing::TestLdpcSlotFactory factory(4, 128, 3.0);
  const unsigned tasks_per_slot = factory.tasks_per_slot();

  std::vector<std::shared_ptr<testing::TestLdpcSlotResult>> results;
  scheduler.start();
  const Clock::time_point t0 = Clock::now() + milliseconds(2);
  for (unsigned k = 0; k < slots; ++k) {
    const Clock::time_point release = t0 + microseconds(500) * k;
    results.push_back(std::make_shared<testing::TestLdpcSlotResult>());
    scheduler.submit(
        factory.make_slot(0, k, release, release + microseconds(1500), results.back()));
  }
  EXPECT_TRUE(scheduler.wait_idle(std::chrono::seconds(120)));
  out.realtime = scheduler.realtime();
  scheduler.stop();
  EXPECT_EQ(scheduler.abandoned_slots(), 0u);

  const RuntimeMetrics& m = scheduler.metrics();
  out.summary = m.summary();
  out.ai_steps = ai.steps();
  out.ai_busy_ns = ai.busy_ns();
  for (unsigned c = 0; c < ai.cores(); ++c) out.ai_worker_pieces += ai.pieces_run(c);

  // Every slot completed, every task ran exactly once, in dependency order, after its release.
  EXPECT_EQ(out.summary.slots, slots);
  EXPECT_EQ(out.summary.tasks, uint64_t{slots} * tasks_per_slot);
  std::vector<int> runs(size_t{slots} * tasks_per_slot, 0);
  std::map<std::pair<uint64_t, uint32_t>, const TaskRecord*> by_task;
  size_t missed_records = 0;
  for (const TaskRecord& r : m.tasks()) {
    EXPECT_LT(r.slot, slots);
    EXPECT_LT(r.task, tasks_per_slot);
    if (r.slot >= slots || r.task >= tasks_per_slot) continue;
    ++runs[r.slot * tasks_per_slot + r.task];
    by_task[{r.slot, r.task}] = &r;
    EXPECT_GE(r.start_ns, r.release_ns);
    EXPECT_GE(r.end_ns, r.start_ns);
    EXPECT_EQ(r.actual_ns, r.end_ns - r.start_ns);
    missed_records += r.missed() ? 1 : 0;
  }
  for (int n : runs) EXPECT_EQ(n, 1);
  for (unsigned k = 0; k < slots && by_task.size() == runs.size(); ++k) {
    const TaskRecord* demap = by_task[{k, 0}];
    const TaskRecord* crc = by_task[{k, tasks_per_slot - 1}];
    for (uint32_t t = 1; t + 1 < tasks_per_slot; ++t) {
      const TaskRecord* decode = by_task[{k, t}];
      EXPECT_GE(decode->start_ns, demap->end_ns);
      EXPECT_GE(crc->start_ns, decode->end_ns);
    }
  }
  // The work was real and right: every code block decoded and passed its CRC.
  for (const auto& r : results) {
    EXPECT_TRUE(r->crc_ran);
    EXPECT_EQ(r->crc_ok, tasks_per_slot - 2);
  }
  // Every miss is recorded, with its slot, task, predicted and actual duration.
  EXPECT_EQ(m.misses().size(), missed_records);
  EXPECT_EQ(out.summary.misses, missed_records);
  uint64_t per_type = 0;
  for (uint64_t n : out.summary.misses_per_type) per_type += n;
  EXPECT_EQ(per_type, missed_records);
  for (const DeadlineMiss& miss : m.misses()) {
    const TaskRecord* r = by_task[{miss.slot, miss.task}];
    EXPECT_NE(r, nullptr);
    if (r == nullptr) continue;
    EXPECT_TRUE(r->missed());
    EXPECT_EQ(miss.actual_ns, r->actual_ns);
    EXPECT_EQ(miss.predicted_ns, r->predicted_ns);
    EXPECT_GT(miss.late_ns, 0);
  }
  size_t missed_slots = 0;
  for (const SlotRecord& s : m.slots()) missed_slots += s.missed ? 1 : 0;
  EXPECT_EQ(out.summary.missed_slots, missed_slots);
  // Core time adds up.
  EXPECT_GE(out.summary.reclaimed_fraction, 0.0);
  EXPECT_LE(out.summary.reclaimed_fraction, 1.0);
  EXPECT_GT(out.summary.ran_busy_ns, 0.0);
  EXPECT_GT(m.tick_count(), 0u);
  EXPECT_EQ(out.summary.park_latency.count, m.park_latencies_ns().size());
  // Predictions were made for every task.
  for (const TaskRecord& r : m.tasks()) EXPECT_GT(r.predicted_ns, 0);
  std::printf(
      "[ %-12s ] slots %llu misses %llu slot p50/p99/max %.0f/%.0f/%.0f us  reclaimed %.3f  "
      "ai steps %llu  park p50/p99 %.1f/%.1f us (%zu)  tick period mean %.1f us jitter %.1f us\n",
      name.c_str(), static_cast<unsigned long long>(out.summary.slots),
      static_cast<unsigned long long>(out.summary.misses), out.summary.slot_latency.p50_us,
      out.summary.slot_latency.p99_us, out.summary.slot_latency.max_us,
      out.summary.reclaimed_fraction, static_cast<unsigned long long>(out.ai_steps),
      out.summary.park_latency.p50_us, out.summary.park_latency.p99_us,
      out.summary.park_latency.count, out.summary.tick_period.mean_us,
      out.summary.period_jitter_us);
  return out;
}

TEST(SchedulerEndToEnd, RanOnlyNeverRunsAi) {
  const PolicyRun r = run_policy(make_ran_only_policy());
  EXPECT_EQ(r.ai_steps, 0u);
  EXPECT_EQ(r.ai_busy_ns, 0u);
  EXPECT_EQ(r.ai_worker_pieces, 0u);
  EXPECT_EQ(r.summary.ai_busy_ns, 0.0);
  EXPECT_EQ(r.summary.reclaimed_fraction, 0.0);
  EXPECT_EQ(r.summary.park_latency.count, 0u);
}

TEST(SchedulerEndToEnd, StaticLendsTheOtherCores) {
  const PolicyRun r = run_policy(make_static_policy(1));
  if (test_cpus().size() >= 2) {
    EXPECT_GT(r.ai_steps, 0u);
  }
}

TEST(SchedulerEndToEnd, SharedNaive) {
  run_policy(make_shared_naive_policy());
}

TEST(SchedulerEndToEnd, Reactive) {
  run_policy(make_reactive_policy());
}

TEST(SchedulerEndToEnd, Predictive) {
  run_policy(make_predictive_policy());
}

// With nothing released the control loop does not tick through the wait: every tick on a lent
// core costs the AI a wake-up. One slot released 30 ms after it is handed over: at the 20 µs
// period the wait would be 1500 ticks; quiet, it is a few (one per idle_wait, 1 ms, at most).
TEST(SchedulerEndToEnd, QuietUntilTheNextRelease) {
  auto model = RecentQuantileModel::create({});
  ASSERT_TRUE(model);
  SchedulerConfig config;
  config.cpus = test_cpus();
  testing::TestDotProductAiWorkload ai(static_cast<unsigned>(config.cpus.size()), 16, 16);
  auto created = Scheduler::create(config, make_predictive_policy(), *model, &ai);
  ASSERT_TRUE(created) << created.error().message;
  Scheduler& scheduler = **created;
  const testing::TestLdpcSlotFactory factory(4, 128, 3.0);
  auto result = std::make_shared<testing::TestLdpcSlotResult>();
  scheduler.start();
  std::this_thread::sleep_for(milliseconds(2));
  const Clock::time_point release = Clock::now() + milliseconds(30);
  scheduler.submit(factory.make_slot(0, 0, release, release + milliseconds(30), result));
  const uint64_t ticks_before = scheduler.live().ticks;
  std::this_thread::sleep_until(release - milliseconds(5));
  EXPECT_LT(scheduler.live().ticks - ticks_before, 150u);
  EXPECT_TRUE(scheduler.wait_idle(std::chrono::seconds(30)));
  scheduler.stop();
  EXPECT_TRUE(result->crc_ran);
  EXPECT_EQ(scheduler.metrics().summary().slots, 1u);
}

// A policy whose hysteresis counts more ticks than the loop's settling still gets them before
// the loop goes quiet: reactive (20 quiet ticks) lends its cores back soon after the last slot,
// not after 20 idle_wait ticks (here 1 s each).
TEST(SchedulerEndToEnd, ReactiveLendsBackAfterItsQuietTicks) {
  auto model = RecentQuantileModel::create({});
  ASSERT_TRUE(model);
  SchedulerConfig config;
  config.cpus = test_cpus();
  config.idle_wait = std::chrono::seconds(1);
  testing::TestDotProductAiWorkload ai(static_cast<unsigned>(config.cpus.size()), 16, 16);
  ReactiveOptions options;
  options.quiet_ticks = 20;
  auto created = Scheduler::create(config, make_reactive_policy(options), *model, &ai);
  ASSERT_TRUE(created) << created.error().message;
  Scheduler& scheduler = **created;
  const testing::TestLdpcSlotFactory factory(4, 128, 3.0);
  auto result = std::make_shared<testing::TestLdpcSlotResult>();
  scheduler.start();
  const Clock::time_point release = Clock::now() + milliseconds(1);
  scheduler.submit(factory.make_slot(0, 0, release, release + milliseconds(30), result));
  EXPECT_TRUE(scheduler.wait_idle(std::chrono::seconds(30)));
  EXPECT_GT(scheduler.live().ran_core_ticks, 0u);  // the slot reclaimed cores
  // Quiet before its hysteresis ran out, the loop would hold the cores through idle_wait (1 s).
  const Clock::time_point give_up = Clock::now() + milliseconds(300);
  while (scheduler.live().ran_cores > 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(microseconds(200));
  }
  EXPECT_EQ(scheduler.live().ran_cores, 0u);
  scheduler.stop();
  EXPECT_TRUE(result->crc_ran);
}

// A started runtime on the test CPUs under static(1): core 0, the keeper's, serves the RAN alone
// and the others are lent to a small AI workload.
struct KeeperOnlyRuntime {
  explicit KeeperOnlyRuntime(std::unique_ptr<Policy> policy = make_static_policy(1))
      : model(RecentQuantileModel::create({})),
        ai(static_cast<unsigned>(test_cpus().size()), 16, 16) {
    if (!model) {
      error = model.error().message;
      return;
    }
    SchedulerConfig config;
    config.cpus = test_cpus();
    auto created = Scheduler::create(config, std::move(policy), *model, &ai);
    if (!created) {
      error = created.error().message;
      return;
    }
    scheduler = std::move(*created);
    scheduler->start();
    std::this_thread::sleep_for(milliseconds(5));  // the first ticks have split the cores
  }
  Expected<RecentQuantileModel> model;
  testing::TestDotProductAiWorkload ai;
  std::unique_ptr<Scheduler> scheduler;  // last: stops before the AI workload goes
  std::string error;
};

// A keeper that stops running (here: held in a task, as a vCPU the hypervisor deschedules holds
// it) while its core is the only one the RAN has: the slot submitter (or the AI threads on the
// lent core) hands the ticks to core 1's worker, the RAN gets core 1 as well, and the slots
// released meanwhile are decoded there. The task holds the keeper until they are (5 s at most:
// without the hand-over they would wait for it). Once the keeper runs again, the split is the
// policy's again.
TEST(SchedulerEndToEnd, AStalledKeeperHandsItsTicksToAnotherCore) {
  if (test_cpus().size() < 2) GTEST_SKIP() << "needs 2 CPUs";
  KeeperOnlyRuntime run;
  ASSERT_TRUE(run.scheduler) << run.error;
  Scheduler& scheduler = *run.scheduler;

  const unsigned slots = 20;  // released 1-10 ms into the stall
  std::atomic<int64_t> stall_end{0};
  std::atomic<bool> holding{false};
  const Clock::time_point t0 = Clock::now() + milliseconds(1);
  const Clock::time_point deadline = t0 + std::chrono::seconds(10);
  // An earlier deadline than the slots': EDF runs the blocker first even when a slow start admits
  // it together with them (CI under ASan once ran slots on core 0 before it).
  auto blocker = std::make_unique<SlotTaskGraph>(0, 0, t0, deadline - std::chrono::seconds(1));
  blocker->add(RanTaskType::other, predict::missing_features(), [&] {
    holding.store(true);
    const Clock::time_point give_up = Clock::now() + std::chrono::seconds(5);
    while (scheduler.live().slots_done < slots && Clock::now() < give_up) {
    }
    stall_end.store(to_ns(Clock::now()));
  });
  scheduler.submit(std::move(blocker));
  // The slots come once the keeper is held (a loaded machine may start the blocker late).
  const Clock::time_point hold_give_up = Clock::now() + std::chrono::seconds(5);
  while (!holding.load() && Clock::now() < hold_give_up) {
    std::this_thread::sleep_for(microseconds(50));
  }
  ASSERT_TRUE(holding.load()) << "the blocker never ran";
  const Clock::time_point t1 = Clock::now();

  const testing::TestLdpcSlotFactory factory(2, 64, 3.0);
  std::vector<std::shared_ptr<testing::TestLdpcSlotResult>> results;
  for (unsigned k = 1; k <= slots; ++k) {
    const Clock::time_point release = t1 + microseconds(500) * (k + 1);
    std::this_thread::sleep_until(release - microseconds(100));
    results.push_back(std::make_shared<testing::TestLdpcSlotResult>());
    scheduler.submit(factory.make_slot(0, k, release, deadline, results.back()));
  }
  EXPECT_TRUE(scheduler.wait_idle(std::chrono::seconds(30)));
  // Back from the stall, the keeper ticks again and static holds one core again.
  const Clock::time_point give_up = Clock::now() + milliseconds(500);
  while (scheduler.live().ran_cores != 1 && Clock::now() < give_up) {
    std::this_thread::sleep_for(microseconds(200));
  }
  EXPECT_EQ(scheduler.live().ran_cores, 1u);
  scheduler.stop();

  const RuntimeMetrics& m = scheduler.metrics();
  EXPECT_GE(m.summary().tick_takeovers, 1u);
  const int64_t run_start = to_ns(t0) - m.since_start_ns(t0);
  unsigned during_stall = 0;
  for (const TaskRecord& r : m.tasks()) {
    if (r.slot == 0) {
      EXPECT_EQ(r.core, 0u);  // the keeper's core ran the blocker
      continue;
    }
    if (r.end_ns + run_start < stall_end.load()) {
      ++during_stall;
      EXPECT_EQ(r.core, 1u);
    }
  }
  // Every slot's tasks (demap, 2 decodes, CRC) finished while the keeper was held.
  EXPECT_EQ(during_stall, slots * factory.tasks_per_slot());
  for (const auto& r : results) EXPECT_EQ(r->crc_ok, 2u);
}

// With no slot submitted during the stall, the AI threads on the lent core notice it between their
// pieces and hand the ticks over: the task that holds the keeper ends when they have (5 s at most).
TEST(SchedulerEndToEnd, TheAiOnALentCoreNoticesAStalledKeeper) {
  if (test_cpus().size() < 2) GTEST_SKIP() << "needs 2 CPUs";
  KeeperOnlyRuntime run;
  ASSERT_TRUE(run.scheduler) << run.error;
  Scheduler& scheduler = *run.scheduler;
  const Clock::time_point t0 = Clock::now() + milliseconds(1);
  auto blocker = std::make_unique<SlotTaskGraph>(0, 0, t0, t0 + std::chrono::seconds(10));
  std::atomic<bool> noticed{false};
  blocker->add(RanTaskType::other, predict::missing_features(), [&] {
    // Hand-overs from here on are the AI's: nothing is submitted while this task runs.
    const uint64_t before = scheduler.live().tick_takeovers;
    const Clock::time_point give_up = Clock::now() + std::chrono::seconds(5);
    while (scheduler.live().tick_takeovers == before && Clock::now() < give_up) {
    }
    noticed.store(scheduler.live().tick_takeovers > before);
  });
  scheduler.submit(std::move(blocker));
  EXPECT_TRUE(scheduler.wait_idle(std::chrono::seconds(30)));
  scheduler.stop();
  EXPECT_TRUE(noticed.load()) << "nothing noticed the keeper held for 5 s";
}

// With both cores serving the RAN (no AI thread runs) and the slots handed over before the stall
// (released during it), only core 1's idle worker can notice: it wakes when a tick is overdue and
// takes the ticks over, and the slots are decoded on core 1 while the keeper is held.
TEST(SchedulerEndToEnd, AServingCoreNoticesAStalledKeeper) {
  if (test_cpus().size() < 2) GTEST_SKIP() << "needs 2 CPUs";
  KeeperOnlyRuntime run(make_ran_only_policy());
  ASSERT_TRUE(run.scheduler) << run.error;
  Scheduler& scheduler = *run.scheduler;
  if (!scheduler.pinned()) GTEST_SKIP() << "workers not pinned: the keeper's core is unknown";

  const unsigned slots = 10;
  const testing::TestLdpcSlotFactory factory(2, 64, 3.0);
  std::atomic<int64_t> hold_start{0}, stall_end{0};
  const Clock::time_point t0 = Clock::now() + milliseconds(1);
  const Clock::time_point deadline = t0 + std::chrono::seconds(10);
  // Two blockers, one for each core: the one on core 0 holds the keeper until the slots are done
  // (5 s at most); the other ends once the hold has begun (ending at once, it could leave core 1
  // free to run both before core 0 takes one).
  const int keeper_cpu = test_cpus()[0];  // here: a worker's own affinity is its CPU alone
  auto blocker = std::make_unique<SlotTaskGraph>(0, 0, t0, deadline - std::chrono::seconds(1));
  for (int i = 0; i < 2; ++i) {
    blocker->add(RanTaskType::other, predict::missing_features(), [&] {
      const Clock::time_point give_up = Clock::now() + std::chrono::seconds(5);
      if (sched_getcpu() != keeper_cpu) {
        while (hold_start.load() == 0 && Clock::now() < give_up) {
        }
        return;
      }
      hold_start.store(to_ns(Clock::now()));
      while (scheduler.live().slots_done < slots && Clock::now() < give_up) {
      }
      stall_end.store(to_ns(Clock::now()));
    });
  }
  scheduler.submit(std::move(blocker));
  // Handed over now, released well after the hold has begun, even on a loaded machine.
  const Clock::time_point first_release = t0 + milliseconds(20);
  std::vector<std::shared_ptr<testing::TestLdpcSlotResult>> results;
  for (unsigned k = 1; k <= slots; ++k) {
    const Clock::time_point release = first_release + microseconds(500) * (k - 1);
    results.push_back(std::make_shared<testing::TestLdpcSlotResult>());
    scheduler.submit(factory.make_slot(0, k, release, deadline, results.back()));
  }
  EXPECT_TRUE(scheduler.wait_idle(std::chrono::seconds(30)));
  scheduler.stop();

  const RuntimeMetrics& m = scheduler.metrics();
  EXPECT_GE(m.summary().tick_takeovers, 1u);
  const int64_t run_start = to_ns(t0) - m.since_start_ns(t0);
  ASSERT_NE(hold_start.load(), 0) << "no blocker ran on core 0";
  EXPECT_LT(hold_start.load(), to_ns(first_release)) << "the hold began after the first release";
  unsigned during_stall = 0;
  for (const TaskRecord& r : m.tasks()) {
    if (r.slot != 0 && r.end_ns + run_start < stall_end.load()) {
      ++during_stall;
      EXPECT_EQ(r.core, 1u);
    }
  }
  EXPECT_EQ(during_stall, slots * factory.tasks_per_slot());
  for (const auto& r : results) EXPECT_EQ(r->crc_ok, 2u);
}

// The tick hook (the emulated front end's backup feeder) runs at the start of every tick.
TEST(SchedulerEndToEnd, TheTickHookRunsAtEveryTick) {
  auto model = RecentQuantileModel::create({});
  ASSERT_TRUE(model);
  SchedulerConfig config;
  config.cpus = test_cpus();
  auto created = Scheduler::create(config, make_ran_only_policy(), *model, nullptr);
  ASSERT_TRUE(created) << created.error().message;
  Scheduler& s = **created;
  std::atomic<uint64_t> calls{0};
  s.set_tick_hook([&](Clock::time_point) { calls.fetch_add(1); });
  s.start();
  std::this_thread::sleep_for(milliseconds(20));
  s.stop();
  EXPECT_GT(calls.load(), 0u);
  EXPECT_EQ(calls.load(), s.live().ticks);
}

// The same with the RAN threads at a real-time priority where the OS grants one (root or
// CAP_SYS_NICE); elsewhere it runs at normal priority and says so.
TEST(SchedulerEndToEnd, PredictiveAtRealtimePriority) {
  const PolicyRun r = run_policy(make_predictive_policy(), 200, 10);
  if (!r.realtime) GTEST_LOG_(INFO) << "real-time priority refused here: ran at normal priority";
  // Timing decides whether a core was ever lent (under a sanitizer the RAN may need every core
  // throughout); when one was lent and taken back, the reclaim was timed too.
  if (r.summary.park_latency.count > 0) {
    EXPECT_GT(r.summary.reclaim_latency.count, 0u);
  }
}

}  // namespace
}  // namespace airan::rt
