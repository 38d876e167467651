#pragma once
// Transport block size determination, TS 38.214 5.1.3.2 (used for PUSCH by 6.1.4.2), computed in
// exact integer arithmetic (N_info is rational; float rounding changes some results).

#include <cstdint>

#include "airan/common/expected.h"
#include "airan/phy/pusch/mcs_table.h"

namespace airan::phy {

struct TbsConfig {
  unsigned nof_prb = 0;       ///< n_PRB: allocated PRBs, 1..275
  unsigned nof_symbols = 0;   ///< N_symb^sh: allocated OFDM symbols, 1..14
  unsigned nof_dmrs_prb = 0;  ///< N_DMRS^PRB: DM-RS REs per PRB incl. CDM groups without data
  unsigned nof_oh_prb = 0;    ///< N_oh^PRB: xOverhead, 0, 6, 12 or 18
  unsigned qm = 2;            ///< modulation order 1, 2, 4, 6 or 8
  unsigned r_x2048 = 0;       ///< target code rate R x 2048 (McsEntry::code_rate_x2048()), 1..2047
  unsigned nof_layers = 1;    ///< v: 1..4
  unsigned tb_scaling = 0;    ///< DCI TB scaling field 0, 1 or 2: S = 1, 0.5, 0.25 (PDSCH only)
};

/// N_RE = min(156, 12 * N_symb - N_DMRS^PRB - N_oh^PRB) * n_PRB (TS 38.214 5.1.3.2 step 1); the
/// error names the field when fewer than one RE per PRB remain or a field is out of range.
Expected<unsigned> tbs_nof_re(const TbsConfig& cfg);

/// The TBS in bits (TS 38.214 5.1.3.2 steps 1-4). Fails naming the field and its allowed range.
Expected<unsigned> transport_block_size(const TbsConfig& cfg);

/// TbsConfig with Qm and R taken from MCS `mcs` of `table`; reserved rows are an error (their TBS
/// comes from the earlier transmission).
Expected<TbsConfig> tbs_config_from_mcs(McsTable table, unsigned mcs, TbsConfig base);

}  // namespace airan::phy
