#pragma once
// Quantile regression trees for task execution times (the approach Concordia showed works for
// vRAN tasks): one tree per task type predicts a chosen high quantile (0.99 .. 0.99999) of the
// task's duration from its features.
//
// Training (per task type):
//   - Splits: CART on log(duration) (squared error), histogram-based (at most max_bins
//     thresholds per feature: the distinct values, or quantiles of them), grown best-first up to
//     max_leaves leaves, max_depth levels and min_samples_leaf samples per leaf. A split sends
//     x <= threshold left; a missing (NaN) feature goes right, in training and inference alike.
//   - Leaves: a leaf predicts its median plus a tail margin:
//       multiplicative: median(leaf) * m, m from the ratios  duration / median(own leaf)
//       additive:       median(leaf) + m, m from the residuals  duration - median(own leaf)
//     where m is the q-quantile of those residuals (cross-fitted: each sample against the median
//     of the other half of its leaf, so they are out-of-sample) over the samples of the deepest
//     node on the path from the root whose sample count n satisfies n * (1 - q) >=
//     tail_min_exceedances (so at least that many samples lie above the quantile: an order
//     statistic, not the leaf's maximum). Leaves big enough use their own tail; small leaves borrow
//     the tail shape of the smallest enclosing subtree with enough data, while their median keeps
//     them on their own configuration. Which residual (multiplicative noise such as cache effects,
//     or additive noise such as interrupts of a fixed length) is chosen per task type: the one with
//     the lower mean over-provisioning on the training rows (or as QuantileTreeOptions::tail says).
//   - When even the whole task type has too few samples (n * (1 - q) < tail_min_exceedances, e.g.
//     fewer than 100 000 samples for q = 0.9999), m is extrapolated from the upper tail: an
//     exponential tail fitted to the top tail_fraction of the residuals (peaks over threshold:
//     Q(q) = u + mean_excess * ln(p_u / (1 - q))), and never below the empirical order statistic.
//   - Both estimates are upper confidence bounds, confidence_sigmas standard errors above the
//     point estimate, so the coverage target is met, not met on average.
// Inference: the trees are flattened into arrays of 12-byte nodes (children adjacent); one
// prediction is a short loop of compares, no allocation, no lookup (well under 1 us).
//
// Model file (JSON, written by save(), read by load()):
//   { "format": "airan-predict-model", "version": 1, "model": "quantile-tree",
//     "quantile": 0.9999,
//     "tasks": [ { "task": "ldpc_decode", "training_rows": 12000, "tail": "multiplicative",
//                  "tail_margin": 1.9,
//                  "nodes": [ { "feature": "snr_db", "threshold": 3.5, "left": 1, "right": 2 },
//                             { "leaf": 41230.5 }, { "leaf": 80211.0 } ] } ] }
//   Node 0 is the root; a split node names a feature (features.h), its threshold, and its children
//   `left` > own index and `right` = left + 1; a leaf holds the predicted duration in ns.
//   `tail` and `tail_margin` (informational: m at the root, a ratio or ns) describe the leaves'
//   tail model. Other versions are rejected.

#include <array>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"
#include "airan/predict/features.h"
#include "airan/predict/predictor.h"
#include "airan/predict/trace.h"

namespace airan::predict {

/// Model file format version this build reads and writes.
inline constexpr int kModelFormatVersion = 1;

/// How a leaf's quantile is built from its median (see the file comment).
enum class TailModel : uint8_t { automatic, multiplicative, additive };

struct QuantileTreeOptions {
  double quantile = 0.9999;          ///< target quantile, in (0, 1)
  unsigned max_depth = 12;           ///< levels below the root
  unsigned max_leaves = 256;         ///< per task type
  unsigned min_samples_leaf = 40;    ///< samples per leaf, at least 1
  unsigned max_bins = 64;            ///< split thresholds considered per feature, 2..254
  double min_gain_fraction = 1e-4;   ///< a split must cut the task's log-SSE by this fraction
  double tail_min_exceedances = 10;  ///< samples above the quantile for an empirical tail
  double tail_fraction = 0.02;  ///< top fraction of residuals the exponential tail is fitted to
  TailModel tail = TailModel::automatic;
  /// Margins are upper confidence bounds, this many standard errors above the point estimate
  /// (the order statistic's rank by the binomial, the exponential tail's mean excess), so a
  /// target is met rather than met on average.
  double confidence_sigmas = 1.0;
  /// Features the trees may split on (default: all); a feature the trace lacks is never used.
  std::array<bool, kNumFeatures> use_feature = all_features();

  static constexpr std::array<bool, kNumFeatures> all_features() {
    std::array<bool, kNumFeatures> a{};
    for (auto& b : a) b = true;
    return a;
  }
};

class QuantileTreeModel final : public DurationPredictor {
 public:
  static constexpr uint16_t kLeaf = 0xFFFF;
  /// A flattened tree node: a split (feature, threshold in `value`, children at left and
  /// left + 1) or a leaf (feature == kLeaf, predicted duration in ns in `value`).
  struct Node {
    float value;
    uint16_t feature;
    uint16_t reserved;
    uint32_t left;
  };
  struct TaskTree {
    std::string task;
    std::vector<Node> nodes;  ///< nodes[0] is the root
    size_t training_rows = 0;
    TailModel tail = TailModel::multiplicative;  ///< tail model the leaves were built with
    double tail_margin = 1;  ///< its margin m at the root: a ratio, or ns (see the file comment)
  };

  /// Trains one tree per task type on the rows `rows` of `trace` (all rows when empty). Fails
  /// naming the option out of range, or when no row has a usable duration.
  static Expected<QuantileTreeModel> train(const Trace& trace, std::span<const uint32_t> rows,
                                           const QuantileTreeOptions& options);

  /// A model of target `quantile` with no task type yet (every prediction NaN): the start of a
  /// node that trains its trees online from its own executions.
  static QuantileTreeModel untrained(double quantile);

  /// Parses a model file's JSON text; `source` names it in errors, which name the field.
  static Expected<QuantileTreeModel> from_json(std::string_view text,
                                               std::string_view source = "model");
  /// Reads a model file; errors name the file and the field that is wrong.
  static Expected<QuantileTreeModel> load(const std::filesystem::path& path);

  /// The model file's JSON text (see the file comment).
  std::string to_json() const;
  /// Writes the model file; the error names the file.
  Status save(const std::filesystem::path& path) const;

  std::string_view name() const override { return "model"; }
  double quantile() const override { return quantile_; }
  int task_index(std::string_view task) const override;
  double predict_ns(int task, const FeatureVector& x) const override { return predict(task, x); }

  /// Non-virtual predict_ns for the hot path: predicted quantile duration (ns); NaN for a bad
  /// task index.
  double predict(int task, const FeatureVector& x) const noexcept {
    if (task < 0 || static_cast<size_t>(task) >= tasks_.size()) return std::nan("");
    const Node* nodes = tasks_[static_cast<size_t>(task)].nodes.data();
    const Node* n = nodes;
    while (n->feature != kLeaf) n = nodes + n->left + (x[n->feature] <= n->value ? 0 : 1);
    return n->value;
  }

  /// The trees, one per task type.
  std::span<const TaskTree> tasks() const { return tasks_; }

  /// Features any tree splits on.
  std::vector<Feature> features_used() const;

  /// OK when `trace` has a column for every feature the tree of each of its task types splits on;
  /// otherwise the error names the task type and the missing feature.
  Status check_trace(const Trace& trace) const;

  /// A copy whose trees for the task types in `update` are replaced by (or extended with) those
  /// of `update` (same quantile required, else the error names both).
  Expected<QuantileTreeModel> merged_with(const QuantileTreeModel& update) const;

 private:
  double quantile_ = 0.9999;
  std::vector<TaskTree> tasks_;
};

/// The conservative empirical q-quantile of `values` (reordered): the smallest sample v with at
/// least a fraction q of the samples <= v, so the training coverage reaches q. NaN when empty.
double empirical_quantile(std::span<double> values, double q);

/// The q-quantile of `values` (reordered) as the trees estimate a tail: empirical when
/// n * (1 - q) >= min_exceedances, else the exponential-tail extrapolation described in the file
/// comment (fitted to the top `tail_fraction`), never below the empirical order statistic. Both
/// are raised by `confidence_sigmas` standard errors (rank, or mean excess): 0 = point estimate.
double tail_quantile(std::span<double> values, double q, double min_exceedances,
                     double tail_fraction, double confidence_sigmas = 0);

}  // namespace airan::predict
