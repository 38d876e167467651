#include "airan/predict/features.h"

namespace airan::predict {
namespace {

constexpr std::array<std::string_view, kNumFeatures> kNames = {
    "prbs", "mcs", "qm", "layers",  "rx_ports", "snr_db",    "code_blocks", "iterations",
    "tbs",  "bg",  "z",  "cb_bits", "e_bits",   "code_rate", "fft_size",    "symbols",
};

}  // namespace

std::string_view feature_name(Feature f) {
  const auto i = index_of(f);
  return i < kNames.size() ? kNames[i] : std::string_view("?");
}

std::optional<Feature> feature_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Feature>(i);
  }
  return std::nullopt;
}

std::string_view feature_name_list() {
  return "prbs, mcs, qm, layers, rx_ports, snr_db, code_blocks, iterations, tbs, bg, z, cb_bits, "
         "e_bits, code_rate, fft_size, symbols";
}

}  // namespace airan::predict
