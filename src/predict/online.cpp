// Sliding coverage windows, drift detection, background retraining and the atomic model swap.
#include "airan/predict/online.h"

#include <cmath>

namespace airan::predict {

CoverageWindow::CoverageWindow(size_t capacity) : ring_(std::max<size_t>(capacity, 1)) {}

void CoverageWindow::add(const FeatureVector& x, double actual_ns, double predicted_ns) {
  Sample& s = ring_[next_];
  if (size_ == ring_.size() && s.counted) {  // the oldest sample leaves the statistics
    --counted_;
    if (s.covered) --covered_;
  }
  s.x = x;
  s.actual_ns = actual_ns;
  s.predicted_ns = predicted_ns;
  s.covered = actual_ns <= predicted_ns;  // false for a NaN prediction
  s.counted = true;
  ++counted_;
  if (s.covered) ++covered_;
  next_ = (next_ + 1) % ring_.size();
  if (size_ < ring_.size()) ++size_;
}

double CoverageWindow::coverage() const {
  return counted_ ? static_cast<double>(covered_) / static_cast<double>(counted_) : 1.0;
}

void CoverageWindow::reset_coverage() {
  for (auto& s : ring_) s.counted = false;
  counted_ = covered_ = 0;
}

std::vector<CoverageWindow::Sample> CoverageWindow::samples() const {
  std::vector<Sample> out;
  out.reserve(size_);
  const size_t start = size_ < ring_.size() ? 0 : next_;
  for (size_t i = 0; i < size_; ++i) out.push_back(ring_[(start + i) % ring_.size()]);
  return out;
}

OnlinePredictor::OnlinePredictor(std::shared_ptr<const QuantileTreeModel> initial,
                                 OnlineOptions options)
    : options_(std::move(options)), model_(std::move(initial)) {
  if (options_.background) worker_ = std::thread([this] { background_loop(); });
}

OnlinePredictor::~OnlinePredictor() {
  {
    std::lock_guard lk(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void OnlinePredictor::swap_model(std::shared_ptr<const QuantileTreeModel> next) {
  if (next) model_.store(std::move(next), std::memory_order_release);
}

bool OnlinePredictor::drifting(const CoverageWindow& w, double q) const {
  const size_t n = w.counted();
  if (n < std::max<size_t>(options_.min_samples, 1)) return false;
  const double margin = options_.drift_sigma * std::sqrt(q * (1.0 - q) / static_cast<double>(n));
  return w.coverage() < q - margin;
}

CoverageWindow& OnlinePredictor::window_of(std::string_view task) {
  for (auto& w : windows_) {
    if (w->task == task) return w->window;
  }
  windows_.push_back(
      std::make_unique<TaskWindow>(TaskWindow{std::string(task), CoverageWindow(options_.window)}));
  return windows_.back()->window;
}

void OnlinePredictor::add_task(std::string_view task) {
  std::lock_guard lk(mutex_);
  window_of(task);
}

void OnlinePredictor::record(std::string_view task, const FeatureVector& x, double actual_ns,
                             double predicted_ns) {
  const double q = model()->quantile();
  bool drift = false;
  {
    std::unique_lock lk(mutex_, std::try_to_lock);
    if (!lk.owns_lock()) {
      skipped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    CoverageWindow& window = window_of(task);
    window.add(x, actual_ns, predicted_ns);
    drift = drifting(window, q);
  }
  if (drift && options_.background) {
    // Held otherwise by the retraining thread (awake then) or the destructor; the next drifting
    // record wakes it.
    std::unique_lock lk(wake_mutex_, std::try_to_lock);
    if (lk.owns_lock()) {
      wake_pending_ = true;
      lk.unlock();
      wake_.notify_one();
    }
  }
}

std::vector<TaskCoverage> OnlinePredictor::coverage() const {
  const double q = model()->quantile();
  std::lock_guard lk(mutex_);
  std::vector<TaskCoverage> out;
  for (const auto& w : windows_) {
    out.push_back({w->task, w->window.size(), w->window.counted(), w->window.coverage(),
                   drifting(w->window, q)});
  }
  return out;
}

Expected<size_t> OnlinePredictor::retrain_now(bool all) {
  std::lock_guard retrain_lock(retrain_mutex_);
  const auto current = model();
  const double q = current->quantile();
  Trace window_trace;
  std::vector<std::string> retrained;
  {
    std::lock_guard lk(mutex_);
    for (const auto& w : windows_) {
      if (w->window.size() == 0 || !(all || drifting(w->window, q))) continue;
      for (const auto& s : w->window.samples()) window_trace.add(w->task, s.x, s.actual_ns);
      retrained.push_back(w->task);
    }
  }
  if (retrained.empty()) return size_t{0};
  QuantileTreeOptions opts = options_.tree;
  opts.quantile = q;
  auto update = QuantileTreeModel::train(window_trace, {}, opts);
  if (!update) return Error{"online retraining: " + update.error().message};
  auto merged = model()->merged_with(*update);
  if (!merged) return Error{"online retraining: " + merged.error().message};
  swap_model(std::make_shared<const QuantileTreeModel>(std::move(*merged)));
  {
    std::lock_guard lk(mutex_);
    for (auto& w : windows_) {
      for (const auto& name : retrained) {
        if (w->task == name) w->window.reset_coverage();
      }
    }
  }
  retrains_.fetch_add(1);
  return retrained.size();
}

void OnlinePredictor::background_loop() {
  while (true) {
    {
      std::unique_lock lk(wake_mutex_);
      wake_.wait(lk, [this] { return wake_pending_ || stop_; });
      if (stop_) return;
      wake_pending_ = false;
    }
    // A failed retraining keeps the running model; the next drift report tries again.
    (void)retrain_now(false);
  }
}

}  // namespace airan::predict
