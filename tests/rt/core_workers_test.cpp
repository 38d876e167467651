#include "airan/rt/core_workers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "airan/rt/cpu_affinity.h"
#include "rt/test_workloads.h"

namespace airan::rt {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Waits (bounded, generously: the machine is shared) until `done` holds.
template <typename F>
bool eventually(F done) {
  const Clock::time_point until = Clock::now() + seconds(30);
  while (!done()) {
    if (Clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

std::vector<int> first_cpus(size_t n) {
  std::vector<int> cpus = allowed_cpus();
  if (cpus.size() > n) cpus.resize(n);
  return cpus;
}

TEST(CoreWorkers, LendsCoresToAiAndParksThemWhenReclaimed) {
  const std::vector<int> cpus = first_cpus(2);
  testing::TestDotProductAiWorkload ai(static_cast<unsigned>(cpus.size()), 8, 8);
  EdfQueue queue;
  CoreWorkers workers({cpus, true, std::chrono::microseconds(20)}, queue, &ai);
  workers.start();
  for (unsigned c = 0; c < workers.cores(); ++c) EXPECT_TRUE(ai.parked(c));

  std::vector<unsigned> parked;
  workers.apply({0, false}, parked);  // everything lent
  EXPECT_TRUE(parked.empty());
  for (unsigned c = 0; c < workers.cores(); ++c) EXPECT_TRUE(workers.lent(c));
  EXPECT_TRUE(eventually([&] { return ai.steps() > 2; }));

  workers.apply({workers.cores(), false}, parked);  // everything back to the RAN
  EXPECT_EQ(parked.size(), workers.cores());
  EXPECT_TRUE(eventually([&] {
    for (unsigned c = 0; c < workers.cores(); ++c) {
      if (!ai.parked(c)) return false;
    }
    return true;
  }));
  for (unsigned c = 0; c < workers.cores(); ++c) EXPECT_FALSE(workers.lent(c));
  workers.stop();
}

TEST(CoreWorkers, RunsReleasedRanTasksAndRecordsThem) {
  const std::vector<int> cpus = first_cpus(2);
  EdfQueue queue;
  CoreWorkers workers({cpus, true, std::chrono::microseconds(20)}, queue, nullptr);
  workers.start();
  std::vector<unsigned> parked;
  workers.apply({workers.cores(), false}, parked);

  const Clock::time_point t0 = Clock::now();
  SlotTaskGraph g(0, 5, t0, t0 + seconds(1));
  std::vector<uint64_t> sums(3, 0);
  for (uint32_t i = 0; i < 3; ++i) {
    g.add(RanTaskType::other, predict::missing_features(), [&sums, i] {
      uint64_t s = 0;
      for (uint64_t k = 0; k < 10000; ++k) s += k * (i + 1);
      sums[i] = s;
    });
  }
  ASSERT_TRUE(g.depend(0, 2));
  ASSERT_TRUE(g.depend(1, 2));
  g.arm();
  queue.push(&g.task(0));
  queue.push(&g.task(1));
  workers.wake_ran_workers();
  EXPECT_TRUE(eventually([&] { return g.done(); }));
  std::vector<CompletedTask> done;
  workers.drain_completed(done);
  workers.stop();
  ASSERT_EQ(done.size(), 3u);
  // Records come per worker, not in completion order: the joining task starts after both others.
  int64_t join_start = 0, others_end = 0;
  for (const CompletedTask& c : done) {
    if (c.record.task == 2) {
      join_start = c.record.start_ns;
    } else {
      others_end = std::max(others_end, c.record.end_ns);
    }
  }
  EXPECT_GE(join_start, others_end);
  EXPECT_EQ(sums[2], 3 * sums[0]);
  if (!workers.pinned(0)) GTEST_LOG_(INFO) << "workers run unpinned here";
}

// A worker that runs out of RAN work makes the control tick due at once: the policy may lend the
// core now instead of a period later (here the period is a minute).
TEST(CoreWorkers, RunningOutOfWorkMakesTheTickDue) {
  EdfQueue queue;
  CoreWorkersConfig config{first_cpus(1), true, std::chrono::microseconds(20)};
  std::atomic<int> ticks{0};
  config.control_tick = [&](Clock::time_point now) {
    ticks.fetch_add(1);
    return now + seconds(60);
  };
  CoreWorkers workers(config, queue, nullptr);
  std::vector<unsigned> parked;
  workers.apply({1, false}, parked);
  workers.start();
  workers.request_tick();
  ASSERT_TRUE(eventually([&] { return ticks.load() > 0; }));
  const int before = ticks.load();
  const Clock::time_point t0 = Clock::now();
  SlotTaskGraph g(0, 1, t0, t0 + seconds(60));
  g.add(RanTaskType::other, predict::missing_features(), [] {});
  g.arm();
  queue.push(&g.task(0));
  workers.wake_ran_workers();
  ASSERT_TRUE(eventually([&] { return g.done(); }));
  const Clock::time_point until = Clock::now() + seconds(5);
  while (ticks.load() == before && Clock::now() < until) std::this_thread::yield();
  EXPECT_GT(ticks.load(), before) << "no tick after the worker ran out of work";
  workers.stop_ticks();
  workers.stop();
}

// A keeper held in a task is taken as stalled only once the task has run twice its prediction: a
// long task is not a stall. Two cores; the test thread plays the slot submitter.
TEST(CoreWorkers, AKeeperInALongTaskIsStalledOnlyPastTwiceItsPrediction) {
  const std::vector<int> cpus = first_cpus(2);
  if (cpus.size() < 2) GTEST_SKIP() << "needs 2 CPUs";
  for (const int64_t predicted_ms : {1000, 1}) {
    SCOPED_TRACE(predicted_ms);
    EdfQueue queue;
    CoreWorkersConfig config{cpus, true, std::chrono::microseconds(20)};
    config.stall_after = std::chrono::microseconds(250);
    config.control_tick = [](Clock::time_point now) { return now + std::chrono::microseconds(50); };
    CoreWorkers workers(config, queue, nullptr);
    std::vector<unsigned> parked;
    workers.apply({1, false}, parked);  // core 0, the keeper's, alone serves the RAN
    workers.start();
    workers.request_tick();
    const Clock::time_point t0 = Clock::now();
    SlotTaskGraph g(0, 1, t0, t0 + seconds(60));
    std::atomic<bool> release{false};
    g.add(RanTaskType::other, predict::missing_features(), [&release] {
      while (!release.load()) {
      }
    });
    g.task(0).predicted_ns = predicted_ms * 1'000'000;
    g.arm();
    queue.push(&g.task(0));
    workers.wake_ran_workers();
    ASSERT_TRUE(eventually([&] { return workers.running_count() == 1; }));
    std::this_thread::sleep_for(milliseconds(20));  // 20 ms into the task
    const bool took_over = workers.take_over_stalled_ticks();
    release.store(true);
    EXPECT_TRUE(eventually([&] { return g.done(); }));
    workers.stop_ticks();
    workers.stop();
    EXPECT_EQ(took_over, predicted_ms < 10) << "the keeper has run its task for 20 ms";
  }
}

// One core's AI worker that is in a piece whenever its core is reclaimed: it parks only when the
// test ends the piece, then wakes the core's RAN worker through the park listener.
class PieceGatedAi final : public AiWorkload {
 public:
  unsigned cores() const override { return 1; }
  void run_step() override { std::this_thread::sleep_for(std::chrono::microseconds(50)); }
  void park_core(unsigned) override { parked_.store(false); }
  void resume_core(unsigned) override { parked_.store(false); }
  bool parked(unsigned) const override { return parked_.load(); }
  int64_t parked_at_ns(unsigned) const override { return parked_at_ns_.load(); }
  void set_park_listener(std::function<void(unsigned c)> on_parked) override {
    std::lock_guard<std::mutex> guard(lock_);
    listener_ = std::move(on_parked);
  }
  void end_piece() {
    parked_at_ns_.store(to_ns(Clock::now()));
    parked_.store(true);
    std::lock_guard<std::mutex> guard(lock_);
    if (listener_) listener_(0);
  }
  uint64_t busy_ns() const override { return 0; }
  uint64_t steps() const override { return 0; }

 private:
  std::atomic<bool> parked_{true};
  std::atomic<int64_t> parked_at_ns_{0};
  std::mutex lock_;
  std::function<void(unsigned c)> listener_;
};

// The keeper (core 0's worker) runs the tick that takes its own core back while a RAN task is
// ready: it waits for the AI worker's park (within the grace) before it runs the task. Running the
// task first would hold the AI worker's piece, and the engine's whole step, for the task's length.
TEST(CoreWorkers, KeeperAwaitsTheParkOfItsOwnCoreBeforeRunningRanTasks) {
  PieceGatedAi ai;
  EdfQueue queue;
  CoreWorkersConfig config{first_cpus(1), true, std::chrono::microseconds(20)};
  config.park_grace = seconds(30);
  const Clock::time_point t0 = Clock::now();
  SlotTaskGraph g(0, 1, t0, t0 + seconds(60));
  std::atomic<bool> ran{false};
  g.add(RanTaskType::other, predict::missing_features(), [&ran] { ran.store(true); });
  g.arm();
  std::atomic<int> ticks{0};
  std::atomic<bool> reclaim{false};
  CoreWorkers* self = nullptr;
  std::vector<unsigned> parked;
  config.control_tick = [&](Clock::time_point now) {
    ticks.fetch_add(1);
    if (reclaim.exchange(false)) {
      queue.push(&g.task(0));  // ready now, as the core comes back
      self->apply({1, false}, parked);
    }
    return now + milliseconds(1);
  };
  CoreWorkers workers(config, queue, &ai);
  self = &workers;
  workers.apply({0, false}, parked);  // lent (before start: no tick runs yet)
  workers.start();
  ASSERT_TRUE(eventually([&] { return ticks.load() > 0; }));
  reclaim.store(true);
  workers.request_tick();
  ASSERT_TRUE(eventually([&] { return !reclaim.load(); }));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_FALSE(ran.load()) << "the RAN task ran on the core before its AI worker parked";
  ai.end_piece();
  EXPECT_TRUE(eventually([&] { return g.done(); }));
  workers.stop_ticks();
  workers.stop();
  std::vector<CompletedTask> done;
  workers.drain_completed(done);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_GE(done[0].record.start_ns, ai.parked_at_ns(0));
}

}  // namespace
}  // namespace airan::rt
