#include "airan/rt/ran_task.h"

#include <array>

namespace airan::rt {
namespace {

constexpr std::array<std::string_view, kNumRanTaskTypes> kNames = {
    "ofdm_demod",   "channel_estimation", "equalization", "demap",     "descramble",
    "rate_dematch", "ldpc_decode",        "crc",          "tb_decode", "other",
};

}  // namespace

std::string_view task_type_name(RanTaskType type) {
  const size_t i = index_of(type);
  return i < kNames.size() ? kNames[i] : std::string_view("other");
}

std::optional<RanTaskType> task_type_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<RanTaskType>(i);
  }
  return std::nullopt;
}

}  // namespace airan::rt
