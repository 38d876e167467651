#pragma once
// Floating-point sum-product (belief propagation) LDPC decoder with the exact tanh rule: the
// accuracy reference the production min-sum decoder is measured against (`airan bench ldpc-bler`).
// Flooding schedule is the textbook decoder; the layered schedule converges about twice as fast
// and is the stricter comparison. Not fast.

#include <cstdint>
#include <span>
#include <vector>

#include "airan/common/expected.h"
#include "airan/phy/coding/ldpc_decoder.h"

namespace airan::phy {

class LdpcSumProductDecoder {
 public:
  enum class Schedule : uint8_t { flooding, layered };

  explicit LdpcSumProductDecoder(Schedule schedule = Schedule::flooding) : schedule_(schedule) {}

  /// Decodes one code block from unquantised LLRs (positive = bit 0) of the encoder output d (up
  /// to N values; missing tail positions count as 0). Same contract as LdpcDecoder::decode;
  /// cfg.algorithm, scaling and offset are ignored (exact tanh rule).
  Expected<LdpcDecoder::Result> decode(std::span<uint8_t> message, std::span<const float> llrs,
                                       const LdpcDecoder::Configuration& cfg);

 private:
  Schedule schedule_;
  std::vector<float> var_, channel_, snapshot_, check_, t_, th_;
  std::vector<uint8_t> hd_;
};

}  // namespace airan::phy
