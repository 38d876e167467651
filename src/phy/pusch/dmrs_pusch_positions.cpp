#include "airan/phy/pusch/dmrs_pusch_positions.h"

#include <initializer_list>
#include <string>

namespace airan::phy {
namespace {

// Up to three l_bar values after l0 (a returned braced list would dangle, so a small value type).
struct Extra {
  Extra() = default;
  Extra(std::initializer_list<unsigned> v) {
    for (unsigned x : v) l[n++] = x;
  }
  unsigned n = 0;
  unsigned l[3] = {};
};

// Additional l_bar values (beyond l0) for duration ld and dmrs-AdditionalPosition `pos`.
// TS 38.211 Table 6.4.1.1.3-3, mapping type A (ld counted from the slot start).
Extra single_type_a(unsigned ld, unsigned pos) {
  if (pos == 0 || ld < 8) return {};
  if (ld < 10) return {7};
  if (ld < 12) return pos == 1 ? Extra{9} : Extra{6, 9};
  if (ld == 12) {
    if (pos == 1) return {9};
    if (pos == 2) return {6, 9};
    return {5, 8, 11};
  }
  if (pos == 1) return {11};
  if (pos == 2) return {7, 11};
  return {5, 8, 11};
}

// TS 38.211 Table 6.4.1.1.3-3, mapping type B (ld = PUSCH duration).
Extra single_type_b(unsigned ld, unsigned pos) {
  if (pos == 0 || ld < 5) return {};
  if (ld < 8) return {4};
  if (ld < 10) return pos == 1 ? Extra{6} : Extra{3, 6};
  if (pos == 3) return {3, 6, 9};
  if (ld < 12) return pos == 1 ? Extra{8} : Extra{4, 8};
  return pos == 1 ? Extra{10} : Extra{5, 10};
}

// TS 38.211 Table 6.4.1.1.3-4 (double-symbol), positions of the first symbol of each pair.
Extra double_type_a(unsigned ld, unsigned pos) {
  if (pos == 0 || ld < 10) return {};
  if (ld < 13) return {8};
  return {10};
}

Extra double_type_b(unsigned ld, unsigned pos) {
  if (pos == 0 || ld < 8) return {};
  if (ld < 10) return {5};
  if (ld < 12) return {7};
  return {9};
}

}  // namespace

Expected<DmrsSymbols> pusch_dmrs_symbols(const DmrsPositionConfig& cfg) {
  const bool type_a = cfg.mapping == PuschMappingType::type_a;
  if (cfg.nof_symbols < 1 || cfg.start_symbol + cfg.nof_symbols > 14) {
    return Error{"start_symbol=" + std::to_string(cfg.start_symbol) + " with nof_symbols=" +
                 std::to_string(cfg.nof_symbols) + ": need nof_symbols >= 1 and S + L <= 14"};
  }
  const unsigned max_pos = cfg.double_symbol ? 1 : 3;
  if (cfg.additional_positions > max_pos) {
    return Error{"additional_positions=" + std::to_string(cfg.additional_positions) +
                 " outside 0.." + std::to_string(max_pos) +
                 (cfg.double_symbol ? " for double-symbol DM-RS" : "")};
  }
  unsigned l0 = 0;
  unsigned ld = 0;
  unsigned offset = 0;  // added to l_bar to get the symbol in the slot
  if (type_a) {
    if (cfg.type_a_position != 2 && cfg.type_a_position != 3) {
      return Error{"type_a_position=" + std::to_string(cfg.type_a_position) + " is not 2 or 3"};
    }
    // TS 38.214 Table 6.1.2.1-1: type A starts at S = 0 with L = 4..14.
    if (cfg.start_symbol != 0) {
      return Error{"start_symbol=" + std::to_string(cfg.start_symbol) +
                   " must be 0 for PUSCH mapping type A"};
    }
    l0 = cfg.type_a_position;
    ld = cfg.start_symbol + cfg.nof_symbols;  // from the slot start to the last PUSCH symbol
    if (ld < 4) {
      return Error{"nof_symbols=" + std::to_string(cfg.nof_symbols) +
                   " outside 4..14 for PUSCH mapping type A"};
    }
    // TS 38.211 6.4.1.1.3: pos3 only with dmrs-TypeA-Position pos2; double-symbol with ld = 4
    // only with pos2.
    if (cfg.additional_positions == 3 && l0 != 2) {
      return Error{"additional_positions=3 needs type_a_position=2"};
    }
    if (cfg.double_symbol && ld == 4 && l0 != 2) {
      return Error{"nof_symbols=4 with double-symbol DM-RS needs type_a_position=2"};
    }
  } else {
    l0 = 0;
    ld = cfg.nof_symbols;
    offset = cfg.start_symbol;
    if (cfg.double_symbol && ld < 5) {
      return Error{"nof_symbols=" + std::to_string(ld) +
                   " outside 5..14 for double-symbol DM-RS with mapping type B"};
    }
  }

  Extra extra;
  if (cfg.double_symbol) {
    extra = type_a ? double_type_a(ld, cfg.additional_positions)
                   : double_type_b(ld, cfg.additional_positions);
  } else {
    extra = type_a ? single_type_a(ld, cfg.additional_positions)
                   : single_type_b(ld, cfg.additional_positions);
  }

  DmrsSymbols out;
  const unsigned first = cfg.start_symbol;
  const unsigned last = cfg.start_symbol + cfg.nof_symbols - 1;
  auto add = [&](unsigned l_bar) -> Status {
    for (unsigned lp = 0; lp < (cfg.double_symbol ? 2u : 1u); ++lp) {
      const unsigned l = offset + l_bar + lp;
      if (l < first || l > last) {
        return Error{"nof_symbols=" + std::to_string(cfg.nof_symbols) + ": DM-RS symbol " +
                     std::to_string(l) + " falls outside the PUSCH symbols " +
                     std::to_string(first) + ".." + std::to_string(last)};
      }
      out.symbols[out.count++] = DmrsSymbol{static_cast<uint8_t>(l), static_cast<uint8_t>(lp)};
      out.mask = static_cast<uint16_t>(out.mask | (1u << l));
    }
    return Status::ok();
  };
  if (Status s = add(l0); !s) return Error{s.message()};
  for (unsigned i = 0; i < extra.n; ++i) {
    if (Status s = add(extra.l[i]); !s) return Error{s.message()};
  }
  return out;
}

}  // namespace airan::phy
