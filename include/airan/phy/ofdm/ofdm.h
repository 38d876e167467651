#pragma once
// OFDM modulation and demodulation of one slot with normal cyclic prefix (TS 38.211 5.3.1), FFTs
// by FFTW3 with plans made once per object. Resource-grid subcarrier k (0 .. n_rb*12-1) sits at
// FFT bin k - n_rb*6 (the carrier centre at DC). Baseband only: no upconversion phase term.

#include <memory>
#include <span>

#include "airan/common/expected.h"
#include "airan/phy/ofdm/carrier.h"

namespace airan::phy {

class OfdmModulator {
 public:
  explicit OfdmModulator(const Carrier& carrier);
  ~OfdmModulator();
  OfdmModulator(const OfdmModulator&) = delete;
  OfdmModulator& operator=(const OfdmModulator&) = delete;

  /// Time-domain samples of slot `slot` (carrier.slot_samples(slot)) from its resource grid
  /// (14 symbols x n_rb*12 subcarriers, symbol-major). Unit-power grids give samples of power
  /// n_subcarriers / fft_size. Error names the buffer whose size is wrong.
  Status modulate(std::span<cf_t> samples, std::span<const cf_t> grid, unsigned slot);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class OfdmDemodulator {
 public:
  /// `window_advance` samples: the FFT window starts that many samples before the end of each
  /// cyclic prefix (tolerating early arrivals and delay spread; default half the CP). The
  /// resulting phase ramp is removed, so an undelayed signal demodulates to the sent grid.
  explicit OfdmDemodulator(const Carrier& carrier, int window_advance = -1);
  ~OfdmDemodulator();
  OfdmDemodulator(const OfdmDemodulator&) = delete;
  OfdmDemodulator& operator=(const OfdmDemodulator&) = delete;

  /// Resource grid (14 x n_rb*12, symbol-major) of slot `slot` from its time-domain samples.
  /// Error names the buffer whose size is wrong.
  Status demodulate(std::span<cf_t> grid, std::span<const cf_t> samples, unsigned slot);

  /// One OFDM symbol `symbol` (0..13) of slot `slot`: its n_rb*12 subcarriers into `symbol_grid`
  /// from the slot's time-domain samples. Error names the buffer or index that is wrong.
  Status demodulate_symbol(std::span<cf_t> symbol_grid, std::span<const cf_t> samples,
                           unsigned slot, unsigned symbol);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airan::phy
