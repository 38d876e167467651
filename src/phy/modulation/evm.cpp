#include "airan/phy/modulation/evm.h"

#include <cmath>
#include <cstddef>

#include "airan/common/cpu_features.h"

// The clamps below are selects that cannot trap on the values they see; without this GCC keeps
// them as branches and the loop stays scalar (the EVM would cost more than the equaliser).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

namespace airan::phy {
namespace {

constexpr size_t kLanes = 16;  // partial sums: a sum the compiler may vectorise without reordering

}  // namespace

AIRAN_VECTOR_CLONES
float qam_evm_percent(std::span<const std::complex<float>> symbols, unsigned qm) {
  if (symbols.empty()) return 0.0f;
  // Per axis a PAM with levels (2m + 1) a, m = -L/2 .. L/2 - 1; a normalises the QAM to unit power.
  const unsigned levels = qm < 2 ? 2u : 1u << (qm / 2);
  const float top = static_cast<float>(levels - 1);
  const float a =
      static_cast<float>(1.0 / std::sqrt(2.0 * (static_cast<double>(levels) * levels - 1) / 3.0));
  const float inv_a = 1.0f / a;
  // Interleaved (re, im) floats, the layout std::complex<float> guarantees.
  const float* v = reinterpret_cast<const float*>(symbols.data());
  const size_t n = 2 * symbols.size();
  double total = 0;
  float acc[kLanes] = {};
  size_t i = 0;
  const auto error_sq = [&](float x) {
    // Nearest level 2 floor(t / 2) + 1 with t = x / a, clamped; NaN fails the first compare and
    // becomes the lowest level. The floor is an int conversion of a value made positive.
    float t = x * inv_a;
    t = t > -top - 1.0f ? t : -top - 1.0f;
    t = (t < top + 1.0f ? t : top + 1.0f) * 0.5f;
    float u = 2.0f * (static_cast<float>(static_cast<int>(t + 64.0f)) - 64.0f) + 1.0f;
    u = u > -top ? u : -top;
    u = u < top ? u : top;
    const float e = x - u * a;
    return e == e ? e * e : 4.0f * top * top * a * a;  // NaN: the constellation's width squared
  };
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) acc[l] += error_sq(v[i + l]);
    if ((i / kLanes) % 256 == 255) {  // fold into double now and then: float sums stay exact enough
      for (float& s : acc) {
        total += s;
        s = 0.0f;
      }
    }
  }
  for (; i < n; ++i) total += error_sq(v[i]);
  for (float s : acc) total += s;
  return static_cast<float>(100.0 * std::sqrt(total / static_cast<double>(symbols.size())));
}

}  // namespace airan::phy
