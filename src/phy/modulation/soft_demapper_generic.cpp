// portable build of the max-log demapper kernel (soft_demapper_kernel.h), baseline x86-64 flags.
#define AIRAN_DEMAP_NS demap_generic
#include "phy/modulation/soft_demapper_impl.h"
#include "phy/modulation/soft_demapper_kernel.h"

namespace airan::phy {

std::unique_ptr<SoftDemapper> create_soft_demapper_generic() {
  return std::make_unique<SoftDemapperImpl<demap_generic::Kernels>>("portable");
}

}  // namespace airan::phy
