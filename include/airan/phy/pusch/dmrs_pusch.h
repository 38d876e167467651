#pragma once
// PUSCH DM-RS without transform precoding, TS 38.211 6.4.1.1.1.1 (sequence) and 6.4.1.1.3
// (cover codes, CDM groups, mapping), configuration types 1 and 2, single- and double-symbol,
// with the beta_DMRS amplitude of TS 38.214 Table 6.2.2-1. Rel-15 c_init (no lambda-bar term).

#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "airan/common/expected.h"
#include "airan/phy/pusch/dmrs_pusch_positions.h"

namespace airan::phy {

enum class DmrsType : uint8_t { type1 = 1, type2 = 2 };

/// Row of TS 38.211 Table 6.4.1.1.3-1 (type 1) or 6.4.1.1.3-2 (type 2) for one port p~.
struct DmrsPortParams {
  unsigned cdm_group = 0;  ///< lambda
  unsigned delta = 0;      ///< Delta: subcarrier offset of the CDM group
  int w_f[2] = {1, 1};     ///< frequency cover code w_f(k'), k' = 0, 1
  int w_t[2] = {1, 1};     ///< time cover code w_t(l'), l' = 0, 1
};

/// The parameters of port `port` (p~: 0..7 for type 1, 0..11 for type 2); error names the port.
Expected<DmrsPortParams> pusch_dmrs_port_params(DmrsType type, unsigned port);

/// beta_DMRS amplitude for `nof_cdm_groups_without_data` (1..2 type 1, 1..3 type 2):
/// 10^(x/20) with x = 0, 3, 4.77 dB as printed in TS 38.214 Table 6.2.2-1.
Expected<float> pusch_dmrs_beta(DmrsType type, unsigned nof_cdm_groups_without_data);

/// c_init of TS 38.211 6.4.1.1.1.1 (Rel-15, normal CP): (2^17 (14 slot + symbol + 1)
/// (2 n_id + 1) + 2 n_id + n_scid) mod 2^31, for slot in the frame and symbol 0..13.
uint32_t pusch_dmrs_c_init(unsigned n_id, unsigned n_scid, unsigned slot, unsigned symbol);

/// r(m) = ((1 - 2c(2m)) + j(1 - 2c(2m+1))) / sqrt(2) for m = first_m .. first_m + r.size() - 1.
void pusch_dmrs_sequence(std::span<std::complex<float>> r, uint32_t c_init, size_t first_m);

struct PuschDmrsConfig {
  DmrsType type = DmrsType::type1;
  unsigned n_id = 0;             ///< N_ID^{n_SCID}: scrambling ID 0..65535
  unsigned n_scid = 0;           ///< 0 or 1
  unsigned numerology = 0;       ///< mu: 0..4
  unsigned slot = 0;             ///< n_{s,f}^mu: slot in the frame, 0 .. 10 * 2^mu - 1
  DmrsPositionConfig positions;  ///< which symbols carry DM-RS (Tables 6.4.1.1.3-3/-4)
  unsigned crb_start = 0;        ///< first allocated CRB (the sequence is indexed from CRB 0)
  unsigned nof_crb = 1;          ///< allocated CRBs; crb_start + nof_crb <= 275
  unsigned port = 0;  ///< p~ (0..3 type 1 / 0..5 type 2 single-symbol; 0..7 / 0..11 double)
  unsigned nof_cdm_groups_without_data = 2;  ///< 1..2 (type 1) or 1..3 (type 2), > port's lambda
};

/// One DM-RS resource element of one port, before precoding.
struct DmrsRe {
  uint8_t symbol = 0;         ///< l in the slot
  uint16_t subcarrier = 0;    ///< k counted from subcarrier 0 of CRB 0
  std::complex<float> value;  ///< beta_DMRS * w_f(k') * w_t(l') * r(m)
};

/// Number of DM-RS REs of `cfg` (all DM-RS symbols); 0 when cfg is invalid.
size_t pusch_dmrs_nof_re(const PuschDmrsConfig& cfg);

/// Checks every field of `cfg`; the error names the field and its allowed range.
Status pusch_dmrs_validate(const PuschDmrsConfig& cfg);

/// Writes the DM-RS REs of port cfg.port, ordered by symbol then subcarrier, into `out`
/// (out.size() == pusch_dmrs_nof_re(cfg)); allocates nothing. Fails naming the field.
Status pusch_dmrs_generate(std::span<DmrsRe> out, const PuschDmrsConfig& cfg);

/// The same as a new vector, for set-up code and tests.
Expected<std::vector<DmrsRe>> pusch_dmrs_generate(const PuschDmrsConfig& cfg);

}  // namespace airan::phy
