#include "airan/ran/slot_schedule.h"

#include <string>

namespace airan::ran {
namespace {

// Reads an unsigned integer field `key` of `obj` within [lo, hi]; `path` prefixes error messages.
Expected<unsigned> read_uint(const nlohmann::json& obj, const char* key, unsigned lo, unsigned hi,
                             const std::string& path, std::optional<unsigned> fallback = std::nullopt) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (fallback) return *fallback;
    return Error{path + key + ": missing (integer " + std::to_string(lo) + ".." + std::to_string(hi) + ")"};
  }
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
    return Error{path + key + ": expected an integer " + std::to_string(lo) + ".." + std::to_string(hi) +
                 ", got " + it->dump()};
  }
  const uint64_t v = it->get<uint64_t>();
  if (v < lo || v > hi) {
    return Error{path + key + "=" + std::to_string(v) + " outside " + std::to_string(lo) + ".." + std::to_string(hi)};
  }
  return static_cast<unsigned>(v);
}

}  // namespace

nlohmann::json to_json(const SlotSchedule& s) {
  nlohmann::json pusch = nlohmann::json::array();
  for (const auto& a : s.pusch) {
    pusch.push_back({{"rnti", a.rnti}, {"prb_start", a.prb_start}, {"nof_prb", a.nof_prb},
                     {"start_symbol", a.start_symbol}, {"nof_symbols", a.nof_symbols},
                     {"mcs_table", std::string(phy::mcs_table_name(a.mcs_table))}, {"mcs", a.mcs},
                     {"nof_layers", a.nof_layers}, {"rv", a.rv}, {"harq_id", a.harq_id},
                     {"new_data", a.new_data}});
  }
  return {{"sfn", s.sfn}, {"slot", s.slot}, {"pusch", pusch}};
}

Expected<SlotSchedule> slot_schedule_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return Error{"schedule: expected an object, got " + std::string(j.type_name())};
  SlotSchedule s;
  auto sfn = read_uint(j, "sfn", 0, 1023, "schedule.");
  if (!sfn) return sfn.error();
  s.sfn = *sfn;
  auto slot = read_uint(j, "slot", 0, 159, "schedule.");
  if (!slot) return slot.error();
  s.slot = *slot;
  const auto pusch = j.find("pusch");
  if (pusch == j.end() || !pusch->is_array()) return Error{"schedule.pusch: expected an array"};
  for (size_t i = 0; i < pusch->size(); ++i) {
    const auto& e = (*pusch)[i];
    const std::string path = "schedule.pusch[" + std::to_string(i) + "].";
    if (!e.is_object()) return Error{path.substr(0, path.size() - 1) + ": expected an object"};
    PuschAllocation a;
    struct Field {
      const char* key;
      unsigned lo, hi;
      std::optional<unsigned> fallback;
      unsigned* out;
    };
    unsigned rnti = 0;
    const Field fields[] = {
        {"rnti", 1, 65519, std::nullopt, &rnti},
        {"prb_start", 0, 274, std::nullopt, &a.prb_start},
        {"nof_prb", 1, 275, std::nullopt, &a.nof_prb},
        {"start_symbol", 0, 13, 0u, &a.start_symbol},
        {"nof_symbols", 1, 14, 14u, &a.nof_symbols},
        {"mcs", 0, 31, std::nullopt, &a.mcs},
        {"nof_layers", 1, 4, 1u, &a.nof_layers},
        {"rv", 0, 3, 0u, &a.rv},
        {"harq_id", 0, 15, 0u, &a.harq_id},
    };
    for (const Field& f : fields) {
      auto v = read_uint(e, f.key, f.lo, f.hi, path, f.fallback);
      if (!v) return v.error();
      *f.out = *v;
    }
    a.rnti = static_cast<uint16_t>(rnti);
    if (a.prb_start + a.nof_prb > 275) {
      return Error{path + "prb_start+nof_prb=" + std::to_string(a.prb_start + a.nof_prb) + " exceeds 275 PRBs"};
    }
    if (a.start_symbol + a.nof_symbols > 14) {
      return Error{path + "start_symbol+nof_symbols=" + std::to_string(a.start_symbol + a.nof_symbols) + " exceeds 14"};
    }
    const auto table = e.find("mcs_table");
    if (table != e.end()) {
      if (!table->is_string()) return Error{path + "mcs_table: expected a string"};
      auto t = phy::mcs_table_from_name(table->get<std::string>());
      if (!t) return Error{path + "mcs_table: " + t.error().message};
      a.mcs_table = *t;
    }
    const auto nd = e.find("new_data");
    if (nd != e.end()) {
      if (!nd->is_boolean()) return Error{path + "new_data: expected true or false"};
      a.new_data = nd->get<bool>();
    }
    s.pusch.push_back(a);
  }
  return s;
}

}  // namespace airan::ran
