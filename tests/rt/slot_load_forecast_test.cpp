#include "airan/rt/slot_load_forecast.h"

#include <gtest/gtest.h>

namespace airan::rt {
namespace {

using std::chrono::microseconds;

TEST(SlotLoadForecast, ForecastsTheNextSlotOfEachCell) {
  SlotLoadForecast f({}, 3.0);
  const Clock::time_point t0 = Clock::now();
  EXPECT_FALSE(f.next(0));
  f.observe(0, t0, t0 + microseconds(1500), 200'000);
  EXPECT_FALSE(f.next(0)) << "one slot tells no period";
  // Cell 0: a slot every 500 µs with 200 µs of work; one slot dropped (a 1000 µs gap).
  f.observe(0, t0 + microseconds(500), t0 + microseconds(2000), 200'000);
  f.observe(0, t0 + microseconds(1500), t0 + microseconds(3000), 200'000);
  const auto next = f.next(0);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->release, t0 + microseconds(2000));
  EXPECT_EQ(next->deadline, t0 + microseconds(3500));
  EXPECT_NEAR(static_cast<double>(next->remaining_ns), 200'000, 1.0);
  // Cell 1 is separate and not seen yet.
  EXPECT_FALSE(f.next(1));
  EXPECT_EQ(f.cells(), 1u);
}

TEST(SlotLoadForecast, ReservesAboveTheLevelWhenWorkVaries) {
  SlotLoadForecast f({}, 3.0);
  const Clock::time_point t0 = Clock::now();
  for (int k = 0; k < 200; ++k) {
    const Clock::time_point r = t0 + microseconds(500) * k;
    f.observe(0, r, r + microseconds(1500), k % 2 == 0 ? 100'000 : 300'000);
  }
  const auto next = f.next(0);
  ASSERT_TRUE(next);
  // Level ~200 µs, error ~100 µs: the bound sits well above the mean.
  EXPECT_GT(next->remaining_ns, 300'000);
  EXPECT_LT(next->remaining_ns, 800'000);
}

}  // namespace
}  // namespace airan::rt
