#pragma once
// The interface every execution-time predictor offers (the quantile-tree model and the
// evaluation baselines), so `airan bench predictor` and the runtime treat them alike.

#include <string_view>

#include "airan/predict/features.h"

namespace airan::predict {

class DurationPredictor {
 public:
  virtual ~DurationPredictor() = default;

  /// Short name for reports: "model", "per-type-max", "per-type-quantile", "linear".
  virtual std::string_view name() const = 0;

  /// The quantile of the duration this predictor targets (e.g. 0.9999).
  virtual double quantile() const = 0;

  /// Index of task type `task` for predict_ns (look it up once, at setup), or -1 when the
  /// predictor knows no such task type.
  virtual int task_index(std::string_view task) const = 0;

  /// Predicted `quantile()` of the duration of one execution of task type `task` (an index from
  /// task_index) with features `x`, in nanoseconds; NaN when `task` is not a valid index.
  /// Allocates nothing and takes no lock.
  virtual double predict_ns(int task, const FeatureVector& x) const = 0;
};

}  // namespace airan::predict
