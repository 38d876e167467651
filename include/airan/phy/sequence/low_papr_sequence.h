#pragma once
// Low-PAPR sequence generation type 1, TS 38.211 5.2.2: r_{u,v}^{(alpha,delta)}(n) =
// e^{j alpha n} r_{u,v}(n), with table-based base sequences for M_ZC = 6, 12, 18, 24, the closed
// form for 30 and Zadoff-Chu for M_ZC >= 36.

#include <complex>
#include <span>

#include "airan/common/expected.h"

namespace airan::phy {

/// Writes the out.size() = M_ZC values of r_{u,v}^{(alpha,delta)}(n): group `u` (0..29), base
/// sequence `v` (0, or 0..1 when M_ZC >= 72), cyclic shift `alpha` in radians. M_ZC must be 6,
/// 12, 18, 24, 30 or a multiple of 6 from 36 to 3300. Fails naming the parameter and its range.
Status low_papr_sequence(std::span<std::complex<float>> out, unsigned u, unsigned v,
                         double alpha = 0.0);

/// The largest prime below `n` (N_ZC of TS 38.211 5.2.2.1); 0 when n <= 2.
unsigned largest_prime_below(unsigned n);

}  // namespace airan::phy
