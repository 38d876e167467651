// The runtime's view of the online AI-for-RAN predictor: predictions from the running model,
// fallback for task types it does not know, and measured executions flowing back so that a
// drifting task type is retrained and swapped in.
#include "airan/rt/online_duration_model.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "airan/rt/recent_quantile_model.h"

namespace airan::rt {
namespace {

using predict::Feature;
using predict::FeatureVector;

FeatureVector with_prbs(float prbs) {
  FeatureVector x = predict::missing_features();
  x[static_cast<size_t>(Feature::prbs)] = prbs;
  return x;
}

// equalization takes 100 ns per PRB, +-10 %.
std::shared_ptr<const predict::QuantileTreeModel> trained_model() {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  predict::Trace trace;
  for (int i = 0; i < 4000; ++i) {
    const float prbs = static_cast<float>(1 + i % 100);
    trace.add(task_type_name(RanTaskType::equalization), with_prbs(prbs),
              100.0 * prbs * jitter(rng));
  }
  predict::QuantileTreeOptions options;
  options.quantile = 0.99;
  auto model = predict::QuantileTreeModel::train(trace, {}, options);
  EXPECT_TRUE(model) << (model ? "" : model.error().message);
  return std::make_shared<const predict::QuantileTreeModel>(std::move(*model));
}

// Options for retraining in the foreground on small windows.
predict::OnlineOptions foreground_options(size_t min_samples) {
  predict::OnlineOptions options;
  options.background = false;
  options.window = 4000;
  options.min_samples = min_samples;
  options.tree.min_samples_leaf = 20;
  return options;
}

// Observes n equalizations of 1..100 PRBs taking ns_per_prb each, +-10 %.
void observe_equalizations(OnlineDurationModel& model, int n, double ns_per_prb, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  for (int i = 0; i < n; ++i) {
    const float prbs = static_cast<float>(1 + i % 100);
    model.observe(RanTaskType::equalization, with_prbs(prbs),
                  static_cast<int64_t>(ns_per_prb * prbs * jitter(rng)));
  }
}

RecentQuantileModel fallback_model() {
  RecentQuantileOptions o;
  o.cold_start_ns = 777;
  auto m = RecentQuantileModel::create(o);
  EXPECT_TRUE(m);
  return std::move(*m);
}

TEST(OnlineDurationModel, PredictsFromTheRunningModelAndFallsBackForUnknownTypes) {
  predict::OnlineOptions options;
  options.background = false;
  predict::OnlinePredictor online(trained_model(), options);
  RecentQuantileModel fallback = fallback_model();
  OnlineDurationModel model(online, fallback);

  RanTask eq;
  eq.type = RanTaskType::equalization;
  eq.features = with_prbs(50);
  const int64_t p = model.predict_ns(eq);
  EXPECT_GE(p, 5000);  // the 0.99 quantile of 100 ns/PRB +-10 %
  EXPECT_LE(p, 6500);

  RanTask fft;
  fft.type = RanTaskType::ofdm_demod;  // not in the model
  EXPECT_EQ(model.predict_ns(fft), 777);
}

TEST(OnlineDurationModel, ObservationsDriveRetrainingWhenTheMachineSlowsDown) {
  predict::OnlinePredictor online(trained_model(), foreground_options(500));
  RecentQuantileModel fallback = fallback_model();
  OnlineDurationModel model(online, fallback);

  // Another process now shares the core: every execution takes twice as long.
  observe_equalizations(model, 2000, 200.0, 9);
  for (const predict::TaskCoverage& c : online.coverage()) {
    EXPECT_EQ(c.drifting, c.task == "equalization") << c.task;
  }
  auto retrained = online.retrain_now();
  ASSERT_TRUE(retrained) << retrained.error().message;
  EXPECT_EQ(*retrained, 1u);

  RanTask eq;
  eq.type = RanTaskType::equalization;
  eq.features = with_prbs(50);
  EXPECT_GE(model.predict_ns(eq), 10000);  // the new model covers the slower machine
}

// The windows exist before the first execution: none is allocated in the control tick.
TEST(OnlineDurationModel, PreparesAWindowForEveryTaskType) {
  predict::OnlinePredictor online(trained_model(), foreground_options(2000));
  RecentQuantileModel fallback = fallback_model();
  const OnlineDurationModel model(online, fallback);
  const auto windows = online.coverage();
  ASSERT_EQ(windows.size(), kNumRanTaskTypes);
  for (size_t t = 0; t < kNumRanTaskTypes; ++t) {
    EXPECT_EQ(windows[t].task, task_type_name(static_cast<RanTaskType>(t)));
    EXPECT_EQ(windows[t].samples, 0u);
  }
}

TEST(OnlineDurationModel, AnUntrainedModelLearnsEachTaskTypeFromItsOwnExecutions) {
  predict::OnlinePredictor online(std::make_shared<const predict::QuantileTreeModel>(
                                      predict::QuantileTreeModel::untrained(0.99)),
                                  foreground_options(2000));
  RecentQuantileModel fallback = fallback_model();
  OnlineDurationModel model(online, fallback);
  RanTask eq;
  eq.type = RanTaskType::equalization;
  eq.features = with_prbs(50);
  EXPECT_EQ(model.predict_ns(eq), 777);  // nothing known yet: the fallback's cold start

  observe_equalizations(model, 1999, 100.0, 5);
  auto early = online.retrain_now();
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_EQ(*early, 0u);  // fewer than min_samples: not yet
  model.observe(RanTaskType::equalization, with_prbs(10), 1000);
  auto trained = online.retrain_now();
  ASSERT_TRUE(trained) << trained.error().message;
  EXPECT_EQ(*trained, 1u);
  // The tree follows the PRBs (100 ns each), which the per-type fallback cannot.
  const int64_t at50 = model.predict_ns(eq);
  EXPECT_GE(at50, 5000);
  EXPECT_LE(at50, 7000);
  eq.features = with_prbs(5);
  EXPECT_LE(model.predict_ns(eq), 1000);
}

}  // namespace
}  // namespace airan::rt
