#include "airan/rt/recording_duration_model.h"

namespace airan::rt {

RecordingDurationModel::RecordingDurationModel(TaskDurationModel& inner, size_t max_rows)
    : inner_(inner), max_rows_(max_rows) {
  trace_.task.reserve(max_rows);
  trace_.features.reserve(max_rows * predict::kNumFeatures);
  trace_.duration_ns.reserve(max_rows);
  for (size_t t = 0; t < kNumRanTaskTypes; ++t) {  // names up front: add() then only appends
    trace_.task_names.emplace_back(task_type_name(static_cast<RanTaskType>(t)));
  }
}

void RecordingDurationModel::observe(RanTaskType type, const TaskFeatures& features,
                                     int64_t actual_ns) {
  inner_.observe(type, features, actual_ns);
  if (trace_.rows() >= max_rows_) {
    ++dropped_;
    return;
  }
  trace_.add(task_type_name(type), features, static_cast<double>(actual_ns));
}

}  // namespace airan::rt
