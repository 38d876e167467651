#pragma once
// The SoftDemapper implementation over one instruction set's kernels (see soft_demapper_kernel.h).

#include <string_view>

#include "airan/phy/modulation/soft_demapper.h"

namespace airan::phy {

/// Checks the buffers and parameters of SoftDemapper::demap (defined in soft_demapper.cpp, built
/// with baseline flags).
Status soft_demapper_check(std::span<const int8_t> llrs,
                           std::span<const std::complex<float>> symbols,
                           std::span<const float> noise_var, Modulation mod, float llr_scale);

/// 1/sqrt(2), 1/sqrt(10), 1/sqrt(42) or 1/sqrt(170): the TS 38.211 5.1 normalisation of `mod`.
float qam_normalisation(Modulation mod);

template <typename K>
class SoftDemapperImpl final : public SoftDemapper {
 public:
  explicit SoftDemapperImpl(std::string_view name) : name_(name) {}

  Status demap(std::span<int8_t> llrs, std::span<const std::complex<float>> symbols,
               std::span<const float> noise_var, Modulation mod, float llr_scale,
               size_t first_index) const override {
    if (Status s = soft_demapper_check(llrs, symbols, noise_var, mod, llr_scale); !s) return s;
    const auto* iq = reinterpret_cast<const float*>(symbols.data());
    const size_t n = symbols.size();
    const float norm = qam_normalisation(mod);
    switch (mod) {
      case Modulation::pi2_bpsk:
      case Modulation::bpsk:
        K::bpsk(llrs.data(), iq, noise_var.data(), n, llr_scale, mod == Modulation::pi2_bpsk,
                first_index);
        break;
      case Modulation::qpsk:
        K::template qam<1>(llrs.data(), iq, noise_var.data(), n, llr_scale, norm);
        break;
      case Modulation::qam16:
        K::template qam<2>(llrs.data(), iq, noise_var.data(), n, llr_scale, norm);
        break;
      case Modulation::qam64:
        K::template qam<3>(llrs.data(), iq, noise_var.data(), n, llr_scale, norm);
        break;
      case Modulation::qam256:
        K::template qam<4>(llrs.data(), iq, noise_var.data(), n, llr_scale, norm);
        break;
    }
    return Status::ok();
  }

  std::string_view implementation() const override { return name_; }

 private:
  std::string_view name_;
};

}  // namespace airan::phy
