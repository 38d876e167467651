// Online coverage windows, drift detection, retraining and the atomic model swap.
#include "airan/predict/online.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "predict/synthetic.h"

namespace airan::predict {
namespace {

TEST(CoverageWindow, CountsAndEvicts) {
  CoverageWindow w(4);
  const FeatureVector x = missing_features();
  EXPECT_EQ(w.coverage(), 1.0);
  w.add(x, 10, 5);   // miss
  w.add(x, 10, 20);  // hit
  EXPECT_EQ(w.size(), 2u);
  EXPECT_DOUBLE_EQ(w.coverage(), 0.5);
  w.add(x, 10, 20);
  w.add(x, 10, 20);
  w.add(x, 10, 20);  // evicts the miss
  EXPECT_EQ(w.size(), 4u);
  EXPECT_DOUBLE_EQ(w.coverage(), 1.0);
  w.add(x, 10, std::nan(""));  // NaN prediction: a miss
  EXPECT_DOUBLE_EQ(w.coverage(), 0.75);
  w.reset_coverage();
  EXPECT_EQ(w.counted(), 0u);
  EXPECT_EQ(w.size(), 4u);
  w.add(x, 30, 20);
  EXPECT_EQ(w.counted(), 1u);
  EXPECT_DOUBLE_EQ(w.coverage(), 0.0);
  const auto s = w.samples();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.back().actual_ns, 30);
  EXPECT_TRUE(std::isnan(s[2].predicted_ns));
}

std::shared_ptr<const QuantileTreeModel> train(const Trace& t, double q) {
  QuantileTreeOptions o;
  o.quantile = q;
  auto m = QuantileTreeModel::train(t, {}, o);
  EXPECT_TRUE(m) << m.error().message;
  return std::make_shared<const QuantileTreeModel>(std::move(*m));
}

// Feeds the rows of `t` through `online` with the running model's predictions.
size_t feed(OnlinePredictor& online, const Trace& t) {
  size_t misses = 0;
  for (size_t r = 0; r < t.rows(); ++r) {
    FeatureVector x;
    const auto f = t.row_features(r);
    std::copy(f.begin(), f.end(), x.begin());
    const auto model = online.model();
    const std::string& name = t.task_names[t.task[r]];
    const double p = model->predict(model->task_index(name), x);
    misses += !(t.duration_ns[r] <= p);
    online.record(name, x, t.duration_ns[r], p);
  }
  return misses;
}

TEST(OnlinePredictor, AnAddedTaskTypeHasAnEmptyWindowThatRecordFills) {
  OnlineOptions o;
  o.background = false;
  o.window = 100;
  OnlinePredictor online(train(test::synthetic_trace(3000, 1), 0.99), o);
  online.add_task("crc");
  online.add_task("crc");  // once only
  auto c = online.coverage();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].task, "crc");
  EXPECT_EQ(c[0].samples, 0u);
  EXPECT_FALSE(c[0].drifting);
  online.record("crc", missing_features(), 1000, 2000);
  c = online.coverage();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].samples, 1u);
}

TEST(OnlinePredictor, DetectsDriftAndRetrainsOnTheWindow) {
  const auto initial = train(test::synthetic_trace(30000, 1), 0.99);
  OnlineOptions o;
  o.window = 10000;
  o.min_samples = 1000;
  o.background = false;
  OnlinePredictor online(initial, o);
  // Same distribution: coverage near 0.99, no drift.
  feed(online, test::synthetic_trace(5000, 2));
  for (const auto& c : online.coverage()) {
    EXPECT_FALSE(c.drifting) << c.task << " coverage " << c.coverage;
  }
  auto none = online.retrain_now();
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0u);
  // Everything 40 % slower (another process shares the cores): coverage collapses. Enough rows
  // that both windows hold only the slow regime.
  feed(online, test::synthetic_trace(60000, 3, {}, 1.4));
  size_t drifting = 0;
  for (const auto& c : online.coverage()) {
    drifting += c.drifting;
    if (c.task == "ldpc_decode") {
      EXPECT_LT(c.coverage, 0.9);
    }
  }
  EXPECT_EQ(drifting, 2u);
  auto n = online.retrain_now();
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(online.retrain_count(), 1u);
  EXPECT_NE(online.model(), initial);
  for (const auto& c : online.coverage()) EXPECT_EQ(c.counted, 0u);
  // The retrained model covers the slower regime again.
  const Trace slow = test::synthetic_trace(10000, 4, {}, 1.4);
  const size_t misses = feed(online, slow);
  EXPECT_LT(static_cast<double>(misses) / slow.rows(), 0.02);
  for (const auto& c : online.coverage()) {
    EXPECT_FALSE(c.drifting) << c.task << " coverage " << c.coverage << " of " << c.counted;
  }
}

TEST(OnlinePredictor, BackgroundThreadRetrainsAfterDrift) {
  const auto initial = train(test::synthetic_trace(20000, 5), 0.99);
  OnlineOptions o;
  o.window = 3000;
  o.min_samples = 500;
  OnlinePredictor online(initial, o);
  feed(online, test::synthetic_trace(3000, 6, {}, 2.0));
  // Retraining runs in the background: wait for it (generously), then check the swap.
  for (int i = 0; i < 600 && online.retrain_count() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(online.retrain_count(), 1u);
  EXPECT_NE(online.model(), initial);
}

TEST(OnlinePredictor, SwapUnderConcurrentReaders) {
  const Trace t = test::synthetic_trace(5000, 7);
  const auto a = train(t, 0.99);
  const auto b = train(test::synthetic_trace(5000, 8, {}, 5.0), 0.99);
  FeatureVector x = missing_features();
  x[index_of(Feature::prbs)] = 50;
  x[index_of(Feature::iterations)] = 3;
  x[index_of(Feature::snr_db)] = 10;
  const double pa = a->predict(a->task_index("ldpc_decode"), x);
  const double pb = b->predict(b->task_index("ldpc_decode"), x);
  ASSERT_NE(pa, pb);
  OnlineOptions o;
  o.background = false;
  OnlinePredictor online(a, o);
  std::atomic<bool> stop{false};
  std::atomic<size_t> reads{0}, bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        const auto m = online.model();
        const double p = m->predict(m->task_index("ldpc_decode"), x);
        if (p != pa && p != pb) bad.fetch_add(1);
        reads.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  // At least 2000 swaps, and on until the readers have read plenty (bounded).
  for (int i = 0; i < 200000 && (i < 2000 || reads.load() < 20000); ++i) {
    online.swap_model(i % 2 ? a : std::make_shared<const QuantileTreeModel>(*b));
  }
  stop = true;
  for (auto& th : readers) th.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_GT(reads.load(), 0u);
}

}  // namespace
}  // namespace airan::predict
