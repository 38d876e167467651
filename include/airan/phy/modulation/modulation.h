#pragma once
// Modulation schemes of TS 38.211 5.1 and their orders Qm.

#include <cstdint>
#include <string_view>

#include "airan/common/expected.h"

namespace airan::phy {

enum class Modulation : uint8_t { pi2_bpsk, bpsk, qpsk, qam16, qam64, qam256 };

/// Bits per symbol Qm: 1, 1, 2, 4, 6 or 8.
unsigned modulation_order(Modulation mod);

/// Name as the test vectors write it: "PI2BPSK", "BPSK", "QPSK", "16QAM", "64QAM", "256QAM".
std::string_view modulation_name(Modulation mod);

/// The modulation with `name` (as modulation_name writes it); the error lists the names.
Expected<Modulation> modulation_from_name(std::string_view name);

/// The PUSCH modulation for `qm` (1 = pi/2-BPSK, 2, 4, 6, 8); the error names qm and its values.
Expected<Modulation> modulation_from_qm(unsigned qm);

}  // namespace airan::phy
