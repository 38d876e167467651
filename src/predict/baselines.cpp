// Per-type constant and linear-regression baselines.
#include "airan/predict/baselines.h"

#include <algorithm>
#include <cmath>

#include "airan/predict/quantile_tree.h"

namespace airan::predict {
namespace {

std::vector<std::vector<uint32_t>> rows_per_task(const Trace& trace,
                                                 std::span<const uint32_t> rows) {
  std::vector<std::vector<uint32_t>> per(trace.task_names.size());
  if (rows.empty()) {
    for (size_t r = 0; r < trace.rows(); ++r)
      per[trace.task[r]].push_back(static_cast<uint32_t>(r));
  } else {
    for (uint32_t r : rows) {
      if (r < trace.rows()) per[trace.task[r]].push_back(r);
    }
  }
  return per;
}

Status check_q(double q) {
  if (!(q > 0 && q < 1))
    return Error{"quantile " + std::to_string(q) + " out of range (expected 0 < q < 1)"};
  return Status::ok();
}

// Solves the symmetric system a x = b (n x n, row-major) by Gaussian elimination with partial
// pivoting; false when singular.
bool solve(std::vector<double>& a, std::vector<double>& b, size_t n) {
  for (size_t c = 0; c < n; ++c) {
    size_t piv = c;
    for (size_t r = c + 1; r < n; ++r) {
      if (std::abs(a[r * n + c]) > std::abs(a[piv * n + c])) piv = r;
    }
    if (std::abs(a[piv * n + c]) < 1e-12) return false;
    if (piv != c) {
      for (size_t k = 0; k < n; ++k) std::swap(a[c * n + k], a[piv * n + k]);
      std::swap(b[c], b[piv]);
    }
    for (size_t r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / a[c * n + c];
      for (size_t k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
      b[r] -= f * b[c];
    }
  }
  for (size_t c = n; c-- > 0;) {
    double s = b[c];
    for (size_t k = c + 1; k < n; ++k) s -= a[c * n + k] * b[k];
    b[c] = s / a[c * n + c];
  }
  return true;
}

}  // namespace

Expected<PerTypeConstant> PerTypeConstant::train(const Trace& trace, std::span<const uint32_t> rows,
                                                 Kind kind, double q) {
  if (Status s = check_q(q); !s) return Error{"per-type baseline: " + s.message()};
  PerTypeConstant p;
  p.kind_ = kind;
  p.q_ = q;
  const auto per = rows_per_task(trace, rows);
  std::vector<double> d;
  for (size_t t = 0; t < per.size(); ++t) {
    if (per[t].empty()) continue;
    d.clear();
    for (uint32_t r : per[t]) d.push_back(trace.duration_ns[r]);
    p.tasks_.push_back(trace.task_names[t]);
    p.value_ns_.push_back(kind == Kind::max ? *std::max_element(d.begin(), d.end())
                                            : empirical_quantile(d, q));
  }
  if (p.tasks_.empty()) return Error{"per-type baseline: the trace has no rows to fit"};
  return p;
}

int PerTypeConstant::task_index(std::string_view task) const {
  for (size_t i = 0; i < tasks_.size(); ++i) {
    if (tasks_[i] == task) return static_cast<int>(i);
  }
  return -1;
}

double PerTypeConstant::predict_ns(int task, const FeatureVector&) const {
  if (task < 0 || static_cast<size_t>(task) >= value_ns_.size()) return std::nan("");
  return value_ns_[static_cast<size_t>(task)];
}

Expected<LinearQuantile> LinearQuantile::train(const Trace& trace, std::span<const uint32_t> rows,
                                               double q) {
  if (Status s = check_q(q); !s) return Error{"linear baseline: " + s.message()};
  LinearQuantile lin;
  lin.q_ = q;
  const auto per = rows_per_task(trace, rows);
  for (size_t t = 0; t < per.size(); ++t) {
    const auto& rs = per[t];
    if (rs.empty()) continue;
    TaskFit fit;
    fit.task = trace.task_names[t];
    // Features with at least two distinct values among this type's rows; mean and spread.
    std::vector<double> sd;
    for (size_t f = 0; f < kNumFeatures; ++f) {
      if (!trace.has_column[f]) continue;
      double s = 0, s2 = 0;
      size_t n = 0;
      for (uint32_t r : rs) {
        const float v = trace.row_features(r)[f];
        if (std::isnan(v)) continue;
        s += v;
        s2 += static_cast<double>(v) * v;
        ++n;
      }
      if (n < 2) continue;
      const double mean = s / static_cast<double>(n);
      const double var = s2 / static_cast<double>(n) - mean * mean;
      if (!(var > 1e-12 * std::max(1.0, mean * mean))) continue;
      fit.features.push_back(static_cast<uint8_t>(f));
      fit.mean.push_back(mean);
      sd.push_back(std::sqrt(var));
    }
    // Normal equations on standardised features (missing = 0 after centring), small ridge.
    const size_t p = fit.features.size() + 1;
    std::vector<double> a(p * p, 0.0), b(p, 0.0), z(p);
    double ymean = 0;
    for (uint32_t r : rs) ymean += trace.duration_ns[r];
    ymean /= static_cast<double>(rs.size());
    auto standardised = [&](uint32_t r) {
      const auto x = trace.row_features(r);
      z[0] = 1.0;
      for (size_t j = 0; j + 1 < p; ++j) {
        const float v = x[fit.features[j]];
        z[j + 1] = std::isnan(v) ? 0.0 : (v - fit.mean[j]) / sd[j];
      }
    };
    for (uint32_t r : rs) {
      standardised(r);
      const double y = trace.duration_ns[r] - ymean;
      for (size_t i = 0; i < p; ++i) {
        b[i] += z[i] * y;
        for (size_t k = 0; k < p; ++k) a[i * p + k] += z[i] * z[k];
      }
    }
    for (size_t i = 1; i < p; ++i) a[i * p + i] += 1e-6 * static_cast<double>(rs.size());
    if (!solve(a, b, p)) {
      b.assign(p, 0.0);  // degenerate: the mean alone
    }
    fit.intercept = ymean + b[0];
    fit.weight.resize(p - 1);
    for (size_t j = 0; j + 1 < p; ++j) fit.weight[j] = b[j + 1] / sd[j];
    // Offset: the q-quantile of the training residuals.
    std::vector<double> resid;
    resid.reserve(rs.size());
    for (uint32_t r : rs) {
      const auto x = trace.row_features(r);
      double pred = fit.intercept;
      for (size_t j = 0; j < fit.features.size(); ++j) {
        const float v = x[fit.features[j]];
        if (!std::isnan(v)) pred += fit.weight[j] * (v - fit.mean[j]);
      }
      resid.push_back(trace.duration_ns[r] - pred);
    }
    fit.intercept += empirical_quantile(resid, q);
    lin.tasks_.push_back(std::move(fit));
  }
  if (lin.tasks_.empty()) return Error{"linear baseline: the trace has no rows to fit"};
  return lin;
}

int LinearQuantile::task_index(std::string_view task) const {
  for (size_t i = 0; i < tasks_.size(); ++i) {
    if (tasks_[i].task == task) return static_cast<int>(i);
  }
  return -1;
}

double LinearQuantile::predict_ns(int task, const FeatureVector& x) const {
  if (task < 0 || static_cast<size_t>(task) >= tasks_.size()) return std::nan("");
  const TaskFit& fit = tasks_[static_cast<size_t>(task)];
  double pred = fit.intercept;
  for (size_t j = 0; j < fit.features.size(); ++j) {
    const float v = x[fit.features[j]];
    if (!std::isnan(v)) pred += fit.weight[j] * (v - fit.mean[j]);
  }
  return pred;
}

}  // namespace airan::predict
