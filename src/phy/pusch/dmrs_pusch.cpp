#include "airan/phy/pusch/dmrs_pusch.h"

#include <cmath>
#include <string>

#include "airan/phy/sequence/gold_sequence.h"

namespace airan::phy {
namespace {

constexpr unsigned kMaxCrb = 275;
constexpr unsigned kSymbolsPerSlot = 14;  // normal CP

// DM-RS REs per PRB and DM-RS symbol: 6 for type 1 (comb 2), 4 for type 2.
unsigned res_per_prb(DmrsType type) {
  return type == DmrsType::type1 ? 6 : 4;
}

}  // namespace

Expected<DmrsPortParams> pusch_dmrs_port_params(DmrsType type, unsigned port) {
  DmrsPortParams p;
  if (type == DmrsType::type1) {
    // TS 38.211 Table 6.4.1.1.3-1: lambda = (p~ / 2) mod 2, Delta = lambda, w_f(1) = -1 for odd
    // p~, w_t(1) = -1 for p~ >= 4.
    if (port > 7) return Error{"port=" + std::to_string(port) + " outside 0..7 for DM-RS type 1"};
    p.cdm_group = (port / 2) % 2;
    p.delta = p.cdm_group;
    p.w_f[1] = (port % 2) ? -1 : 1;
    p.w_t[1] = port >= 4 ? -1 : 1;
    return p;
  }
  if (type == DmrsType::type2) {
    // TS 38.211 Table 6.4.1.1.3-2: lambda = (p~ / 2) mod 3, Delta = 2 lambda, w_f(1) = -1 for
    // odd p~, w_t(1) = -1 for p~ >= 6.
    if (port > 11) return Error{"port=" + std::to_string(port) + " outside 0..11 for DM-RS type 2"};
    p.cdm_group = (port / 2) % 3;
    p.delta = 2 * p.cdm_group;
    p.w_f[1] = (port % 2) ? -1 : 1;
    p.w_t[1] = port >= 6 ? -1 : 1;
    return p;
  }
  return Error{"type: DM-RS configuration type must be 1 or 2"};
}

Expected<float> pusch_dmrs_beta(DmrsType type, unsigned nof_cdm_groups_without_data) {
  const unsigned max_groups = type == DmrsType::type1 ? 2 : 3;
  if (nof_cdm_groups_without_data < 1 || nof_cdm_groups_without_data > max_groups) {
    return Error{"nof_cdm_groups_without_data=" + std::to_string(nof_cdm_groups_without_data) +
                 " outside 1.." + std::to_string(max_groups)};
  }
  // TS 38.214 Table 6.2.2-1: DM-RS EPRE ratio 0, -3, -4.77 dB, used exactly as printed.
  static constexpr double kRatioDb[] = {0.0, -3.0, -4.77};
  return static_cast<float>(std::pow(10.0, -kRatioDb[nof_cdm_groups_without_data - 1] / 20.0));
}

uint32_t pusch_dmrs_c_init(unsigned n_id, unsigned n_scid, unsigned slot, unsigned symbol) {
  const uint64_t a = uint64_t{1} << 17;
  const uint64_t v =
      a * (kSymbolsPerSlot * uint64_t{slot} + symbol + 1) * (2 * uint64_t{n_id} + 1) +
      2 * uint64_t{n_id} + n_scid;
  return static_cast<uint32_t>(v % (uint64_t{1} << 31));
}

void pusch_dmrs_sequence(std::span<std::complex<float>> r, uint32_t c_init, size_t first_m) {
  // TS 38.211 6.4.1.1.1.1: r(m) uses c(2m) and c(2m+1).
  const float h = static_cast<float>(1.0 / std::sqrt(2.0));
  GoldSequence c(c_init);
  c.skip(2 * first_m);
  size_t m = 0;
  while (m < r.size()) {
    uint64_t w = c.next64();  // 32 sequence values
    for (unsigned j = 0; j < 32 && m < r.size(); ++j, ++m, w >>= 2) {
      r[m] = {(w & 1u) ? -h : h, (w & 2u) ? -h : h};
    }
  }
}

Status pusch_dmrs_validate(const PuschDmrsConfig& cfg) {
  if (cfg.type != DmrsType::type1 && cfg.type != DmrsType::type2) {
    return Error{"type: DM-RS configuration type must be 1 or 2"};
  }
  if (cfg.n_id > 65535) return Error{"n_id=" + std::to_string(cfg.n_id) + " outside 0..65535"};
  if (cfg.n_scid > 1) return Error{"n_scid=" + std::to_string(cfg.n_scid) + " outside 0..1"};
  if (cfg.numerology > 4) {
    return Error{"numerology=" + std::to_string(cfg.numerology) + " outside 0..4"};
  }
  const unsigned slots = 10u << cfg.numerology;
  if (cfg.slot >= slots) {
    return Error{"slot=" + std::to_string(cfg.slot) + " outside 0.." + std::to_string(slots - 1) +
                 " for numerology " + std::to_string(cfg.numerology)};
  }
  if (cfg.nof_crb < 1 || cfg.nof_crb > kMaxCrb) {
    return Error{"nof_crb=" + std::to_string(cfg.nof_crb) + " outside 1..275"};
  }
  if (cfg.crb_start + cfg.nof_crb > kMaxCrb) {
    return Error{"crb_start=" + std::to_string(cfg.crb_start) + " outside 0.." +
                 std::to_string(kMaxCrb - cfg.nof_crb) +
                 " for nof_crb=" + std::to_string(cfg.nof_crb)};
  }
  const Expected<DmrsPortParams> p = pusch_dmrs_port_params(cfg.type, cfg.port);
  if (!p) return p.error();
  if (!cfg.positions.double_symbol && p->w_t[1] != 1) {
    return Error{"port=" + std::to_string(cfg.port) + " outside 0.." +
                 (cfg.type == DmrsType::type1 ? "3" : "5") + " for single-symbol DM-RS"};
  }
  const Expected<float> beta = pusch_dmrs_beta(cfg.type, cfg.nof_cdm_groups_without_data);
  if (!beta) return beta.error();
  if (p->cdm_group >= cfg.nof_cdm_groups_without_data) {
    return Error{"nof_cdm_groups_without_data=" + std::to_string(cfg.nof_cdm_groups_without_data) +
                 " must exceed the CDM group " + std::to_string(p->cdm_group) + " of port " +
                 std::to_string(cfg.port)};
  }
  const Expected<DmrsSymbols> symbols = pusch_dmrs_symbols(cfg.positions);
  if (!symbols) return symbols.error();
  return Status::ok();
}

size_t pusch_dmrs_nof_re(const PuschDmrsConfig& cfg) {
  if (!pusch_dmrs_validate(cfg)) return 0;
  const Expected<DmrsSymbols> symbols = pusch_dmrs_symbols(cfg.positions);
  return static_cast<size_t>(symbols->count) * cfg.nof_crb * res_per_prb(cfg.type);
}

Status pusch_dmrs_generate(std::span<DmrsRe> out, const PuschDmrsConfig& cfg) {
  if (Status s = pusch_dmrs_validate(cfg); !s) return s;
  const size_t expected = pusch_dmrs_nof_re(cfg);
  if (out.size() != expected) {
    return Error{"out.size()=" + std::to_string(out.size()) + " must equal " +
                 std::to_string(expected) + " DM-RS REs"};
  }
  const DmrsPortParams p = *pusch_dmrs_port_params(cfg.type, cfg.port);
  const float beta = *pusch_dmrs_beta(cfg.type, cfg.nof_cdm_groups_without_data);
  const DmrsSymbols symbols = *pusch_dmrs_symbols(cfg.positions);
  const unsigned per_prb = res_per_prb(cfg.type);
  const size_t per_symbol = static_cast<size_t>(cfg.nof_crb) * per_prb;
  // The sequence is indexed from CRB 0 (TS 38.211 6.4.1.1.3): skip 6 or 4 values per CRB.
  const size_t first_m = static_cast<size_t>(cfg.crb_start) * per_prb;

  size_t o = 0;
  for (unsigned s = 0; s < symbols.count; ++s) {
    const DmrsSymbol sym = symbols.symbols[s];
    const uint32_t c_init = pusch_dmrs_c_init(cfg.n_id, cfg.n_scid, cfg.slot, sym.l);
    // Generate r in place (DmrsRe::value), then apply cover codes, beta and positions.
    GoldSequence c(c_init);
    c.skip(2 * first_m);
    const float h = static_cast<float>(1.0 / std::sqrt(2.0));
    for (size_t i = 0; i < per_symbol; i += 32) {
      uint64_t w = c.next64();
      for (size_t j = i; j < per_symbol && j < i + 32; ++j, w >>= 2) {
        const size_t m = first_m + j;
        const unsigned k_prime = static_cast<unsigned>(m % 2);
        const size_t n = m / 2;
        // TS 38.211 6.4.1.1.3: type 1 k = 4n + 2k' + Delta, type 2 k = 6n + k' + Delta.
        const size_t k =
            cfg.type == DmrsType::type1 ? 4 * n + 2 * k_prime + p.delta : 6 * n + k_prime + p.delta;
        const float amp = beta * static_cast<float>(p.w_f[k_prime] * p.w_t[sym.l_prime]) * h;
        DmrsRe& re = out[o + j];
        re.symbol = sym.l;
        re.subcarrier = static_cast<uint16_t>(k);
        re.value = {(w & 1u) ? -amp : amp, (w & 2u) ? -amp : amp};
      }
    }
    o += per_symbol;
  }
  return Status::ok();
}

Expected<std::vector<DmrsRe>> pusch_dmrs_generate(const PuschDmrsConfig& cfg) {
  if (Status s = pusch_dmrs_validate(cfg); !s) return Error{s.message()};
  std::vector<DmrsRe> out(pusch_dmrs_nof_re(cfg));
  if (Status s = pusch_dmrs_generate(std::span<DmrsRe>(out), cfg); !s) return Error{s.message()};
  return out;
}

}  // namespace airan::phy
