// Per-cell PRB load forecast: tracks a step and a periodic pattern.
#include "airan/predict/load_forecast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

namespace airan::predict {
namespace {

TEST(LoadForecast, TracksAStep) {
  auto f = PrbLoadForecaster::create({.level_alpha = 0.1});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->forecast(1), 0.0);
  for (int i = 0; i < 200; ++i) f->observe(20);
  EXPECT_NEAR(f->forecast(1), 20, 0.01);
  f->observe(80);
  EXPECT_LT(f->forecast(1), 40);  // one slot does not move it all the way
  for (int i = 0; i < 60; ++i) f->observe(80);
  EXPECT_NEAR(f->forecast(1), 80, 80 * 0.02);
  EXPECT_NEAR(f->forecast(10), 80, 80 * 0.02);
  EXPECT_GE(f->upper_bound(1), f->forecast(1));
  EXPECT_EQ(f->slots(), 261u);
}

TEST(LoadForecast, LearnsAPeriodicPattern) {
  const unsigned period = 20;
  auto seasonal =
      PrbLoadForecaster::create({.level_alpha = 0.05, .season_gamma = 0.3, .season_slots = period});
  auto plain = PrbLoadForecaster::create({.level_alpha = 0.05});
  ASSERT_TRUE(seasonal && plain);
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 2);
  auto load = [&](size_t slot) {
    return 100 + 60 * std::sin(2 * std::numbers::pi * static_cast<double>(slot) / period);
  };
  size_t slot = 0;
  for (; slot < 30 * period; ++slot) {
    const double y = load(slot) + noise(rng);
    seasonal->observe(y);
    plain->observe(y);
  }
  // Forecast the next 20 slots (a whole period ahead) against the true pattern.
  std::vector<double> fs(period), fp(period);
  seasonal->forecast(fs);
  plain->forecast(fp);
  double err_s = 0, err_p = 0;
  for (unsigned h = 0; h < period; ++h) {
    err_s += std::abs(fs[h] - load(slot + h));
    err_p += std::abs(fp[h] - load(slot + h));
  }
  err_s /= period;
  err_p /= period;
  EXPECT_LT(err_s, 5.0);
  EXPECT_LT(err_s, 0.2 * err_p);
}

TEST(LoadForecast, RejectsBadOptions) {
  auto f = PrbLoadForecaster::create({.level_alpha = 0});
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("level_alpha"), std::string::npos);
  EXPECT_FALSE(PrbLoadForecaster::create({.season_gamma = 2}));
  EXPECT_FALSE(PrbLoadForecaster::create({.error_beta = 0}));
}

}  // namespace
}  // namespace airan::predict
