// Additive Holt-Winters (level + season, no trend) for per-cell PRB demand.
#include "airan/predict/load_forecast.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace airan::predict {

Expected<PrbLoadForecaster> PrbLoadForecaster::create(const LoadForecastOptions& options) {
  if (!(options.level_alpha > 0 && options.level_alpha <= 1)) {
    return Error{"load forecast: level_alpha " + std::to_string(options.level_alpha) +
                 " out of range (expected 0 < alpha <= 1)"};
  }
  if (!(options.season_gamma >= 0 && options.season_gamma <= 1)) {
    return Error{"load forecast: season_gamma " + std::to_string(options.season_gamma) +
                 " out of range (expected 0..1)"};
  }
  if (!(options.error_beta > 0 && options.error_beta <= 1)) {
    return Error{"load forecast: error_beta " + std::to_string(options.error_beta) +
                 " out of range (expected 0 < beta <= 1)"};
  }
  if (options.season_slots > 100000) {
    return Error{"load forecast: season_slots " + std::to_string(options.season_slots) +
                 " too long (expected 0..100000)"};
  }
  PrbLoadForecaster f;
  f.o_ = options;
  f.season_.assign(options.season_slots, 0.0);
  f.first_.reserve(options.season_slots);
  return f;
}

void PrbLoadForecaster::observe(double prbs) {
  const size_t p = o_.season_slots;
  const size_t idx = p ? slots_ % p : 0;
  if (slots_ == 0) {
    level_ = prbs;
  } else {
    const double s = seasonal_ready_ ? season_[idx] : 0.0;
    const double err = prbs - (level_ + s);
    abs_error_ = o_.error_beta * std::abs(err) + (1 - o_.error_beta) * abs_error_;
    const double level = o_.level_alpha * (prbs - s) + (1 - o_.level_alpha) * level_;
    if (seasonal_ready_)
      season_[idx] = o_.season_gamma * (prbs - level) + (1 - o_.season_gamma) * s;
    level_ = level;
  }
  if (p && !seasonal_ready_) {
    first_.push_back(prbs);
    if (first_.size() == p) {
      // End of the first season: its mean is the level, deviations from it the seasonal terms.
      double mean = 0;
      for (double v : first_) mean += v;
      mean /= static_cast<double>(p);
      for (size_t i = 0; i < p; ++i) season_[i] = first_[i] - mean;
      level_ = mean;
      seasonal_ready_ = true;
    }
  }
  ++slots_;
}

double PrbLoadForecaster::forecast(unsigned h) const {
  if (slots_ == 0) return 0.0;
  double v = level_;
  if (seasonal_ready_ && o_.season_slots) {
    v += season_[(slots_ + std::max(h, 1u) - 1) % o_.season_slots];
  }
  return std::max(v, 0.0);
}

void PrbLoadForecaster::forecast(std::span<double> out) const {
  for (size_t i = 0; i < out.size(); ++i) out[i] = forecast(static_cast<unsigned>(i + 1));
}

double PrbLoadForecaster::upper_bound(unsigned h, double k) const {
  return forecast(h) + k * abs_error_;
}

}  // namespace airan::predict
