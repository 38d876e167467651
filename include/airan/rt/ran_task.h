#pragma once
// One unit of RAN work as the runtime sees it: a type, a few features for the duration
// predictor, a release time (when its input is complete) and an absolute deadline, the work itself
// as a callable, and the bookkeeping the runtime fills in (predicted and actual duration).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "airan/predict/features.h"

namespace airan::rt {

class SlotTaskGraph;

using Clock = std::chrono::steady_clock;

/// The PUSCH receive stages a slot is cut into (names match the predictor's trace task names).
enum class RanTaskType : uint8_t {
  ofdm_demod,
  channel_estimation,
  equalization,
  demap,
  descramble,
  rate_dematch,
  ldpc_decode,
  crc,
  tb_decode,
  other,
};

inline constexpr size_t kNumRanTaskTypes = 10;

/// Name of `type` as in predictor traces ("ldpc_decode", ...).
std::string_view task_type_name(RanTaskType type);

/// The task type named `name`; nullopt for an unknown name.
std::optional<RanTaskType> task_type_from_name(std::string_view name);

/// Index of `type` for per-type arrays.
constexpr size_t index_of(RanTaskType type) {
  return static_cast<size_t>(type);
}

/// Features of one task (the predictor's fixed array, NaN = missing).
using TaskFeatures = predict::FeatureVector;

struct RanTask {
  RanTaskType type = RanTaskType::other;
  TaskFeatures features = predict::missing_features();
  Clock::time_point release{};   ///< earliest start (the slot's samples are complete)
  Clock::time_point deadline{};  ///< absolute deadline
  std::function<void()> run;     ///< the work; must not throw

  // Bookkeeping: set by SlotTaskGraph::add and the runtime.
  SlotTaskGraph* graph = nullptr;  ///< the slot this task belongs to
  uint32_t cell = 0;
  uint64_t slot = 0;                 ///< absolute slot number of the cell
  uint32_t index = 0;                ///< position in its SlotTaskGraph
  int64_t predicted_ns = 0;          ///< predicted duration, set when the runtime admits the task
  int64_t actual_ns = 0;             ///< measured duration, set when it completes
  std::vector<uint32_t> successors;  ///< tasks of the same graph released by this one
  uint32_t n_predecessors = 0;       ///< tasks of the same graph that must complete first
};

}  // namespace airan::rt
