#pragma once
// Online side of the execution-time models: the runtime records every task execution, a
// sliding window per task type tracks coverage (fraction of actual <= predicted), a task type
// whose coverage falls below the target over the window (e.g. because another process now shares
// the machine) is retrained on its window in the background, and the running model is swapped
// atomically: readers take a snapshot without locking and keep the model they hold alive.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "airan/common/expected.h"
#include "airan/predict/features.h"
#include "airan/predict/quantile_tree.h"

namespace airan::predict {

/// A fixed-size window of the most recent executions of one task type, with the coverage of the
/// predictions made for them (only those recorded since the last reset_coverage()).
class CoverageWindow {
 public:
  struct Sample {
    FeatureVector x;
    double actual_ns;
    double predicted_ns;
    bool covered;  ///< actual_ns <= predicted_ns
    bool counted;  ///< part of the coverage statistics (recorded since the last reset)
  };

  /// A window of the last `capacity` (>= 1) executions; allocates once here.
  explicit CoverageWindow(size_t capacity);

  /// Records one execution: features, measured and predicted duration (ns). NaN predictions
  /// count as not covered. Allocates nothing.
  void add(const FeatureVector& x, double actual_ns, double predicted_ns);

  /// Samples held (at most the capacity).
  size_t size() const { return size_; }
  size_t capacity() const { return ring_.size(); }
  /// Samples in the coverage statistics.
  size_t counted() const { return counted_; }
  /// Fraction of counted samples with actual <= predicted; 1 when none is counted.
  double coverage() const;
  /// Stops counting the samples held so far (after a model swap: they were predicted by the old
  /// model); they stay available for training.
  void reset_coverage();
  /// The held samples, oldest first.
  std::vector<Sample> samples() const;

 private:
  std::vector<Sample> ring_;
  size_t next_ = 0, size_ = 0, counted_ = 0, covered_ = 0;
};

struct OnlineOptions {
  size_t window = 20000;      ///< samples per task type
  size_t min_samples = 2000;  ///< counted samples before drift can be declared
  /// Drift when coverage < q - drift_sigma * sqrt(q (1 - q) / n): the binomial margin, so a
  /// well-calibrated model rarely triggers it by chance.
  double drift_sigma = 3.0;
  bool background = true;    ///< retrain in a background thread (false: call retrain_now)
  QuantileTreeOptions tree;  ///< training options (its quantile is replaced by the model's)
};

/// Coverage state of one task type.
struct TaskCoverage {
  std::string task;
  size_t samples = 0;   ///< in the window
  size_t counted = 0;   ///< in the coverage statistics
  double coverage = 1;  ///< fraction of counted samples with actual <= predicted
  bool drifting = false;
};

class OnlinePredictor {
 public:
  /// Starts from `initial` (not null); with options.background a retraining thread waits for
  /// drift.
  OnlinePredictor(std::shared_ptr<const QuantileTreeModel> initial, OnlineOptions options);
  ~OnlinePredictor();
  OnlinePredictor(const OnlinePredictor&) = delete;
  OnlinePredictor& operator=(const OnlinePredictor&) = delete;

  /// The running model: a lock-free snapshot that stays valid while held, across swaps.
  std::shared_ptr<const QuantileTreeModel> model() const {
    return model_.load(std::memory_order_acquire);
  }

  /// Replaces the running model atomically (readers see the old or the new one, never a mix).
  void swap_model(std::shared_ptr<const QuantileTreeModel> next);

  /// Allocates the window of task type `task` now, unless it has one. record() allocates it for
  /// a type it has not seen: `window` samples, 3 MB at the default, whose first touch costs
  /// milliseconds of page faults inside the runtime's control tick; add the known types before a
  /// run.
  void add_task(std::string_view task);

  /// Records one execution of task type `task`: features, measured and predicted duration (ns),
  /// the prediction made before it ran; wakes the background retraining when the task type
  /// drifts. Never blocks (the runtime's control tick calls it on a RAN core): while a retraining
  /// copies the windows, the execution is skipped and counted in skipped().
  void record(std::string_view task, const FeatureVector& x, double actual_ns, double predicted_ns);

  /// Coverage of every task type recorded so far.
  std::vector<TaskCoverage> coverage() const;

  /// Retrains, on its window, every task type that drifts (all with data when `all`), swaps the
  /// merged model in and resets those windows' coverage. Returns how many task types were
  /// retrained; the error names what failed.
  Expected<size_t> retrain_now(bool all = false);

  /// Executions record() skipped because a retraining was reading the windows.
  size_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  /// Completed model swaps by retraining.
  size_t retrain_count() const { return retrains_.load(); }

 private:
  struct TaskWindow {
    std::string task;
    CoverageWindow window;
  };
  bool drifting(const CoverageWindow& w, double q) const;
  // The window of `task`, created if it has none; mutex_ held.
  CoverageWindow& window_of(std::string_view task);
  void background_loop();

  OnlineOptions options_;
  std::atomic<std::shared_ptr<const QuantileTreeModel>> model_;
  mutable std::mutex mutex_;  // guards windows_
  std::vector<std::unique_ptr<TaskWindow>> windows_;
  std::mutex retrain_mutex_;  // one retraining at a time
  std::condition_variable wake_;
  std::mutex wake_mutex_;
  bool wake_pending_ = false, stop_ = false;
  std::atomic<size_t> retrains_{0};
  std::atomic<size_t> skipped_{0};
  std::thread worker_;
};

}  // namespace airan::predict
