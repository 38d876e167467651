#pragma once
// Error vector magnitude of equalised symbols against the nearest point of their square QAM
// constellation (TS 38.211 5.1 normalisation): a monitoring figure of every received PUSCH.

#include <complex>
#include <span>

namespace airan::phy {

/// RMS EVM in percent of `symbols` (unit average power) against the nearest point of the square
/// QAM with `qm` bits per symbol (qm 1 and 2 slice as QPSK, the constellation of BPSK's points);
/// 0 for no symbols. NaN symbols count as the largest error of their axis.
float qam_evm_percent(std::span<const std::complex<float>> symbols, unsigned qm);

}  // namespace airan::phy
