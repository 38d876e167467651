#include "airan/phy/channel/channel_model.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace airan::phy {
namespace {

struct Tap {
  double normalised_delay, power_db;
};

// TR 38.901 Table 7.7.2-1: TDL-A.
constexpr Tap kTdlA[] = {
    {0.0, -13.4},    {0.3819, 0.0},   {0.4025, -2.2},  {0.5868, -4.0},  {0.4610, -6.0},
    {0.5375, -8.2},  {0.6708, -9.9},  {0.5750, -10.5}, {0.7618, -7.5},  {1.5375, -15.9},
    {1.8978, -6.6},  {2.2242, -16.7}, {2.1718, -12.4}, {2.4942, -15.2}, {2.5119, -10.8},
    {3.0582, -11.3}, {4.0810, -12.7}, {4.4579, -16.2}, {4.5695, -18.3}, {4.7966, -18.9},
    {5.0066, -16.6}, {5.3043, -19.9}, {9.6586, -29.7},
};
// TR 38.901 Table 7.7.2-2: TDL-B.
constexpr Tap kTdlB[] = {
    {0.0, 0.0},      {0.1072, -2.2},  {0.2155, -4.0},  {0.2095, -3.2},  {0.2870, -9.8},
    {0.2986, -1.2},  {0.3752, -3.4},  {0.5055, -5.2},  {0.3681, -7.6},  {0.3697, -3.0},
    {0.5700, -8.9},  {0.5283, -9.0},  {1.1021, -4.8},  {1.2756, -5.7},  {1.5474, -7.5},
    {1.7842, -1.9},  {2.0169, -7.6},  {2.8294, -12.2}, {3.0219, -9.8},  {3.6187, -11.4},
    {4.1067, -14.9}, {4.2790, -9.2},  {4.7834, -11.3},
};
// TR 38.901 Table 7.7.2-3: TDL-C.
constexpr Tap kTdlC[] = {
    {0.0, -4.4},     {0.2099, -1.2},  {0.2219, -3.5},  {0.2329, -5.2},  {0.2176, -2.5},
    {0.6366, 0.0},   {0.6448, -2.2},  {0.6560, -3.9},  {0.6584, -7.4},  {0.7935, -7.1},
    {0.8213, -10.7}, {0.9336, -11.1}, {1.2285, -5.1},  {1.3083, -6.8},  {2.1704, -8.7},
    {2.7105, -13.2}, {4.2589, -13.9}, {4.6003, -13.9}, {5.4902, -15.8}, {5.6077, -17.1},
    {6.3065, -16.0}, {6.6374, -15.7}, {7.0427, -21.6}, {8.6523, -22.8},
};

constexpr unsigned kSinusoids = 16;  // per fading path; enough for a Jakes-like spectrum

std::span<const Tap> profile_taps(TdlProfile p) {
  switch (p) {
    case TdlProfile::tdl_a:
      return kTdlA;
    case TdlProfile::tdl_b:
      return kTdlB;
    case TdlProfile::tdl_c:
      return kTdlC;
    case TdlProfile::flat:
      break;
  }
  return {};
}

}  // namespace

Status channel_config_validate(const ChannelConfig& cfg) {
  if (cfg.num_tx < 1 || cfg.num_tx > 4) return Error{"num_tx=" + std::to_string(cfg.num_tx) + " outside 1..4"};
  if (cfg.num_rx < 1 || cfg.num_rx > 4) return Error{"num_rx=" + std::to_string(cfg.num_rx) + " outside 1..4"};
  if (!(cfg.delay_spread_ns >= 0 && cfg.delay_spread_ns <= 5000)) {
    return Error{"delay_spread_ns=" + std::to_string(cfg.delay_spread_ns) + " outside 0..5000"};
  }
  if (!(cfg.max_doppler_hz >= 0 && cfg.max_doppler_hz <= 5000)) {
    return Error{"max_doppler_hz=" + std::to_string(cfg.max_doppler_hz) + " outside 0..5000"};
  }
  if (!(cfg.snr_db >= -50 && cfg.snr_db <= 100)) {
    return Error{"snr_db=" + std::to_string(cfg.snr_db) + " outside -50..100"};
  }
  if (cfg.timing_offset_samples < 0 || cfg.timing_offset_samples > 4096) {
    return Error{"timing_offset_samples=" + std::to_string(cfg.timing_offset_samples) + " outside 0..4096"};
  }
  return Status::ok();
}

ChannelModel::ChannelModel(const ChannelConfig& cfg, double sample_rate_hz)
    : cfg_(cfg), sample_rate_hz_(sample_rate_hz), noise_variance_(std::pow(10.0, -cfg.snr_db / 10.0)),
      rng_(cfg.seed) {
  const auto taps = profile_taps(cfg.profile);
  if (taps.empty()) {
    delays_ = {cfg.timing_offset_samples};
    powers_ = {1.0};
  } else {
    // Taps falling on the same sample add their powers (sample-spaced approximation).
    std::vector<double> power_at;
    for (const Tap& tap : taps) {
      const auto d = static_cast<size_t>(std::lround(tap.normalised_delay * cfg.delay_spread_ns * 1e-9 * sample_rate_hz));
      if (power_at.size() <= d) power_at.resize(d + 1, 0.0);
      power_at[d] += std::pow(10.0, tap.power_db / 10.0);
    }
    double total = 0;
    for (double p : power_at) total += p;
    for (size_t d = 0; d < power_at.size(); ++d) {
      if (power_at[d] == 0) continue;
      delays_.push_back(static_cast<int>(d) + cfg.timing_offset_samples);
      powers_.push_back(power_at[d] / total);
    }
    std::uniform_real_distribution<double> u(0.0, 2.0 * M_PI);
    paths_.resize(static_cast<size_t>(cfg.num_rx) * cfg.num_tx * delays_.size());
    for (Path& p : paths_) {
      // Angles of arrival spread over the circle with a random offset (Zheng-Xiao style).
      const double theta = u(rng_);
      for (unsigned n = 0; n < kSinusoids; ++n) {
        const double alpha = (2.0 * M_PI * n + theta) / kSinusoids;
        p.cos_alpha.push_back(std::cos(alpha));
        p.phase_i.push_back(u(rng_));
        p.phase_q.push_back(u(rng_));
      }
    }
  }
  const int max_delay = *std::max_element(delays_.begin(), delays_.end());
  history_.assign(cfg.num_tx, std::vector<std::complex<float>>(static_cast<size_t>(max_delay)));
}

std::complex<double> ChannelModel::tap_gain(unsigned r, unsigned t, unsigned tap, double t_s) const {
  if (paths_.empty()) return {1.0, 0.0};
  const Path& p = paths_[(static_cast<size_t>(r) * cfg_.num_tx + t) * delays_.size() + tap];
  const double w = 2.0 * M_PI * cfg_.max_doppler_hz * t_s;
  double i = 0, q = 0;
  for (unsigned n = 0; n < kSinusoids; ++n) {
    i += std::cos(w * p.cos_alpha[n] + p.phase_i[n]);
    q += std::sin(w * p.cos_alpha[n] + p.phase_q[n]);
  }
  // Each sum has variance kSinusoids/2: normalise to E|g|^2 = tap power.
  return std::complex<double>(i, q) * std::sqrt(powers_[tap] / kSinusoids);
}

Status ChannelModel::propagate(std::span<const std::span<const std::complex<float>>> tx,
                               std::span<const std::span<std::complex<float>>> rx, double t0_s) {
  if (tx.size() != cfg_.num_tx) {
    return Error{"tx has " + std::to_string(tx.size()) + " ports, num_tx=" + std::to_string(cfg_.num_tx)};
  }
  if (rx.size() != cfg_.num_rx) {
    return Error{"rx has " + std::to_string(rx.size()) + " antennas, num_rx=" + std::to_string(cfg_.num_rx)};
  }
  const size_t n = tx[0].size();
  for (const auto& s : tx) {
    if (s.size() != n) return Error{"tx ports differ in length"};
  }
  for (const auto& s : rx) {
    if (s.size() != n) return Error{"rx antennas must have the tx length " + std::to_string(n)};
  }
  const size_t hist = history_[0].size();
  // Sample i of port t, reaching back into the previous block for i < 0.
  auto sample = [&](unsigned t, long i) -> std::complex<float> {
    if (i >= 0) return tx[t][static_cast<size_t>(i)];
    const long h = static_cast<long>(hist) + i;
    return h >= 0 ? history_[t][static_cast<size_t>(h)] : std::complex<float>{};
  };
  const size_t step = std::max<size_t>(1, static_cast<size_t>(sample_rate_hz_ / 14000.0));
  std::normal_distribution<float> noise(0.0f, static_cast<float>(std::sqrt(noise_variance_ / 2.0)));
  std::vector<std::complex<float>> gains(static_cast<size_t>(cfg_.num_tx) * delays_.size());
  for (unsigned r = 0; r < cfg_.num_rx; ++r) {
    for (size_t start = 0; start < n; start += step) {
      const size_t end = std::min(n, start + step);
      const double t = t0_s + static_cast<double>(start) / sample_rate_hz_;
      for (unsigned p = 0; p < cfg_.num_tx; ++p) {
        for (unsigned k = 0; k < delays_.size(); ++k) {
          gains[p * delays_.size() + k] = std::complex<float>(tap_gain(r, p, k, t));
        }
      }
      for (size_t i = start; i < end; ++i) {
        std::complex<float> acc{};
        for (unsigned p = 0; p < cfg_.num_tx; ++p) {
          for (unsigned k = 0; k < delays_.size(); ++k) {
            acc += gains[p * delays_.size() + k] * sample(p, static_cast<long>(i) - delays_[k]);
          }
        }
        rx[r][i] = acc + std::complex<float>(noise(rng_), noise(rng_));
      }
    }
  }
  // Keep the tail for the next block's delayed taps.
  for (unsigned p = 0; p < cfg_.num_tx && hist > 0; ++p) {
    for (size_t h = 0; h < hist; ++h) {
      history_[p][h] = sample(p, static_cast<long>(n) - static_cast<long>(hist) + static_cast<long>(h));
    }
  }
  return Status::ok();
}

}  // namespace airan::phy
