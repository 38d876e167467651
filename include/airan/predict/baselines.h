#pragma once
// Baseline predictors for the evaluation of the quantile trees: what a scheduler without a
// feature model would use.

#include <span>
#include <string>
#include <vector>

#include "airan/common/expected.h"
#include "airan/predict/predictor.h"
#include "airan/predict/trace.h"

namespace airan::predict {

/// Per task type, one number: the largest duration ever seen (per-type-max) or the empirical
/// q-quantile of the durations (per-type-quantile). Features are ignored.
class PerTypeConstant final : public DurationPredictor {
 public:
  enum class Kind { max, quantile };

  /// Fits on rows `rows` of `trace` (all when empty). Error when no row remains or q is out of (0,
  /// 1).
  static Expected<PerTypeConstant> train(const Trace& trace, std::span<const uint32_t> rows,
                                         Kind kind, double q);

  std::string_view name() const override {
    return kind_ == Kind::max ? "per-type-max" : "per-type-quantile";
  }
  double quantile() const override { return q_; }
  int task_index(std::string_view task) const override;
  double predict_ns(int task, const FeatureVector& x) const override;

 private:
  Kind kind_ = Kind::max;
  double q_ = 0.9999;
  std::vector<std::string> tasks_;
  std::vector<double> value_ns_;
};

/// Per task type, least squares of the duration on the features present for that type (plus an
/// intercept; missing values count as the training mean), then a constant offset: the empirical
/// q-quantile of the training residuals, so the training coverage reaches q.
class LinearQuantile final : public DurationPredictor {
 public:
  /// Fits on rows `rows` of `trace` (all when empty). Error when no row remains or q is out of (0,
  /// 1).
  static Expected<LinearQuantile> train(const Trace& trace, std::span<const uint32_t> rows,
                                        double q);

  std::string_view name() const override { return "linear"; }
  double quantile() const override { return q_; }
  int task_index(std::string_view task) const override;
  double predict_ns(int task, const FeatureVector& x) const override;

 private:
  struct TaskFit {
    std::string task;
    std::vector<uint8_t> features;  // feature indices used
    std::vector<double> mean;       // per used feature: training mean (stands in for NaN)
    std::vector<double> weight;     // per used feature
    double intercept = 0;           // offset included
  };
  double q_ = 0.9999;
  std::vector<TaskFit> tasks_;
};

}  // namespace airan::predict
