#include "airan/rt/predictor_duration_model.h"

#include <cmath>

namespace airan::rt {

PredictorDurationModel::PredictorDurationModel(const predict::DurationPredictor& predictor,
                                               TaskDurationModel& fallback)
    : predictor_(predictor), fallback_(fallback) {
  for (size_t t = 0; t < kNumRanTaskTypes; ++t) {
    index_[t] = predictor_.task_index(task_type_name(static_cast<RanTaskType>(t)));
  }
}

int64_t PredictorDurationModel::predict_ns(const RanTask& task) const {
  const int i = index_[index_of(task.type)];
  if (i >= 0) {
    const double ns = predictor_.predict_ns(i, task.features);
    if (std::isfinite(ns) && ns >= 0) return static_cast<int64_t>(std::ceil(ns));
  }
  return fallback_.predict_ns(task);
}

void PredictorDurationModel::observe(RanTaskType type, const TaskFeatures& features,
                                     int64_t actual_ns) {
  fallback_.observe(type, features, actual_ns);
}

}  // namespace airan::rt
