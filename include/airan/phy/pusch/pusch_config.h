#pragma once
// One PUSCH transmission without transform precoding (TS 38.211 6.3.1, TS 38.214 6.1.4): where it
// sits in the slot, its DM-RS, MCS and layers, and the values derived from them (Qm, R, TBS,
// data REs, G). The BWP is taken to start at CRB 0, so PRB n is CRB n and grid subcarrier
// 12 n + k. Layer i is sent on DM-RS port p~ = i with identity (non-codebook) precoding.

#include <cstdint>

#include "airan/common/expected.h"
#include "airan/phy/modulation/modulation.h"
#include "airan/phy/ofdm/carrier.h"
#include "airan/phy/pusch/dmrs_pusch.h"
#include "airan/phy/pusch/dmrs_pusch_positions.h"
#include "airan/phy/pusch/mcs_table.h"

namespace airan::phy {

/// Most layers (and DM-RS ports) one PUSCH carries here.
inline constexpr unsigned kPuschMaxLayers = 4;

struct PuschConfig {
  Carrier carrier;            ///< numerology (scs_khz 15 or 30) and n_rb of the grid
  unsigned slot = 0;          ///< n_{s,f}^mu: slot in the frame, 0 .. 10 * 2^mu - 1
  unsigned rnti = 1;          ///< n_RNTI, 0..65535
  unsigned n_id = 0;          ///< data scrambling identity (or cell ID), 0..1023
  unsigned prb_start = 0;     ///< first allocated PRB (= CRB)
  unsigned nof_prb = 1;       ///< allocated PRBs, prb_start + nof_prb <= carrier.n_rb
  unsigned start_symbol = 0;  ///< S: first PUSCH symbol
  unsigned nof_symbols = 14;  ///< L: PUSCH symbols, S + L <= 14
  PuschMappingType mapping = PuschMappingType::type_a;
  unsigned type_a_position = 2;  ///< l0 of mapping type A: 2 or 3
  DmrsType dmrs_type = DmrsType::type1;
  unsigned dmrs_additional_positions = 0;    ///< dmrs-AdditionalPosition 0..3 (0..1 double-symbol)
  bool dmrs_double_symbol = false;           ///< false: single-symbol DM-RS
  unsigned dmrs_scrambling_id = 0;           ///< N_ID^{n_SCID}, 0..65535
  unsigned n_scid = 0;                       ///< 0 or 1
  unsigned nof_cdm_groups_without_data = 2;  ///< 1..2 (type 1) or 1..3 (type 2)
  McsTable mcs_table = McsTable::qam64;      ///< qam64, qam256 or qam64_low_se
  unsigned mcs = 0;                          ///< I_MCS, a non-reserved row of mcs_table
  unsigned nof_layers = 1;                   ///< v: 1..4
  unsigned rv = 0;                           ///< redundancy version 0..3
};

/// Values that follow from a valid PuschConfig.
struct PuschDerived {
  unsigned qm = 0;  ///< bits per modulation symbol
  Modulation modulation = Modulation::qpsk;
  double code_rate = 0;            ///< target code rate R
  unsigned tbs = 0;                ///< transport block size in bits (TS 38.214 6.1.4.2)
  unsigned nof_dmrs_prb = 0;       ///< N_DMRS^PRB: DM-RS REs per PRB incl. CDM groups without data
  unsigned nof_data_re = 0;        ///< data REs per layer in the allocation
  unsigned g = 0;                  ///< G = nof_data_re * Qm * layers: coded bits of the TB
  uint32_t scrambling_c_init = 0;  ///< TS 38.211 6.3.1.1 c_init
  float dmrs_beta = 1.0f;          ///< beta_DMRS amplitude (TS 38.214 Table 6.2.2-1)
  DmrsSymbols dmrs_symbols;        ///< the DM-RS symbols of the slot
  uint16_t dmrs_data_mask = 0;     ///< bit k (0..11) set: subcarrier k of each PRB carries data in
                                   ///< a DM-RS symbol (not in a CDM group without data)
  unsigned dmrs_re_per_prb = 6;    ///< DM-RS REs per PRB, symbol and CDM group: 6 or 4
};

/// Checks every field of `cfg`; the error names the field and its allowed range.
Status pusch_config_validate(const PuschConfig& cfg);

/// The derived values of `cfg` after validating it; the error names the field.
Expected<PuschDerived> pusch_derive(const PuschConfig& cfg);

/// The DM-RS configuration of layer `layer` (port p~ = layer) of `cfg`.
PuschDmrsConfig pusch_dmrs_config(const PuschConfig& cfg, unsigned layer);

/// True when subcarrier `k_in_prb` (0..11) of a PRB belongs to CDM group `cdm_group` of DM-RS
/// `type` (TS 38.211 6.4.1.1.3: type 1 k = 2k' + Delta mod 2, type 2 k = k' + Delta mod 6).
bool pusch_dmrs_in_cdm_group(DmrsType type, unsigned cdm_group, unsigned k_in_prb);

/// Bytes of the packed transport block of `tbs` bits.
inline unsigned pusch_tb_bytes(unsigned tbs) {
  return (tbs + 7) / 8;
}

}  // namespace airan::phy
