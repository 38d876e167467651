#pragma once
// Modulation mapper, TS 38.211 5.1: groups of Qm bits to unit-average-power complex symbols.

#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>

#include "airan/common/expected.h"
#include "airan/phy/modulation/modulation.h"

namespace airan::phy {

using cf_t = std::complex<float>;

/// Maps unpacked bits (one per byte, 0 or 1) to symbols: symbol i takes bits Qm*i .. Qm*i+Qm-1.
/// bits.size() must equal Qm * symbols.size(). For pi/2-BPSK, `first_index` is the index i of
/// symbols[0] within the codeword (it sets the e^{j*pi*(i mod 2)/2} phase, TS 38.211 5.1.1).
/// Fails naming the buffer whose size does not fit.
Status modulate(std::span<cf_t> symbols, std::span<const uint8_t> bits, Modulation mod,
                size_t first_index = 0);

/// The constellation point with label `label` (bit b(0) is the MSB of the Qm-bit label), before
/// any pi/2 rotation: the mapper's table, for demappers and tests.
cf_t constellation_point(Modulation mod, unsigned label);

}  // namespace airan::phy
