// The node's own trace: every observed execution kept as a trace row (up to a bound), predictions
// and observations passed through, and a quantile-tree model trainable from the rows.
#include "airan/rt/recording_duration_model.h"

#include <gtest/gtest.h>

#include "airan/predict/quantile_tree.h"
#include "airan/rt/recent_quantile_model.h"

namespace airan::rt {
namespace {

TEST(RecordingDurationModel, KeepsEveryExecutionAsATraceRowUpToItsBound) {
  RecentQuantileOptions ro;
  ro.cold_start_ns = 500;
  auto recent = RecentQuantileModel::create(ro);
  ASSERT_TRUE(recent);
  RecordingDurationModel rec(*recent, 3000);
  TaskFeatures x = predict::missing_features();
  for (int i = 0; i < 3500; ++i) {
    x[predict::index_of(predict::Feature::prbs)] = static_cast<float>(1 + i % 50);
    rec.observe(RanTaskType::ldpc_decode, x, 1000 + 10 * (i % 50));
  }
  ASSERT_EQ(rec.trace().rows(), 3000u);
  EXPECT_EQ(rec.dropped(), 500u);
  EXPECT_EQ(rec.trace().task_names[rec.trace().task[0]], "ldpc_decode");
  EXPECT_EQ(rec.trace().duration_ns[1], 1010);
  RanTask t;
  t.type = RanTaskType::ldpc_decode;
  EXPECT_EQ(rec.predict_ns(t), recent->predict_ns(t));  // predictions are the inner model's

  predict::QuantileTreeOptions to;
  to.quantile = 0.99;
  auto model = predict::QuantileTreeModel::train(rec.trace(), {}, to);
  ASSERT_TRUE(model) << model.error().message;
  const int index = model->task_index("ldpc_decode");
  ASSERT_GE(index, 0);
  x[predict::index_of(predict::Feature::prbs)] = 40;
  EXPECT_GE(model->predict(index, x), 1390.0);
}

}  // namespace
}  // namespace airan::rt
