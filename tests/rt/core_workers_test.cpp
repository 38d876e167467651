#include "airan/rt/core_workers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "airan/rt/cpu_affinity.h"
#include "rt/test_workloads.h"

namespace airan::rt {
namespace {

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

}  // namespace
}  // namespace airan::rt
