#include "airan/rt/slot_task_graph.h"

#include <gtest/gtest.h>

#include <vector>

#include "airan/rt/edf_queue.h"

namespace airan::rt {
namespace {

using std::chrono::microseconds;

TEST(SlotTaskGraph, RejectsEdgesThatCouldFormACycle) {
  const Clock::time_point t0 = Clock::now();
  SlotTaskGraph g(0, 7, t0, t0 + microseconds(1500));
  const uint32_t a = g.add(RanTaskType::demap, predict::missing_features(), [] {});
  const uint32_t b = g.add(RanTaskType::ldpc_decode, predict::missing_features(), [] {});
  EXPECT_TRUE(g.depend(a, b));
  const Status back = g.depend(b, a);
  ASSERT_FALSE(back);
  EXPECT_NE(back.message().find("before"), std::string::npos);
  const Status out = g.depend(a, 9);
  ASSERT_FALSE(out);
  EXPECT_NE(out.message().find("after"), std::string::npos);
  EXPECT_TRUE(g.depend(a, b));  // repeated edge is ignored
  EXPECT_EQ(g.task(b).n_predecessors, 1u);
  EXPECT_EQ(g.task(a).slot, 7u);
  EXPECT_EQ(g.task(a).graph, &g);
}

TEST(SlotTaskGraph, CompletionReleasesSuccessorsAfterTheirLastPredecessor) {
  const Clock::time_point t0 = Clock::now();
  SlotTaskGraph g(1, 3, t0, t0 + microseconds(1500));
  const auto f = predict::missing_features();
  const uint32_t demap = g.add(RanTaskType::demap, f, [] {});
  const uint32_t d0 = g.add(RanTaskType::ldpc_decode, f, [] {});
  const uint32_t d1 = g.add(RanTaskType::ldpc_decode, f, [] {});
  const uint32_t crc = g.add(RanTaskType::crc, f, [] {});
  ASSERT_TRUE(g.depend(demap, d0));
  ASSERT_TRUE(g.depend(demap, d1));
  ASSERT_TRUE(g.depend(d0, crc));
  ASSERT_TRUE(g.depend(d1, crc));
  for (uint32_t i = 0; i < g.size(); ++i) g.task(i).predicted_ns = 1000;
  g.arm();
  EXPECT_EQ(g.remaining(), 4u);
  EXPECT_EQ(g.remaining_predicted_ns(), 4000);

  std::vector<uint32_t> ready;
  const auto on_ready = [&](RanTask& t) { ready.push_back(t.index); };
  g.complete(demap, t0, on_ready);
  EXPECT_EQ(ready, (std::vector<uint32_t>{d0, d1}));
  g.complete(d1, t0, on_ready);
  EXPECT_EQ(ready.size(), 2u);  // crc still waits for d0
  EXPECT_FALSE(g.done());
  g.complete(d0, t0, on_ready);
  EXPECT_EQ(ready.back(), crc);
  EXPECT_EQ(g.remaining_predicted_ns(), 1000);
  const Clock::time_point end = t0 + microseconds(42);
  g.complete(crc, end, on_ready);
  EXPECT_TRUE(g.done());
  EXPECT_EQ(g.remaining(), 0u);
  EXPECT_EQ(g.finish_time(), end);
}

TEST(SlotTaskGraph, DeadlineIsTheEarliestTaskDeadline) {
  const Clock::time_point t0 = Clock::now();
  SlotTaskGraph g(0, 0, t0, t0 + microseconds(1500));
  g.add(RanTaskType::crc, predict::missing_features(), [] {});
  EXPECT_EQ(g.deadline(), t0 + microseconds(1500));
  g.task(0).deadline = t0 + microseconds(700);
  EXPECT_EQ(g.deadline(), t0 + microseconds(700));
}

TEST(RanTaskType, NamesRoundTrip) {
  for (size_t i = 0; i < kNumRanTaskTypes; ++i) {
    const auto type = static_cast<RanTaskType>(i);
    EXPECT_EQ(task_type_from_name(task_type_name(type)), type);
  }
  EXPECT_EQ(task_type_name(RanTaskType::ldpc_decode), "ldpc_decode");
  EXPECT_FALSE(task_type_from_name("fft"));
}

}  // namespace
}  // namespace airan::rt
