#pragma once
// PUSCH DM-RS with transform precoding, TS 38.211 6.4.1.1.1.2: the low-PAPR type 1 sequence
// r(n) = r_{u,v}^{(0,1)}(n) of length M_ZC = 6 * nof_prb, group and sequence hopping disabled
// (u = N_ID^RS mod 30, v = 0), on the even subcarriers of the allocation (port 0, Delta = 0).

#include <complex>
#include <span>
#include <vector>

#include "airan/common/expected.h"
#include "airan/phy/pusch/dmrs_pusch.h"

namespace airan::phy {

struct PuschDmrsTpConfig {
  unsigned n_rs_id = 0;          ///< N_ID^RS: nPUSCH-Identity or cell ID, 0..1007
  DmrsPositionConfig positions;  ///< which symbols carry DM-RS
  unsigned crb_start = 0;        ///< first allocated CRB; the sequence starts here
  unsigned nof_prb = 1;          ///< allocated PRBs, 2^a 3^b 5^c (DFT sizes, TS 38.211 6.3.1.4)
  float beta = 1.0f;             ///< beta_DMRS amplitude applied to every value
};

/// r(n), n = 0 .. r.size()-1, for N_ID^RS `n_rs_id`; r.size() = M_ZC = 6 * nof_prb.
Status pusch_dmrs_tp_sequence(std::span<std::complex<float>> r, unsigned n_rs_id);

/// Checks every field of `cfg`; the error names the field and its allowed range.
Status pusch_dmrs_tp_validate(const PuschDmrsTpConfig& cfg);

/// The DM-RS REs (symbol, k from CRB 0, beta * r(n)) ordered by symbol then subcarrier.
Expected<std::vector<DmrsRe>> pusch_dmrs_tp_generate(const PuschDmrsTpConfig& cfg);

}  // namespace airan::phy
