#include "airan/phy/pusch/dmrs_pusch_tp.h"

#include <string>

#include "airan/phy/sequence/low_papr_sequence.h"

namespace airan::phy {
namespace {

bool is_dft_size(unsigned n) {
  for (unsigned f : {2u, 3u, 5u}) {
    while (n > 1 && n % f == 0) n /= f;
  }
  return n == 1;
}

}  // namespace

Status pusch_dmrs_tp_sequence(std::span<std::complex<float>> r, unsigned n_rs_id) {
  if (n_rs_id > 1007) return Error{"n_rs_id=" + std::to_string(n_rs_id) + " outside 0..1007"};
  // TS 38.211 6.4.1.1.1.2 with group and sequence hopping disabled: f_gh = 0, v = 0; delta = 1
  // and alpha = 0 (M_ZC = M_sc / 2).
  return low_papr_sequence(r, n_rs_id % 30, 0, 0.0);
}

Status pusch_dmrs_tp_validate(const PuschDmrsTpConfig& cfg) {
  if (cfg.n_rs_id > 1007)
    return Error{"n_rs_id=" + std::to_string(cfg.n_rs_id) + " outside 0..1007"};
  if (cfg.nof_prb < 1 || cfg.nof_prb > 275 || !is_dft_size(cfg.nof_prb)) {
    return Error{"nof_prb=" + std::to_string(cfg.nof_prb) +
                 " must be 2^a 3^b 5^c in 1..275 with transform precoding"};
  }
  if (cfg.crb_start + cfg.nof_prb > 275) {
    return Error{"crb_start=" + std::to_string(cfg.crb_start) + " outside 0.." +
                 std::to_string(275 - cfg.nof_prb) + " for nof_prb=" + std::to_string(cfg.nof_prb)};
  }
  const Expected<DmrsSymbols> symbols = pusch_dmrs_symbols(cfg.positions);
  if (!symbols) return symbols.error();
  return Status::ok();
}

Expected<std::vector<DmrsRe>> pusch_dmrs_tp_generate(const PuschDmrsTpConfig& cfg) {
  if (Status s = pusch_dmrs_tp_validate(cfg); !s) return Error{s.message()};
  const DmrsSymbols symbols = *pusch_dmrs_symbols(cfg.positions);
  const size_t m_zc = 6 * static_cast<size_t>(cfg.nof_prb);
  std::vector<std::complex<float>> r(m_zc);
  if (Status s = pusch_dmrs_tp_sequence(r, cfg.n_rs_id); !s) return Error{s.message()};
  std::vector<DmrsRe> out;
  out.reserve(symbols.count * m_zc);
  for (unsigned s = 0; s < symbols.count; ++s) {
    // Without group/sequence hopping the sequence does not depend on the symbol.
    for (size_t n = 0; n < m_zc; ++n) {
      DmrsRe re;
      re.symbol = symbols.symbols[s].l;
      re.subcarrier =
          static_cast<uint16_t>(12 * cfg.crb_start + 2 * n);  // k = 2n + Delta, Delta = 0
      re.value = cfg.beta * r[n];
      out.push_back(re);
    }
  }
  return out;
}

}  // namespace airan::phy
