#pragma once
// How the runtime predicts the duration of a RAN task before it runs, and feeds back what it
// measured. Implementations: RecentQuantileModel (a high quantile of recent durations per task
// type; the default until the AI-for-RAN predictor is wired in) and PredictorDurationModel (any
// predict::DurationPredictor, e.g. the quantile-tree model).

#include <cstdint>

#include "airan/rt/ran_task.h"

namespace airan::rt {

class TaskDurationModel {
 public:
  virtual ~TaskDurationModel() = default;
  /// Predicted duration of `task` (type and features), ns; never negative.
  virtual int64_t predict_ns(const RanTask& task) const = 0;
  /// Records one measured execution of a task of `type` with `features` that took `actual_ns`.
  virtual void observe(RanTaskType type, const TaskFeatures& features, int64_t actual_ns) = 0;
};

}  // namespace airan::rt
