#pragma once
// Duration prediction from recent history only: per task type, a window of the last N measured
// durations and their q-quantile, refreshed every few observations (so predict_ns is a table
// read). A task type with no history yet is predicted at `cold_start_ns`, on the safe side.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "airan/common/expected.h"
#include "airan/rt/duration_model.h"

namespace airan::rt {

struct RecentQuantileOptions {
  size_t window = 512;              ///< durations kept per task type (>= 1)
  double quantile = 0.99;           ///< in (0, 1]
  size_t refresh_every = 16;        ///< observations between quantile refreshes (>= 1)
  int64_t cold_start_ns = 200'000;  ///< prediction before any observation (>= 0)
  double margin = 1.0;              ///< multiplies the quantile (>= 1)
};

class RecentQuantileModel final : public TaskDurationModel {
 public:
  /// Checks the options and allocates every window; the error names the bad field and its range.
  static Expected<RecentQuantileModel> create(const RecentQuantileOptions& options);

  int64_t predict_ns(const RanTask& task) const override;
  void observe(RanTaskType type, const TaskFeatures& features, int64_t actual_ns) override;

  /// The current prediction for task type `type`, ns.
  int64_t predict_type_ns(RanTaskType type) const { return predicted_[index_of(type)]; }
  /// Observations held for `type`.
  size_t samples(RanTaskType type) const { return windows_[index_of(type)].size; }

 private:
  explicit RecentQuantileModel(const RecentQuantileOptions& options);
  struct Window {
    std::vector<int64_t> ring;
    size_t next = 0, size = 0, since_refresh = 0;
  };
  void refresh(size_t type);

  RecentQuantileOptions options_;
  std::array<Window, kNumRanTaskTypes> windows_;
  std::array<int64_t, kNumRanTaskTypes> predicted_{};
  std::vector<int64_t> scratch_;
};

}  // namespace airan::rt
