// avx512 build of the max-log demapper kernel (soft_demapper_kernel.h), compiled with -mavx512
// flags.
#define AIRAN_DEMAP_NS demap_avx512
#include "phy/modulation/soft_demapper_impl.h"
#include "phy/modulation/soft_demapper_kernel.h"

namespace airan::phy {

std::unique_ptr<SoftDemapper> create_soft_demapper_avx512() {
  return std::make_unique<SoftDemapperImpl<demap_avx512::Kernels>>("avx512");
}

}  // namespace airan::phy
