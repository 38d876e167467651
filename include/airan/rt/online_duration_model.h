#pragma once
// TaskDurationModel over the online AI-for-RAN predictor (predict::OnlinePredictor): every
// prediction comes from the running quantile-tree model (a lock-free snapshot), every measured
// execution goes back to it, so coverage is tracked per task type and a drifting type is retrained
// in the background and swapped in while the runtime runs. Task types the model does not know,
// and NaN predictions, fall back to another model, which also sees every observation. Executions
// of an unknown type are recorded as uncovered, so once its window holds enough of them it counts
// as drifting and gets its first tree: a node started from QuantileTreeModel::untrained() trains
// its model on its own trace while it runs.

#include <string>

#include "airan/predict/online.h"
#include "airan/rt/duration_model.h"

namespace airan::rt {

class OnlineDurationModel final : public TaskDurationModel {
 public:
  /// Wraps `online` and `fallback` (both must outlive this object).
  OnlineDurationModel(predict::OnlinePredictor& online, TaskDurationModel& fallback);

  int64_t predict_ns(const RanTask& task) const override;
  /// Records the execution with the prediction the running model makes for it now (the model
  /// that predicted it before it ran, unless a swap happened in between); NaN for a type the
  /// model does not know yet.
  void observe(RanTaskType type, const TaskFeatures& features, int64_t actual_ns) override;

 private:
  // The running model's prediction, ns; NaN when it does not know the type.
  double model_ns(RanTaskType type, const TaskFeatures& features) const;

  predict::OnlinePredictor& online_;
  TaskDurationModel& fallback_;
};

}  // namespace airan::rt
