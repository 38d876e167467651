#pragma once
// NR carrier numerology (TS 38.211 4.2, 5.3.1; TS 38.101-1 Table 5.3.2-1): resource blocks,
// FFT size, sample rate and cyclic-prefix lengths of a baseband carrier.

#include <complex>
#include <cstddef>

#include "airan/common/expected.h"

namespace airan::phy {

using cf_t = std::complex<float>;

inline constexpr unsigned kSymbolsPerSlot = 14;  // normal cyclic prefix
inline constexpr unsigned kSubcarriersPerRb = 12;

struct Carrier {
  unsigned scs_khz = 30;        ///< subcarrier spacing: 15 (numerology 0) or 30 (numerology 1)
  unsigned bandwidth_mhz = 20;  ///< channel bandwidth
  unsigned n_rb = 0;            ///< transmission bandwidth in resource blocks (38.101-1)
  unsigned fft_size = 0;        ///< smallest power of two with room for n_rb*12 subcarriers + guard
  double sample_rate_hz = 0;    ///< fft_size * scs

  unsigned numerology() const { return scs_khz == 15 ? 0 : 1; }
  unsigned n_subcarriers() const { return n_rb * kSubcarriersPerRb; }
  unsigned slots_per_subframe() const { return 1u << numerology(); }
  /// Cyclic-prefix length in samples of `symbol` (0..13) of slot `slot`: 144/2048 of the FFT, plus
  /// 16*2^mu/2048 for the first symbol of every half subframe (38.211 5.3.1).
  unsigned cp_length(unsigned slot, unsigned symbol) const;
  /// Samples in slot `slot` (all 14 symbols with their cyclic prefixes).
  size_t slot_samples(unsigned slot) const;
  /// Offset in samples of `symbol`'s cyclic prefix from the start of slot `slot`.
  size_t symbol_offset(unsigned slot, unsigned symbol) const;
};

/// The carrier of `scs_khz` (15 or 30) and `bandwidth_mhz` (5..50 for 15 kHz, 5..100 for 30 kHz,
/// the FR1 values of 38.101-1 Table 5.3.2-1). Error names the unsupported value.
Expected<Carrier> nr_carrier(unsigned scs_khz, unsigned bandwidth_mhz);

}  // namespace airan::phy
