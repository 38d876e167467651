#pragma once
// PUSCH DM-RS symbol positions in a slot, TS 38.211 6.4.1.1.3 Tables 6.4.1.1.3-3 (single-symbol)
// and 6.4.1.1.3-4 (double-symbol), intra-slot frequency hopping disabled, normal CP.

#include <array>
#include <cstdint>

#include "airan/common/expected.h"

namespace airan::phy {

enum class PuschMappingType : uint8_t { type_a, type_b };

struct DmrsPositionConfig {
  PuschMappingType mapping = PuschMappingType::type_a;
  unsigned type_a_position = 2;       ///< l0 for mapping type A: dmrs-TypeA-Position, 2 or 3
  unsigned start_symbol = 0;          ///< S: first PUSCH symbol in the slot
  unsigned nof_symbols = 14;          ///< L: PUSCH duration in symbols
  unsigned additional_positions = 0;  ///< dmrs-AdditionalPosition: 0..3 (0..1 double-symbol)
  bool double_symbol = false;         ///< double-symbol (front-loaded pair) DM-RS
};

struct DmrsSymbol {
  uint8_t l = 0;        ///< OFDM symbol index in the slot
  uint8_t l_prime = 0;  ///< l': 0, or 1 for the second symbol of a double-symbol DM-RS
};

struct DmrsSymbols {
  std::array<DmrsSymbol, 8> symbols{};  ///< in increasing l
  unsigned count = 0;
  uint16_t mask = 0;  ///< bit l set for every DM-RS symbol l

  /// True when symbol `l` (0..13) carries DM-RS.
  bool contains(unsigned l) const { return l < 14 && ((mask >> l) & 1u); }
};

/// The DM-RS symbols of a PUSCH allocation (l = l_bar + l', with l_bar relative to the slot for
/// mapping type A and to S for type B). Fails naming the field and its allowed values.
Expected<DmrsSymbols> pusch_dmrs_symbols(const DmrsPositionConfig& cfg);

}  // namespace airan::phy
