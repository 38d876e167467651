#pragma once
// NR LDPC encoder (TS 38.212 5.3.2), base graphs 1 and 2, all 51 lifting sizes.

#include <cstdint>
#include <memory>
#include <span>

#include "airan/common/expected.h"
#include "airan/phy/coding/ldpc_graph.h"

namespace airan::phy {

class LdpcEncoder {
 public:
  virtual ~LdpcEncoder() = default;

  /// Encodes the K = 22Z (BG1) or 10Z (BG2) unpacked bits `c` (filler bits as 0) into the encoder
  /// output `d` of N = 66Z or 50Z unpacked bits: the codeword without its first 2Z bits.
  /// Fails naming `z`, `c` or `d` when the lifting size or a length is wrong.
  virtual Status encode(std::span<uint8_t> d, std::span<const uint8_t> c, LdpcBaseGraph bg,
                        unsigned z) = 0;
};

/// The encoder for the running CPU (buffers sized for Z = 384, nothing allocated per call).
std::unique_ptr<LdpcEncoder> create_ldpc_encoder();

}  // namespace airan::phy
