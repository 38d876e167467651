#pragma once
// Radio channel between UE transmit ports and gNB receive antennas, in the time domain: tapped
// delay line fading (TR 38.901 7.7.2 TDL-A/B/C, delay spread scaled, Rayleigh taps with a
// Doppler spectrum), a timing offset, and AWGN. Used by the UE emulator and the link tests.

#include <complex>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "airan/common/expected.h"

namespace airan::phy {

enum class TdlProfile : uint8_t {
  flat,   ///< one unfaded tap of gain 1 (AWGN channel)
  tdl_a,  ///< TR 38.901 Table 7.7.2-1 (NLOS)
  tdl_b,  ///< Table 7.7.2-2 (NLOS)
  tdl_c,  ///< Table 7.7.2-3 (NLOS)
};

struct ChannelConfig {
  TdlProfile profile = TdlProfile::flat;
  double delay_spread_ns = 100.0;   ///< scales the normalised TDL delays
  double max_doppler_hz = 10.0;     ///< maximum Doppler shift (UE speed x carrier / c)
  unsigned num_tx = 1;              ///< transmit ports (layers) 1..4
  unsigned num_rx = 1;              ///< receive antennas 1..4
  double snr_db = 30.0;             ///< per resource element, for unit-power REs and unit channel gain
  int timing_offset_samples = 0;    ///< extra delay of every tap (>= 0), e.g. within the CP
  uint64_t seed = 1;
};

/// Validates every field; the error names it and its allowed range.
Status channel_config_validate(const ChannelConfig& cfg);

class ChannelModel {
 public:
  /// The channel for `cfg` at `sample_rate_hz` (taps rounded to whole samples). Call only with a
  /// config that channel_config_validate accepted.
  ChannelModel(const ChannelConfig& cfg, double sample_rate_hz);

  /// Propagates one block of samples starting at time `t0_s` (fading evolves with it): for every
  /// receive antenna r, rx[r] = sum over ports t of h_rt * tx[t] + noise. tx holds num_tx spans of
  /// equal length n, rx num_rx spans of length n. The fading is evaluated every `coherence_step`
  /// samples (default: per 1/14 ms). Samples before t0 are taken as the previous block's tail.
  Status propagate(std::span<const std::span<const std::complex<float>>> tx,
                   std::span<const std::span<std::complex<float>>> rx, double t0_s);

  /// Noise variance per time-domain sample (equal to the per-RE noise variance after a unitary FFT).
  double noise_variance() const { return noise_variance_; }
  /// Tap delays in samples and average linear powers (normalised to sum 1).
  const std::vector<int>& tap_delays() const { return delays_; }
  const std::vector<double>& tap_powers() const { return powers_; }

  /// The complex gain of tap `tap` between port `t` and antenna `r` at time `t_s`.
  std::complex<double> tap_gain(unsigned r, unsigned t, unsigned tap, double t_s) const;

 private:
  ChannelConfig cfg_;
  double sample_rate_hz_;
  double noise_variance_;
  std::vector<int> delays_;
  std::vector<double> powers_;
  // Sum-of-sinusoids Rayleigh fading per (r, t, tap): angles of arrival and phases.
  struct Path {
    std::vector<double> cos_alpha, phase_i, phase_q;
  };
  std::vector<Path> paths_;
  std::vector<std::vector<std::complex<float>>> history_;  // last max_delay samples per port
  std::mt19937_64 rng_;
};

}  // namespace airan::phy
