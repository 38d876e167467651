#include "airan/phy/modulation/modulation_mapper.h"

#include <array>
#include <cmath>
#include <string>

namespace airan::phy {
namespace {

// Amplitude on one axis from that axis's bits (first bit = sign, then the nested amplitude
// bits), unnormalised: the bracketed terms of TS 38.211 5.1.3 .. 5.1.6, e.g. for 64QAM
// (1-2b0)[4-(1-2b2)[2-(1-2b4)]].
int axis_level(const unsigned* axis_bits, unsigned bits_per_axis) {
  int amp = 1;
  // Innermost first: a = 1; a = 2 - s*a; a = 4 - s*a; ... then the sign.
  for (unsigned k = bits_per_axis; k-- > 1;) {
    const int s = 1 - 2 * static_cast<int>(axis_bits[k]);
    amp = (1 << (bits_per_axis - k)) - s * amp;
  }
  return (1 - 2 * static_cast<int>(axis_bits[0])) * amp;
}

struct Tables {
  std::array<cf_t, 4> qpsk{};
  std::array<cf_t, 16> qam16{};
  std::array<cf_t, 64> qam64{};
  std::array<cf_t, 256> qam256{};

  template <size_t N>
  static void fill(std::array<cf_t, N>& t, unsigned qm, float norm) {
    const unsigned per_axis = qm / 2;
    for (unsigned label = 0; label < N; ++label) {
      unsigned re_bits[4] = {};
      unsigned im_bits[4] = {};
      for (unsigned i = 0; i < qm; ++i) {
        const unsigned bit = (label >> (qm - 1 - i)) & 1u;  // b(0) is the label's MSB
        (i % 2 == 0 ? re_bits : im_bits)[i / 2] = bit;
      }
      t[label] = cf_t(static_cast<float>(axis_level(re_bits, per_axis)) * norm,
                      static_cast<float>(axis_level(im_bits, per_axis)) * norm);
    }
  }

  Tables() {
    fill(qpsk, 2, static_cast<float>(1.0 / std::sqrt(2.0)));
    fill(qam16, 4, static_cast<float>(1.0 / std::sqrt(10.0)));
    fill(qam64, 6, static_cast<float>(1.0 / std::sqrt(42.0)));
    fill(qam256, 8, static_cast<float>(1.0 / std::sqrt(170.0)));
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

template <size_t N>
void map_qam(std::span<cf_t> symbols, std::span<const uint8_t> bits, const std::array<cf_t, N>& t,
             unsigned qm) {
  for (size_t i = 0; i < symbols.size(); ++i) {
    unsigned label = 0;
    for (unsigned k = 0; k < qm; ++k) label = (label << 1) | (bits[qm * i + k] & 1u);
    symbols[i] = t[label];
  }
}

}  // namespace

cf_t constellation_point(Modulation mod, unsigned label) {
  const float h = static_cast<float>(1.0 / std::sqrt(2.0));
  switch (mod) {
    case Modulation::pi2_bpsk:
    case Modulation::bpsk:
      return (label & 1u) ? cf_t(-h, -h) : cf_t(h, h);  // TS 38.211 5.1.1 / 5.1.2
    case Modulation::qpsk:
      return tables().qpsk[label & 3u];
    case Modulation::qam16:
      return tables().qam16[label & 15u];
    case Modulation::qam64:
      return tables().qam64[label & 63u];
    case Modulation::qam256:
      return tables().qam256[label & 255u];
  }
  return {};
}

Status modulate(std::span<cf_t> symbols, std::span<const uint8_t> bits, Modulation mod,
                size_t first_index) {
  const unsigned qm = modulation_order(mod);
  if (bits.size() != static_cast<size_t>(qm) * symbols.size()) {
    return Error{"bits.size()=" + std::to_string(bits.size()) + " must be Qm=" +
                 std::to_string(qm) + " x symbols.size()=" + std::to_string(symbols.size())};
  }
  const Tables& t = tables();
  switch (mod) {
    case Modulation::pi2_bpsk: {
      // TS 38.211 5.1.1: d(i) = e^{j*pi*(i mod 2)/2} * ((1-2b(i)) + j(1-2b(i)))/sqrt(2);
      // multiplying (a + ja) by j gives (-a + ja).
      for (size_t i = 0; i < symbols.size(); ++i) {
        const cf_t p = constellation_point(mod, bits[i]);
        symbols[i] = ((first_index + i) % 2 == 0) ? p : cf_t(-p.imag(), p.real());
      }
      break;
    }
    case Modulation::bpsk:
      for (size_t i = 0; i < symbols.size(); ++i) symbols[i] = constellation_point(mod, bits[i]);
      break;
    case Modulation::qpsk:
      map_qam(symbols, bits, t.qpsk, 2);
      break;
    case Modulation::qam16:
      map_qam(symbols, bits, t.qam16, 4);
      break;
    case Modulation::qam64:
      map_qam(symbols, bits, t.qam64, 6);
      break;
    case Modulation::qam256:
      map_qam(symbols, bits, t.qam256, 8);
      break;
  }
  return Status::ok();
}

}  // namespace airan::phy
