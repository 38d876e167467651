#pragma once
// NR LDPC decoder: layered min-sum on int8 LLRs (positive LLR = bit 0), with portable, AVX2 and
// AVX-512 implementations behind one interface.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "airan/common/cpu_features.h"
#include "airan/common/expected.h"
#include "airan/phy/coding/crc.h"
#include "airan/phy/coding/ldpc_graph.h"

namespace airan::phy {

class LdpcDecoder {
 public:
  enum class EarlyStop : uint8_t {
    none,      ///< always run max_iterations
    syndrome,  ///< stop when every parity check is satisfied
    crc,       ///< stop when the code-block CRC over the first K' bits matches
  };
  enum class Algorithm : uint8_t {
    normalized_min_sum,  ///< check messages scaled by `scaling`
    offset_min_sum,      ///< check messages reduced by `offset` (in LLR units)
  };

  struct Configuration {
    LdpcBaseGraph bg = LdpcBaseGraph::bg1;
    unsigned z = 384;
    unsigned max_iterations = 6;
    EarlyStop early_stop = EarlyStop::syndrome;
    /// For EarlyStop::crc: the CRC the code block ends with and K' (information + CRC bits).
    CrcType crc = CrcType::crc24b;
    unsigned k_prime = 0;
    Algorithm algorithm = Algorithm::normalized_min_sum;
    float scaling = 0.6875f;  // best of 0.625..0.8125 in `airan bench ldpc-bler` at 6 iterations
    int offset = 1;
  };

  struct Result {
    unsigned iterations = 0;  ///< iterations run (1..max_iterations)
    bool success = false;     ///< syndrome zero, or CRC matched for EarlyStop::crc
  };

  virtual ~LdpcDecoder() = default;

  /// Decodes one code block. `llrs` are the rate-dematched LLRs of the encoder output d (up to
  /// N = 66Z or 50Z; missing tail positions count as 0); filler bits should be +127. The 2Z
  /// punctured bits are inserted as 0 internally. Writes the K = 22Z or 10Z decoded systematic bits
  /// (one per byte) to `message`. Fails naming the parameter and its allowed range on bad input.
  virtual Expected<Result> decode(std::span<uint8_t> message, std::span<const int8_t> llrs,
                                  const Configuration& cfg) = 0;

  /// Which implementation runs: "avx512", "avx2" or "portable".
  virtual std::string_view implementation() const = 0;
};

/// The decoder for `level` (default: the best the running CPU supports). Allocates its buffers for
/// Z = 384 once; decode() allocates nothing. Returns nullptr when the CPU lacks `level`.
std::unique_ptr<LdpcDecoder> create_ldpc_decoder(std::optional<SimdLevel> level = std::nullopt);

}  // namespace airan::phy
