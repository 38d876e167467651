#pragma once
// PUSCH bit scrambling and LLR descrambling, TS 38.211 6.3.1.1 (no UCI placeholders):
// b~(i) = (b(i) + c(i)) mod 2 with c_init = n_RNTI * 2^15 + n_ID, c(0) on the first codeword bit.

#include <cstdint>
#include <span>

#include "airan/common/expected.h"
#include "airan/phy/sequence/gold_sequence.h"

namespace airan::phy {

/// c_init of TS 38.211 6.3.1.1 for `n_rnti` (0..65535) and `n_id` (dataScramblingIdentityPUSCH
/// or the cell ID, 0..1023). Fails naming the parameter and its range.
Expected<uint32_t> pusch_scrambling_c_init(unsigned n_rnti, unsigned n_id);

/// Scrambles unpacked bits (one per byte, 0 or 1): out[i] = in[i] XOR c(i), continuing `seq`.
/// out and in have the same size (they may be the same buffer).
Status scramble_bits(std::span<uint8_t> out, std::span<const uint8_t> in, GoldSequence& seq);

/// Descrambles LLRs (positive = bit 0): out[i] = c(i) ? -in[i] : in[i] (-128 becomes +127),
/// continuing `seq`. out and in have the same size (they may be the same buffer).
Status descramble_llrs(std::span<int8_t> out, std::span<const int8_t> in, GoldSequence& seq);

/// Scrambles a whole PUSCH codeword of unpacked bits with sequence `c_init`.
Status pusch_scramble(std::span<uint8_t> out, std::span<const uint8_t> in, uint32_t c_init);

/// Descrambles the LLRs of a whole PUSCH codeword with sequence `c_init`.
Status pusch_descramble(std::span<int8_t> out, std::span<const int8_t> in, uint32_t c_init);

}  // namespace airan::phy
