#pragma once
// The uplink schedule of one slot: which UEs send PUSCH where, with which MCS, layers and
// redundancy version. Produced by the UE emulator, carried in SigMF recordings, consumed by the
// receiver.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "airan/common/expected.h"
#include "airan/phy/pusch/mcs_table.h"

namespace airan::ran {

struct PuschAllocation {
  uint16_t rnti = 1;
  unsigned prb_start = 0;
  unsigned nof_prb = 1;
  unsigned start_symbol = 0;
  unsigned nof_symbols = 14;
  phy::McsTable mcs_table = phy::McsTable::qam64;
  unsigned mcs = 0;
  unsigned nof_layers = 1;
  unsigned rv = 0;
  unsigned harq_id = 0;
  bool new_data = true;  ///< false for a HARQ retransmission of the same TB

  bool operator==(const PuschAllocation&) const = default;
};

struct SlotSchedule {
  uint32_t sfn = 0;   ///< system frame number 0..1023
  unsigned slot = 0;  ///< slot within the frame
  std::vector<PuschAllocation> pusch;

  bool operator==(const SlotSchedule&) const = default;
};

/// JSON form of a schedule (the SigMF annotation field "airan:schedule").
nlohmann::json to_json(const SlotSchedule& s);

/// Parses a schedule; the error names the JSON path of the wrong field (e.g. "pusch[2].mcs") and
/// the expected type or range.
Expected<SlotSchedule> slot_schedule_from_json(const nlohmann::json& j);

}  // namespace airan::ran
