// Baselines: per-type constants and the linear model with its coverage offset.
#include "airan/predict/baselines.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "airan/predict/evaluation.h"
#include "airan/predict/quantile_tree.h"

namespace airan::predict {
namespace {

Trace linear_trace(size_t rows, uint64_t seed) {
  Trace t;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> prbs(1, 273);
  std::normal_distribution<double> noise(0, 100);
  for (size_t i = 0; i < rows; ++i) {
    FeatureVector x = missing_features();
    const double p = std::floor(prbs(rng));
    x[index_of(Feature::prbs)] = static_cast<float>(p);
    t.add("equalization", x, 2000 + 50 * p + noise(rng));
  }
  return t;
}

TEST(Baselines, PerTypeConstants) {
  const auto t = parse_trace("task,duration_ns\na,5\na,1\nb,7\na,3\na,2\na,4\n");
  ASSERT_TRUE(t);
  auto max = PerTypeConstant::train(*t, {}, PerTypeConstant::Kind::max, 0.9);
  auto q = PerTypeConstant::train(*t, {}, PerTypeConstant::Kind::quantile, 0.6);
  ASSERT_TRUE(max && q);
  const FeatureVector x = missing_features();
  EXPECT_EQ(max->predict_ns(max->task_index("a"), x), 5);
  EXPECT_EQ(max->predict_ns(max->task_index("b"), x), 7);
  EXPECT_EQ(q->predict_ns(q->task_index("a"), x), 3);  // 3 of 5 samples <= 3
  EXPECT_EQ(max->task_index("c"), -1);
  EXPECT_TRUE(std::isnan(max->predict_ns(-1, x)));
  EXPECT_EQ(max->name(), "per-type-max");
  EXPECT_EQ(q->name(), "per-type-quantile");
  EXPECT_FALSE(PerTypeConstant::train(*t, {}, PerTypeConstant::Kind::max, 0));
}

TEST(Baselines, LinearFitsSlopeAndReachesTrainingCoverage) {
  const Trace t = linear_trace(20000, 1);
  auto lin = LinearQuantile::train(t, {}, 0.99);
  ASSERT_TRUE(lin) << lin.error().message;
  FeatureVector x = missing_features();
  x[index_of(Feature::prbs)] = 100;
  const double at100 = lin->predict_ns(0, x);
  x[index_of(Feature::prbs)] = 200;
  const double at200 = lin->predict_ns(0, x);
  EXPECT_NEAR((at200 - at100) / 100, 50, 1.0);
  // The offset is the 0.99 quantile of N(0, 100): ~233 ns above the mean line.
  EXPECT_NEAR(at100 - (2000 + 50 * 100), 233, 25);
  std::vector<uint32_t> all(t.rows());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint32_t>(i);
  const Evaluation ev = evaluate(*lin, t, all);
  EXPECT_GE(ev.coverage, 0.99);
  EXPECT_LT(ev.coverage, 0.995);
}

TEST(Evaluation, SplitAndCounts) {
  const Trace t = linear_trace(10000, 2);
  const TraceSplit s = split_trace(t, 0.3, 1);
  EXPECT_EQ(s.train.size() + s.test.size(), t.rows());
  EXPECT_NEAR(static_cast<double>(s.test.size()) / t.rows(), 0.3, 0.03);
  const TraceSplit again = split_trace(t, 0.3, 1);
  EXPECT_EQ(again.test, s.test);
  auto q = PerTypeConstant::train(t, s.train, PerTypeConstant::Kind::quantile, 0.5);
  ASSERT_TRUE(q);
  const Evaluation ev = evaluate(*q, t, s.test);
  EXPECT_EQ(ev.rows, s.test.size());
  EXPECT_NEAR(ev.coverage, 0.5, 0.05);
  EXPECT_EQ(ev.misses, static_cast<size_t>(std::lround((1 - ev.coverage) * ev.rows)));
  EXPECT_GT(ev.overprovision, 0.5);
  EXPECT_GT(ev.inference_ns, 0);
}

}  // namespace
}  // namespace airan::predict
