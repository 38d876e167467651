#include "airan/rt/online_duration_model.h"

#include <cmath>
#include <limits>

namespace airan::rt {

OnlineDurationModel::OnlineDurationModel(predict::OnlinePredictor& online,
                                         TaskDurationModel& fallback)
    : online_(online), fallback_(fallback) {
  // Every window now, not in the control tick at the first execution of each type.
  for (size_t t = 0; t < kNumRanTaskTypes; ++t) {
    online_.add_task(task_type_name(static_cast<RanTaskType>(t)));
  }
}

double OnlineDurationModel::model_ns(RanTaskType type, const TaskFeatures& features) const {
  const auto model = online_.model();  // the snapshot stays valid while held
  const int index = model->task_index(task_type_name(type));
  if (index < 0) return std::numeric_limits<double>::quiet_NaN();
  return model->predict(index, features);
}

int64_t OnlineDurationModel::predict_ns(const RanTask& task) const {
  const double ns = model_ns(task.type, task.features);
  if (std::isfinite(ns) && ns >= 0) return static_cast<int64_t>(std::ceil(ns));
  return fallback_.predict_ns(task);
}

void OnlineDurationModel::observe(RanTaskType type, const TaskFeatures& features,
                                  int64_t actual_ns) {
  fallback_.observe(type, features, actual_ns);
  online_.record(task_type_name(type), features, static_cast<double>(actual_ns),
                 model_ns(type, features));
}

}  // namespace airan::rt
