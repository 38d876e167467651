#include "airan/phy/modulation/soft_demapper.h"

#include <cmath>
#include <string>

#include "phy/modulation/soft_demapper_impl.h"

namespace airan::phy {

// Defined in soft_demapper_{generic,avx2,avx512}.cpp, each compiled for its instruction set.
std::unique_ptr<SoftDemapper> create_soft_demapper_generic();
std::unique_ptr<SoftDemapper> create_soft_demapper_avx2();
std::unique_ptr<SoftDemapper> create_soft_demapper_avx512();

std::unique_ptr<SoftDemapper> create_soft_demapper(std::optional<SimdLevel> level) {
  const SimdLevel l = level.value_or(detected_simd_level());
  if (!cpu_supports(l)) return nullptr;
  switch (l) {
    case SimdLevel::avx512:
      return create_soft_demapper_avx512();
    case SimdLevel::avx2:
      return create_soft_demapper_avx2();
    case SimdLevel::portable:
      break;
  }
  return create_soft_demapper_generic();
}

Status soft_demapper_check(std::span<const int8_t> llrs,
                           std::span<const std::complex<float>> symbols,
                           std::span<const float> noise_var, Modulation mod, float llr_scale) {
  const unsigned qm = modulation_order(mod);
  if (qm == 0) return Error{"mod: not a modulation of TS 38.211 5.1"};
  if (llrs.size() != static_cast<size_t>(qm) * symbols.size()) {
    return Error{"llrs.size()=" + std::to_string(llrs.size()) + " must be Qm=" +
                 std::to_string(qm) + " x symbols.size()=" + std::to_string(symbols.size())};
  }
  if (noise_var.size() != symbols.size()) {
    return Error{"noise_var.size()=" + std::to_string(noise_var.size()) +
                 " must equal symbols.size()=" + std::to_string(symbols.size())};
  }
  if (!(llr_scale > 0.0f) || !std::isfinite(llr_scale)) {
    return Error{"llr_scale=" + std::to_string(llr_scale) + " must be positive and finite"};
  }
  return Status::ok();
}

float qam_normalisation(Modulation mod) {
  switch (mod) {
    case Modulation::qam16:
      return static_cast<float>(1.0 / std::sqrt(10.0));
    case Modulation::qam64:
      return static_cast<float>(1.0 / std::sqrt(42.0));
    case Modulation::qam256:
      return static_cast<float>(1.0 / std::sqrt(170.0));
    default:
      break;
  }
  return static_cast<float>(1.0 / std::sqrt(2.0));
}

}  // namespace airan::phy
