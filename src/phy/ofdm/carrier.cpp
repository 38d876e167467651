#include "airan/phy/ofdm/carrier.h"

#include <string>

namespace airan::phy {
namespace {

struct RbEntry {
  unsigned bandwidth_mhz, n_rb_15khz, n_rb_30khz;  // 0: not defined
};
// TS 38.101-1 Table 5.3.2-1, maximum transmission bandwidth N_RB (FR1).
constexpr RbEntry kRbTable[] = {
    {5, 25, 11},   {10, 52, 24},  {15, 79, 38},  {20, 106, 51},  {25, 133, 65},
    {30, 160, 78}, {35, 188, 92}, {40, 216, 106}, {45, 242, 119}, {50, 270, 133},
    {60, 0, 162},  {70, 0, 189},  {80, 0, 217},  {90, 0, 245},   {100, 0, 273},
};

}  // namespace

unsigned Carrier::cp_length(unsigned slot, unsigned symbol) const {
  const unsigned normal = 144 * fft_size / 2048;
  const unsigned symbol_in_subframe = (slot % slots_per_subframe()) * kSymbolsPerSlot + symbol;
  const bool half_subframe_start = symbol_in_subframe % (7 * slots_per_subframe()) == 0;
  // The extension is 16 kappa Tc for every numerology, i.e. 16 * 2^mu / 2048 of the FFT.
  return normal + (half_subframe_start ? 16 * slots_per_subframe() * fft_size / 2048 : 0);
}

size_t Carrier::symbol_offset(unsigned slot, unsigned symbol) const {
  size_t offset = 0;
  for (unsigned l = 0; l < symbol; ++l) offset += cp_length(slot, l) + fft_size;
  return offset;
}

size_t Carrier::slot_samples(unsigned slot) const { return symbol_offset(slot, kSymbolsPerSlot); }

Expected<Carrier> nr_carrier(unsigned scs_khz, unsigned bandwidth_mhz) {
  if (scs_khz != 15 && scs_khz != 30) {
    return Error{"scs_khz=" + std::to_string(scs_khz) + " must be 15 or 30"};
  }
  for (const RbEntry& e : kRbTable) {
    if (e.bandwidth_mhz != bandwidth_mhz) continue;
    const unsigned n_rb = scs_khz == 15 ? e.n_rb_15khz : e.n_rb_30khz;
    if (n_rb == 0) break;
    Carrier c;
    c.scs_khz = scs_khz;
    c.bandwidth_mhz = bandwidth_mhz;
    c.n_rb = n_rb;
    // Occupied subcarriers fill at most 85 % of the FFT, the usual guard.
    c.fft_size = 128;
    while (c.fft_size * 85 < c.n_subcarriers() * 100) c.fft_size *= 2;
    c.sample_rate_hz = static_cast<double>(c.fft_size) * scs_khz * 1e3;
    return c;
  }
  return Error{"bandwidth_mhz=" + std::to_string(bandwidth_mhz) + " is not an FR1 channel bandwidth for " +
               std::to_string(scs_khz) + " kHz (5,10,15,20,25,30,35,40,45,50" +
               (scs_khz == 30 ? ",60,70,80,90,100" : "") + " MHz)"};
}

}  // namespace airan::phy
