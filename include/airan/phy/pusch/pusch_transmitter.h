#pragma once
// PUSCH transmit chain without transform precoding (UE side, for the emulator and tests):
// UL-SCH coding (TS 38.212 6.2) -> scrambling (TS 38.211 6.3.1.1) -> modulation (6.3.1.2) ->
// layer mapping (6.3.1.3) -> identity precoding, layer i on port p~ = i (6.3.1.5) -> mapping to
// resource elements (6.3.1.6) -> DM-RS on every port (6.4.1.1.3).

#include <cstdint>
#include <span>
#include <vector>

#include "airan/common/expected.h"
#include "airan/phy/coding/transport_block_coding.h"
#include "airan/phy/pusch/pusch_config.h"

namespace airan::phy {

class PuschTransmitter {
 public:
  PuschTransmitter() = default;

  /// Writes the PUSCH of `cfg` carrying the packed TB `tb` (ceil(TBS/8) bytes, a_0 in the MSB of
  /// byte 0) into `port_grids`: nof_layers grids of 14 x carrier.n_rb*12 REs (symbol-major, as
  /// OfdmModulator takes them). Every RE of the allocated PRBs and symbols is written (data,
  /// DM-RS, or 0 for the other ports' CDM groups); REs outside the allocation are left as they
  /// are, so several UEs can share a grid. Fails naming the field or buffer that is wrong.
  Status transmit(std::span<const std::span<cf_t>> port_grids, std::span<const uint8_t> tb,
                  const PuschConfig& cfg);

  /// The scrambled codeword bits (one per byte, G of them) of the last successful transmit().
  std::span<const uint8_t> last_codeword() const { return scrambled_; }

 private:
  TransportBlockEncoder encoder_;
  std::vector<uint8_t> coded_, scrambled_;
  std::vector<cf_t> symbols_;
  std::vector<DmrsRe> dmrs_;
};

}  // namespace airan::phy
