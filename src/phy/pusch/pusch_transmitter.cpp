#include "airan/phy/pusch/pusch_transmitter.h"

#include <string>

#include "airan/phy/modulation/modulation_mapper.h"
#include "airan/phy/pusch/pusch_scrambling.h"

namespace airan::phy {

Status PuschTransmitter::transmit(std::span<const std::span<cf_t>> port_grids,
                                  std::span<const uint8_t> tb, const PuschConfig& cfg) {
  const Expected<PuschDerived> derived = pusch_derive(cfg);
  if (!derived) return derived.error();
  const PuschDerived& d = *derived;
  const unsigned n_sc = cfg.carrier.n_subcarriers();
  const size_t grid_size = static_cast<size_t>(kSymbolsPerSlot) * n_sc;
  if (port_grids.size() != cfg.nof_layers) {
    return Error{"port_grids has " + std::to_string(port_grids.size()) +
                 " grids, nof_layers=" + std::to_string(cfg.nof_layers) + " expected"};
  }
  for (size_t p = 0; p < port_grids.size(); ++p) {
    if (port_grids[p].size() != grid_size) {
      return Error{"port_grids[" + std::to_string(p) + "] has " +
                   std::to_string(port_grids[p].size()) + " REs, 14 x " + std::to_string(n_sc) +
                   " = " + std::to_string(grid_size) + " expected"};
    }
  }
  if (tb.size() != pusch_tb_bytes(d.tbs)) {
    return Error{"tb has " + std::to_string(tb.size()) + " bytes, TBS=" + std::to_string(d.tbs) +
                 " bits needs " + std::to_string(pusch_tb_bytes(d.tbs))};
  }

  // UL-SCH coding (TS 38.212 6.2), then scrambling and modulation (TS 38.211 6.3.1.1-2).
  TransportBlockCodingConfig coding;
  coding.tbs = d.tbs;
  coding.target_code_rate = d.code_rate;
  coding.qm = d.qm;
  coding.num_layers = cfg.nof_layers;
  coding.g = d.g;
  coding.rv = cfg.rv;
  coded_.resize(d.g);
  scrambled_.resize(d.g);
  if (Status s = encoder_.encode(coded_, tb, coding); !s) return s;
  if (Status s = pusch_scramble(scrambled_, coded_, d.scrambling_c_init); !s) return s;
  symbols_.resize(d.g / d.qm);
  if (Status s = modulate(symbols_, scrambled_, d.modulation); !s) return s;

  // Layer mapping (TS 38.211 6.3.1.3, one codeword): x^(j)(i) = d(v i + j). RE mapping
  // (6.3.1.6): frequency first, then time, over the REs not used by DM-RS or by CDM groups
  // without data; the same REs on every port.
  const unsigned v = cfg.nof_layers;
  const unsigned k0 = cfg.prb_start * kSubcarriersPerRb;
  const unsigned n_alloc = cfg.nof_prb * kSubcarriersPerRb;
  size_t i = 0;  // layer symbol index
  for (unsigned l = cfg.start_symbol; l < cfg.start_symbol + cfg.nof_symbols; ++l) {
    const bool dmrs = d.dmrs_symbols.contains(l);
    for (unsigned k = 0; k < n_alloc; ++k) {
      const bool data = !dmrs || ((d.dmrs_data_mask >> (k % kSubcarriersPerRb)) & 1u);
      const size_t re = static_cast<size_t>(l) * n_sc + k0 + k;
      for (unsigned j = 0; j < v; ++j) port_grids[j][re] = data ? symbols_[v * i + j] : cf_t{};
      i += data;
    }
  }

  // DM-RS of every port (TS 38.211 6.4.1.1.3); the REs of the other CDM groups stay 0.
  for (unsigned j = 0; j < v; ++j) {
    const PuschDmrsConfig dc = pusch_dmrs_config(cfg, j);
    dmrs_.resize(pusch_dmrs_nof_re(dc));
    if (Status s = pusch_dmrs_generate(std::span<DmrsRe>(dmrs_), dc); !s) return s;
    for (const DmrsRe& re : dmrs_) {
      port_grids[j][static_cast<size_t>(re.symbol) * n_sc + re.subcarrier] = re.value;
    }
  }
  return Status::ok();
}

}  // namespace airan::phy
