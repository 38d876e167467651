#pragma once
// Max-log soft demapper (TS 38.211 5.1 constellations) to int8 LLRs: positive = bit 0.
// LLR(b) = (min_{x: b=1} |y-x|^2 - min_{x: b=0} |y-x|^2) / N0, exact max-log (every
// constellation point considered), multiplied by a caller-given scale, rounded and saturated to
// +-63 (the LDPC decoder's input range). Portable, AVX2 and AVX-512 builds of one kernel.

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "airan/common/cpu_features.h"
#include "airan/common/expected.h"
#include "airan/phy/modulation/modulation.h"

namespace airan::phy {

/// Largest |LLR| the demapper writes.
inline constexpr int kDemapperMaxLlr = 63;

class SoftDemapper {
 public:
  virtual ~SoftDemapper() = default;

  /// Demaps `symbols` into llrs (Qm per symbol, bit order of TS 38.211 5.1). `noise_var` is the
  /// complex noise variance N0 = E|n|^2 of each symbol's RE (same size as symbols; values <= 0
  /// are treated as 1e-9). `llr_scale` (> 0, finite) converts natural-log LLRs to int8 units.
  /// For pi/2-BPSK, `first_index` is the codeword index of symbols[0]. Fails naming the parameter.
  virtual Status demap(std::span<int8_t> llrs, std::span<const std::complex<float>> symbols,
                       std::span<const float> noise_var, Modulation mod, float llr_scale,
                       size_t first_index = 0) const = 0;

  /// Which implementation runs: "avx512", "avx2" or "portable".
  virtual std::string_view implementation() const = 0;
};

/// The demapper for `level` (default: the best the running CPU supports); nullptr when the CPU
/// lacks `level`.
std::unique_ptr<SoftDemapper> create_soft_demapper(std::optional<SimdLevel> level = std::nullopt);

}  // namespace airan::phy
