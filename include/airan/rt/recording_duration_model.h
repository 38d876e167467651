#pragma once
// A TaskDurationModel that passes everything to another model and also keeps every observed
// execution as a trace row (task type, features, measured duration): the node's own trace, from
// which the AI-for-RAN predictor is (re)trained on live data.

#include <cstddef>

#include "airan/predict/trace.h"
#include "airan/rt/duration_model.h"

namespace airan::rt {

class RecordingDurationModel final : public TaskDurationModel {
 public:
  /// Forwards to `inner` (must outlive this object); keeps at most `max_rows` rows (the first
  /// ones; later executions are counted in dropped()). Reserves the trace up front so that
  /// recording in the control tick does not allocate.
  RecordingDurationModel(TaskDurationModel& inner, size_t max_rows);

  int64_t predict_ns(const RanTask& task) const override { return inner_.predict_ns(task); }
  void observe(RanTaskType type, const TaskFeatures& features, int64_t actual_ns) override;

  /// The rows recorded so far (read while the runtime is stopped).
  const predict::Trace& trace() const { return trace_; }
  size_t dropped() const { return dropped_; }

 private:
  TaskDurationModel& inner_;
  size_t max_rows_;
  size_t dropped_ = 0;
  predict::Trace trace_;
};

}  // namespace airan::rt
