#pragma once
// Held-out evaluation of duration predictors: coverage, over-provisioning and inference time.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "airan/predict/predictor.h"
#include "airan/predict/trace.h"

namespace airan::predict {

/// Row indices of a trace split at random into a training and a held-out part.
struct TraceSplit {
  std::vector<uint32_t> train;
  std::vector<uint32_t> test;
};

/// Puts each row into `test` with probability `holdout` (0..1), reproducibly from `seed`.
TraceSplit split_trace(const Trace& trace, double holdout, uint64_t seed);

struct Evaluation {
  std::string predictor;
  double quantile = 0;
  size_t rows = 0;           ///< held-out rows predicted (rows of unknown task types excluded)
  size_t misses = 0;         ///< rows whose duration exceeded the prediction
  size_t unknown_tasks = 0;  ///< rows of task types the predictor does not know (not in rows)
  double coverage = 0;       ///< fraction of rows with duration <= prediction
  double overprovision = 0;  ///< mean of prediction / duration
  double inference_ns = 0;   ///< wall time per predict_ns call (best of a few passes)
};

/// Evaluates `predictor` on rows `rows` of `trace`: coverage, mean over-provisioning and the
/// measured time per prediction (ns), timed in this call.
Evaluation evaluate(const DurationPredictor& predictor, const Trace& trace,
                    std::span<const uint32_t> rows);

}  // namespace airan::predict
