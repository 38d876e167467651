#pragma once
// TaskDurationModel over an AI-for-RAN predictor (predict::DurationPredictor, e.g. the
// quantile-tree model). Task types the predictor does not know, and NaN predictions, fall back to
// another model (typically a RecentQuantileModel), which also receives every observation.

#include <array>

#include "airan/predict/predictor.h"
#include "airan/rt/duration_model.h"

namespace airan::rt {

class PredictorDurationModel final : public TaskDurationModel {
 public:
  /// Wraps `predictor` and `fallback` (both must outlive this object).
  PredictorDurationModel(const predict::DurationPredictor& predictor, TaskDurationModel& fallback);

  int64_t predict_ns(const RanTask& task) const override;
  void observe(RanTaskType type, const TaskFeatures& features, int64_t actual_ns) override;

 private:
  const predict::DurationPredictor& predictor_;
  TaskDurationModel& fallback_;
  std::array<int, kNumRanTaskTypes> index_{};  // predictor task index per type, -1 = unknown
};

}  // namespace airan::rt
