#pragma once
// LDPC rate matching and dematching (TS 38.212 5.4.2): circular buffer with redundancy versions,
// limited-buffer mode, bit selection skipping filler bits, and bit interleaving.
// LLR convention everywhere in phy/: positive means bit 0; +127 is a certain 0.

#include <cstdint>
#include <span>

#include "airan/common/expected.h"
#include "airan/phy/coding/ldpc_graph.h"

namespace airan::phy {

/// One code block's rate-matching parameters.
struct LdpcRateMatchConfig {
  LdpcBaseGraph bg = LdpcBaseGraph::bg1;
  unsigned z = 0;       ///< lifting size
  unsigned filler = 0;  ///< F filler bits, at d[K-F-2Z .. K-2Z-1]
  unsigned rv = 0;      ///< redundancy version 0..3
  unsigned qm = 2;      ///< modulation order: 1, 2, 4, 6 or 8 bits per symbol
  unsigned e = 0;       ///< E: rate-matched output length in bits, a multiple of qm
  unsigned n_ref = 0;   ///< limited-buffer size Nref in bits; 0 = full buffer (Ncb = N)
};

/// Circular-buffer length Ncb = min(N, Nref) (or N).
unsigned ldpc_ncb(const LdpcRateMatchConfig& cfg);
/// Start position k0 of redundancy version cfg.rv (TS 38.212 Table 5.4.2.1-2).
unsigned ldpc_k0(const LdpcRateMatchConfig& cfg);

/// Checks every field of `cfg` (Z, rv, qm, E a positive multiple of qm, F < K, Nref); the error
/// names the field and the allowed range.
Status ldpc_rate_match_validate(const LdpcRateMatchConfig& cfg);

/// Bit selection + bit interleaving: from the encoder output `d` (N = 66Z or 50Z unpacked bits)
/// writes the E bits f (`out`, out.size() == E).
Status ldpc_rate_match(std::span<uint8_t> out, std::span<const uint8_t> d,
                       const LdpcRateMatchConfig& cfg);

/// Receive side: deinterleaves the E LLRs of `llrs` and adds them (saturating at +-127) into the
/// N encoder-output positions of `d_llrs` (N int8). With `combine` false the buffer is cleared
/// first; true soft-combines a HARQ retransmission. Filler positions become +127 (certain 0);
/// positions never selected keep 0.
Status ldpc_rate_dematch(std::span<int8_t> d_llrs, std::span<const int8_t> llrs,
                         const LdpcRateMatchConfig& cfg, bool combine);

/// Code-block concatenation (5.5): the E_r of block r of a TB with C blocks and G coded bits
/// over `num_layers` layers: G' = G/(NL*Qm), the first (C - G' mod C) blocks get
/// NL*Qm*floor(G'/C), the rest NL*Qm*ceil(G'/C). Returns 0 for impossible inputs (r >= C, C, NL or Qm 0).
unsigned ldpc_code_block_e(unsigned r, unsigned num_code_blocks, unsigned g, unsigned num_layers,
                           unsigned qm);

}  // namespace airan::phy
