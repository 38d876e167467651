#pragma once
// Floating-point layered sum-product (belief propagation) LDPC decoder: the accuracy reference
// the production min-sum decoder is measured against (`airan bench ldpc-bler`). Not fast.

#include <cstdint>
#include <span>
#include <vector>

#include "airan/common/expected.h"
#include "airan/phy/coding/ldpc_decoder.h"

namespace airan::phy {

class LdpcSumProductDecoder {
 public:
  /// Decodes one code block from unquantised LLRs (positive = bit 0) of the encoder output d (up
  /// to N values; missing tail positions count as 0). Same contract as LdpcDecoder::decode;
  /// cfg.algorithm, scaling and offset are ignored (exact tanh rule).
  Expected<LdpcDecoder::Result> decode(std::span<uint8_t> message, std::span<const float> llrs,
                                       const LdpcDecoder::Configuration& cfg);

 private:
  std::vector<float> var_, check_, t_;
  std::vector<uint8_t> hd_;
};

}  // namespace airan::phy
