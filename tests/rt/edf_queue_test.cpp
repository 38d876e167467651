#include "airan/rt/edf_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace airan::rt {
namespace {

using std::chrono::microseconds;

RanTask make_task(Clock::time_point release, Clock::time_point deadline, uint32_t index) {
  RanTask t;
  t.release = release;
  t.deadline = deadline;
  t.index = index;
  return t;
}

TEST(EdfQueue, PopsEarliestDeadlineFirst) {
  const Clock::time_point t0 = Clock::now();
  std::vector<RanTask> tasks;
  const int deadlines_us[] = {50, 10, 30, 20, 40};
  for (uint32_t i = 0; i < 5; ++i)
    tasks.push_back(make_task(t0, t0 + microseconds(deadlines_us[i]), i));
  EdfQueue q;
  for (auto& t : tasks) q.push(&t);
  std::vector<uint32_t> order;
  while (RanTask* t = q.pop(t0)) order.push_back(t->index);
  EXPECT_EQ(order, (std::vector<uint32_t>{1, 3, 2, 4, 0}));
  EXPECT_EQ(q.ready_size(), 0u);
}

TEST(EdfQueue, EqualDeadlinesPopInPushOrder) {
  const Clock::time_point t0 = Clock::now();
  std::vector<RanTask> tasks;
  for (uint32_t i = 0; i < 6; ++i) tasks.push_back(make_task(t0, t0 + microseconds(100), i));
  EdfQueue q;
  for (auto& t : tasks) q.push(&t);
  for (uint32_t i = 0; i < 6; ++i) EXPECT_EQ(q.pop(t0)->index, i);
}

TEST(EdfQueue, HoldsTasksUntilTheirReleaseTime) {
  const Clock::time_point t0 = Clock::now();
  // Task 0 has the earlier deadline but is released later.
  RanTask late = make_task(t0 + microseconds(100), t0 + microseconds(200), 0);
  RanTask early = make_task(t0, t0 + microseconds(900), 1);
  EdfQueue q;
  q.push(&late);
  q.push(&early);
  EXPECT_EQ(q.pending_size(), 2u);
  EXPECT_EQ(q.release_due(t0), 1u);
  EXPECT_EQ(q.pending_size(), 1u);
  EXPECT_EQ(q.pop(t0 + microseconds(50)), &early);
  EXPECT_EQ(q.pop(t0 + microseconds(99)), nullptr);
  EXPECT_EQ(q.pop(t0 + microseconds(100)), &late);
  EXPECT_EQ(q.pop(t0 + microseconds(1000)), nullptr);
}

TEST(EdfQueue, ReleasedTaskWithEarlierDeadlineOvertakes) {
  const Clock::time_point t0 = Clock::now();
  RanTask a = make_task(t0, t0 + microseconds(500), 0);
  RanTask b = make_task(t0 + microseconds(10), t0 + microseconds(100), 1);
  EdfQueue q;
  q.push(&a);
  q.push(&b);
  EXPECT_EQ(q.pop(t0 + microseconds(20)), &b);
  EXPECT_EQ(q.pop(t0 + microseconds(20)), &a);
}

TEST(EdfQueue, ConcurrentPoppersTakeEveryTaskExactlyOnce) {
  const Clock::time_point t0 = Clock::now();
  constexpr uint32_t kTasks = 20000;
  std::vector<RanTask> tasks;
  tasks.reserve(kTasks);
  for (uint32_t i = 0; i < kTasks; ++i) {
    tasks.push_back(make_task(t0, t0 + microseconds(i % 977), i));
  }
  EdfQueue q(64);  // grows while pushing
  std::atomic<uint32_t> pushed{0};
  std::vector<std::vector<uint32_t>> got(3);
  std::thread pusher([&] {
    for (auto& t : tasks) {
      q.push(&t);
      pushed.fetch_add(1);
    }
  });
  std::vector<std::thread> poppers;
  for (int p = 0; p < 3; ++p) {
    poppers.emplace_back([&, p] {
      while (true) {
        if (RanTask* t = q.pop(Clock::now())) {
          got[p].push_back(t->index);
        } else if (pushed.load() == kTasks && q.ready_size() == 0 && q.pending_size() == 0) {
          break;
        }
      }
    });
  }
  pusher.join();
  for (auto& t : poppers) t.join();
  std::set<uint32_t> all;
  size_t total = 0;
  for (const auto& g : got) {
    total += g.size();
    all.insert(g.begin(), g.end());
  }
  EXPECT_EQ(total, kTasks);
  EXPECT_EQ(all.size(), kTasks);
}

}  // namespace
}  // namespace airan::rt
