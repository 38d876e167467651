#include "airan/rt/metrics.h"

#include <gtest/gtest.h>

namespace airan::rt {
namespace {

using std::chrono::milliseconds;

TEST(Metrics, NearestRankQuantiles) {
  std::vector<int64_t> v;
  for (int64_t i = 1000; i >= 1; --i) v.push_back(i * 1000);  // 1..1000 µs, reversed
  const LatencySummary s = summarize_ns(v);
  EXPECT_EQ(s.count, 1000u);
  EXPECT_DOUBLE_EQ(s.p50_us, 500.0);
  EXPECT_DOUBLE_EQ(s.p99_us, 990.0);
  EXPECT_DOUBLE_EQ(s.p999_us, 999.0);
  EXPECT_DOUBLE_EQ(s.max_us, 1000.0);
  EXPECT_DOUBLE_EQ(s.mean_us, 500.5);
  EXPECT_EQ(summarize_ns({}).count, 0u);
  EXPECT_DOUBLE_EQ(summarize_ns({7000}).p999_us, 7.0);
}

TEST(Metrics, ReclaimedFraction) {
  EXPECT_DOUBLE_EQ(reclaimed_fraction(1000, 400, 480), 0.8);
  EXPECT_DOUBLE_EQ(reclaimed_fraction(1000, 400, 0), 0.0);
  EXPECT_DOUBLE_EQ(reclaimed_fraction(1000, 1000, 10), 0.0);  // nothing left by the RAN
  EXPECT_DOUBLE_EQ(reclaimed_fraction(1000, 400, 900), 1.0);  // clamped (shared cores)
}

TEST(Metrics, CountsMissesPerTypeAndSplitsCoreTime) {
  RuntimeMetrics m;
  const Clock::time_point t0 = Clock::now();
  m.begin(t0, 2);
  // Slot 1: two tasks, the decode misses by 50 µs.
  TaskRecord a{0, 1, 0, RanTaskType::demap, 0, 0, 0, 100'000, 1'000'000, 90'000, 100'000};
  TaskRecord b{0,         1,       1,      RanTaskType::ldpc_decode, 1, 0, 100'000, 1'050'000,
               1'000'000, 200'000, 950'000};
  m.add_task(a);
  m.add_task(b);
  m.add_slot({0, 1, 1'050'000, true});
  // Slot 2: on time.
  TaskRecord c{0,         2,       0,      RanTaskType::demap, 0, 500'000, 500'000, 600'000,
               2'000'000, 120'000, 100'000};
  m.add_task(c);
  m.add_slot({0, 2, 100'000, false});
  m.add_tick({0, 0, 2'000, 100, 2, false, 1, 0, 0});
  m.add_tick({20'000, 20'000, 3'000, 200, 1, false, 0, 1, 0});
  m.add_tick({40'000, 22'000, 1'000, 100, 1, false, 0, 0, 0});
  m.add_park_latency_ns(4'000);
  m.add_park_latency_ns(6'000);
  m.end(t0 + milliseconds(10), 9'000'000, 12);

  const MetricsSummary s = m.summary();
  EXPECT_EQ(s.slots, 2u);
  EXPECT_EQ(s.tasks, 3u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.missed_slots, 1u);
  EXPECT_DOUBLE_EQ(s.miss_rate, 0.5);
  EXPECT_EQ(s.misses_per_type[index_of(RanTaskType::ldpc_decode)], 1u);
  EXPECT_EQ(s.misses_per_type[index_of(RanTaskType::demap)], 0u);
  ASSERT_EQ(m.misses().size(), 1u);
  EXPECT_EQ(m.misses()[0].slot, 1u);
  EXPECT_EQ(m.misses()[0].task, 1u);
  EXPECT_EQ(m.misses()[0].predicted_ns, 200'000);
  EXPECT_EQ(m.misses()[0].actual_ns, 950'000);
  EXPECT_EQ(m.misses()[0].late_ns, 50'000);

  EXPECT_DOUBLE_EQ(s.total_core_ns, 20'000'000.0);
  EXPECT_DOUBLE_EQ(s.ran_busy_ns, 1'150'000.0);
  EXPECT_DOUBLE_EQ(s.ai_busy_ns, 9'000'000.0);
  EXPECT_DOUBLE_EQ(s.scheduler_ns, 6'000.0);
  EXPECT_DOUBLE_EQ(s.idle_ns, 20'000'000.0 - 1'150'000 - 9'000'000 - 6'000);
  EXPECT_DOUBLE_EQ(s.reclaimed_fraction, 9'000'000.0 / (20'000'000.0 - 1'150'000));
  EXPECT_EQ(s.ai_steps, 12u);
  // Allocation over time: 2 RAN cores for 20 µs, then 1 (and 1 lent) to the end at 10 ms.
  EXPECT_DOUBLE_EQ(s.ran_reserved_ns, 20'000.0 * 2 + 9'980'000.0);
  EXPECT_DOUBLE_EQ(s.ai_lent_ns, 9'980'000.0);

  EXPECT_EQ(s.tick_period.count, 2u);  // the first tick has no period
  EXPECT_DOUBLE_EQ(s.tick_period.mean_us, 21.0);
  EXPECT_DOUBLE_EQ(s.period_jitter_us, 1.0);
  EXPECT_DOUBLE_EQ(s.park_latency.max_us, 6.0);
  EXPECT_DOUBLE_EQ(s.slot_latency.max_us, 1050.0);
  EXPECT_NEAR(s.underpredicted_fraction, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(m.tick_count(), 3u);
}

TEST(Metrics, SharedModeCountsEveryCoreReservedAndLent) {
  RuntimeMetrics m;
  const Clock::time_point t0 = Clock::now();
  m.begin(t0, 2);
  m.add_tick({1'000'000, 0, 1'000, 100, 0, true, 0, 0, 0});
  m.add_tick({3'000'000, 2'000'000, 1'000, 100, 1, false, 0, 0, 0});
  m.end(t0 + milliseconds(4), 0, 0);
  const MetricsSummary s = m.summary();
  // Nothing before the first tick; shared for 2 ms; then 1 RAN core and 1 lent for 1 ms.
  EXPECT_DOUBLE_EQ(s.ran_reserved_ns, 2'000'000.0 * 2 + 1'000'000.0);
  EXPECT_DOUBLE_EQ(s.ai_lent_ns, 2'000'000.0 * 2 + 1'000'000.0);
}

TEST(Metrics, TickRecordLimitKeepsTheSummaryComplete) {
  RuntimeMetrics m(2);
  const Clock::time_point t0 = Clock::now();
  m.begin(t0, 1);
  for (int i = 0; i < 5; ++i) m.add_tick({i * 10'000, i ? 10'000 : 0, 500, 50, 1, false, 0, 0, 0});
  m.end(t0 + milliseconds(1), 0, 0);
  EXPECT_EQ(m.ticks().size(), 2u);
  EXPECT_EQ(m.tick_count(), 5u);
  EXPECT_EQ(m.summary().tick_work.count, 5u);
  EXPECT_DOUBLE_EQ(m.summary().reclaimed_fraction, 0.0);
}

}  // namespace
}  // namespace airan::rt
