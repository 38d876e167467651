#include "airan/rt/recent_quantile_model.h"

#include <gtest/gtest.h>

namespace airan::rt {
namespace {

TEST(RecentQuantileModel, ColdStartThenQuantileOfTheWindow) {
  RecentQuantileOptions o;
  o.window = 100;
  o.quantile = 0.9;
  o.refresh_every = 1;
  o.cold_start_ns = 123'000;
  auto m = RecentQuantileModel::create(o);
  ASSERT_TRUE(m);
  RanTask t;
  t.type = RanTaskType::ldpc_decode;
  EXPECT_EQ(m->predict_ns(t), 123'000);
  for (int64_t i = 1; i <= 100; ++i) m->observe(RanTaskType::ldpc_decode, t.features, i * 1000);
  EXPECT_EQ(m->predict_ns(t), 90'000);  // ceil(0.9 * 100) = 90th smallest
  // Other types keep their cold start.
  EXPECT_EQ(m->predict_type_ns(RanTaskType::demap), 123'000);
  // The window slides: 100 new samples of 5 µs replace the old ones.
  for (int i = 0; i < 100; ++i) m->observe(RanTaskType::ldpc_decode, t.features, 5000);
  EXPECT_EQ(m->predict_ns(t), 5000);
  EXPECT_EQ(m->samples(RanTaskType::ldpc_decode), 100u);
}

TEST(RecentQuantileModel, RefreshesEveryFewObservationsWithMargin) {
  RecentQuantileOptions o;
  o.window = 8;
  o.quantile = 1.0;
  o.refresh_every = 4;
  o.margin = 1.5;
  auto m = RecentQuantileModel::create(o);
  ASSERT_TRUE(m);
  const auto f = predict::missing_features();
  m->observe(RanTaskType::crc, f, 1000);  // first observation refreshes at once
  EXPECT_EQ(m->predict_type_ns(RanTaskType::crc), 1500);
  m->observe(RanTaskType::crc, f, 4000);
  m->observe(RanTaskType::crc, f, 2000);
  m->observe(RanTaskType::crc, f, 2000);
  EXPECT_EQ(m->predict_type_ns(RanTaskType::crc), 1500);  // not yet refreshed
  m->observe(RanTaskType::crc, f, 2000);
  EXPECT_EQ(m->predict_type_ns(RanTaskType::crc), 6000);  // max 4000 x 1.5
}

TEST(RecentQuantileModel, RejectsBadOptionsNamingTheField) {
  RecentQuantileOptions o;
  o.quantile = 1.5;
  auto m = RecentQuantileModel::create(o);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("quantile"), std::string::npos);
  o = {};
  o.window = 0;
  EXPECT_NE(RecentQuantileModel::create(o).error().message.find("window"), std::string::npos);
  o = {};
  o.margin = 0.5;
  EXPECT_NE(RecentQuantileModel::create(o).error().message.find("margin"), std::string::npos);
}

}  // namespace
}  // namespace airan::rt
