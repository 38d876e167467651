#pragma once
// phi(n) tables of the short low-PAPR base sequences (TS 38.211 5.2.2.2), in low_papr_tables.cpp.

#include <cstdint>

namespace airan::phy {

extern const int8_t kLowPaprPhi6[30][6];
extern const int8_t kLowPaprPhi12[30][12];
extern const int8_t kLowPaprPhi18[30][18];
extern const int8_t kLowPaprPhi24[30][24];

}  // namespace airan::phy
