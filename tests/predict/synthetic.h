#pragma once
// Synthetic traces whose conditional quantiles are known analytically, for the predict tests.

#include <cmath>
#include <random>

#include "airan/predict/trace.h"

namespace airan::predict::test {

// duration = a * prbs + b * iterations + lognormal(mu, sigma) noise, for prbs in {10, 20, .., 100}
// and iterations in {1, .., 8}; a second task type "crc" depends on tbs only.
struct SyntheticModel {
  double a = 1000, b = 5000;
  double mu = std::log(2000.0), sigma = 0.5;

  double base(double prbs, double iterations) const { return a * prbs + b * iterations; }
  // The q-quantile of the duration given the features: base + exp(mu + sigma * z_q).
  double quantile(double prbs, double iterations, double z_q) const {
    return base(prbs, iterations) + std::exp(mu + sigma * z_q);
  }
};

inline Trace synthetic_trace(size_t rows, uint64_t seed, const SyntheticModel& m = {},
                             double scale = 1.0) {
  Trace t;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> prb(1, 10), it(1, 8), tbs(1, 20);
  std::lognormal_distribution<double> noise(m.mu, m.sigma);
  for (size_t i = 0; i < rows; ++i) {
    FeatureVector x = missing_features();
    if (i % 5 == 4) {
      const double k = tbs(rng) * 1000.0;
      x[index_of(Feature::tbs)] = static_cast<float>(k);
      t.add("crc", x, scale * (0.5 * k + noise(rng)));
    } else {
      const double p = prb(rng) * 10.0, n = it(rng);
      x[index_of(Feature::prbs)] = static_cast<float>(p);
      x[index_of(Feature::iterations)] = static_cast<float>(n);
      x[index_of(Feature::snr_db)] =
          static_cast<float>(std::uniform_real_distribution<double>(0, 20)(rng));
      t.add("ldpc_decode", x, scale * (m.base(p, n) + noise(rng)));
    }
  }
  return t;
}

// Standard normal quantile by bisection on erfc (tests only).
inline double normal_quantile(double q) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < q ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace airan::predict::test
