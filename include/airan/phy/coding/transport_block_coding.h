#pragma once
// The whole NR shared-channel coding chain for one transport block (TS 38.212 6.2 for UL-SCH):
// TB CRC, segmentation, LDPC encoding, rate matching and code-block concatenation on transmit;
// rate dematching with HARQ soft combining, LDPC decoding and CRC checks on receive.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "airan/common/expected.h"
#include "airan/phy/coding/code_block_segmentation.h"
#include "airan/phy/coding/ldpc_decoder.h"
#include "airan/phy/coding/ldpc_encoder.h"

namespace airan::phy {

struct TransportBlockCodingConfig {
  unsigned tbs = 0;                ///< A: transport block size in bits
  double target_code_rate = 0.5;   ///< R of the MCS, used for base-graph selection
  unsigned qm = 2;                 ///< bits per modulation symbol: 1, 2, 4, 6 or 8
  unsigned num_layers = 1;         ///< 1..4
  unsigned g = 0;                  ///< G: coded bits available for the TB
  unsigned rv = 0;                 ///< redundancy version 0..3
  unsigned n_ref = 0;              ///< limited-buffer size per code block (bits); 0 = full buffer
};

/// Segmentation of `cfg` after checking it; the error names the field and its allowed range.
Expected<CodeBlockSegmentation> transport_block_segmentation(const TransportBlockCodingConfig& cfg);

class TransportBlockEncoder {
 public:
  TransportBlockEncoder();
  /// Encodes the packed TB `tb` (ceil(A/8) bytes, MSB first) into the G coded bits `coded`
  /// (one bit per byte). Fails naming the field or buffer that does not fit `cfg`.
  Status encode(std::span<uint8_t> coded, std::span<const uint8_t> tb,
                const TransportBlockCodingConfig& cfg);

 private:
  std::unique_ptr<LdpcEncoder> encoder_;
  std::vector<uint8_t> blocks_, d_;
};

struct TransportBlockDecodeResult {
  bool crc_ok = false;               ///< TB CRC (and every code-block CRC) matched
  unsigned code_blocks = 0;          ///< C
  unsigned code_blocks_ok = 0;       ///< blocks whose decoder reported success
  unsigned max_iterations = 0;       ///< most iterations any block needed
  double mean_iterations = 0;
};

/// Receive side of one HARQ process: keeps the soft buffer of every code block between
/// transmissions so retransmissions (other rv) are combined.
class TransportBlockDecoder {
 public:
  struct Options {
    unsigned max_iterations = 6;
  };
  explicit TransportBlockDecoder(Options options);
  TransportBlockDecoder() : TransportBlockDecoder(Options{}) {}

  /// Decodes the G LLRs `llrs` (positive = bit 0) into the packed TB `tb` (ceil(A/8) bytes).
  /// `new_data` clears the soft buffers; otherwise the LLRs are combined with the earlier
  /// transmissions of the same TB. Fails naming the field or buffer that does not fit `cfg`.
  Expected<TransportBlockDecodeResult> decode(std::span<uint8_t> tb, std::span<const int8_t> llrs,
                                              const TransportBlockCodingConfig& cfg, bool new_data);

 private:
  Options options_;
  std::unique_ptr<LdpcDecoder> decoder_;
  std::vector<int8_t> soft_;  // C soft buffers of N values each
  std::vector<uint8_t> blocks_;
};

}  // namespace airan::phy
