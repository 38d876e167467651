#pragma once
// Transport-block CRC attachment, LDPC base-graph selection and code-block segmentation
// (TS 38.212 6.2.1-6.2.3 for PUSCH, 7.2.1-7.2.3 for PDSCH; 5.2.2).

#include <cstdint>
#include <span>

#include "airan/common/expected.h"
#include "airan/phy/coding/crc.h"
#include "airan/phy/coding/ldpc_graph.h"

namespace airan::phy {

/// Largest transport block the NR TBS tables allow for one TB (bits), with margin for 4 layers.
inline constexpr unsigned kMaxTransportBlockBits = 1277992;

/// Everything the coding chain needs to know about how one transport block is cut.
struct CodeBlockSegmentation {
  LdpcBaseGraph bg = LdpcBaseGraph::bg1;
  unsigned tbs = 0;              ///< A: transport block size in bits, without CRC
  CrcType tb_crc = CrcType::crc24a;  ///< CRC24A, or CRC16 when A <= 3824
  unsigned b = 0;                ///< B = A + L: bits after TB CRC attachment
  unsigned num_code_blocks = 0;  ///< C
  unsigned k_prime = 0;          ///< K': information + CRC bits per code block
  unsigned k = 0;                ///< K = 22Z (BG1) or 10Z (BG2), filler included
  unsigned z = 0;                ///< lifting size Z
  unsigned filler = 0;           ///< F = K - K': filler bits per code block, at positions K'..K-1
  unsigned kb = 0;               ///< Kb used to choose Z (22 for BG1; 6, 8, 9 or 10 for BG2)
  bool has_cb_crc() const { return num_code_blocks > 1; }  ///< each block carries CRC24B
};

/// LDPC base graph for a TB of `tbs` bits at target code rate `code_rate` (TS 38.212 7.2.2/6.2.2):
/// BG2 when A <= 292, or A <= 3824 and R <= 0.67, or R <= 0.25; BG1 otherwise.
LdpcBaseGraph ldpc_select_base_graph(unsigned tbs, double code_rate);

/// Segmentation parameters of a TB of `tbs` bits (1..kMaxTransportBlockBits) coded with `bg`
/// (TS 38.212 5.2.2). Fails naming `tbs` when it is out of range.
Expected<CodeBlockSegmentation> ldpc_segmentation(unsigned tbs, LdpcBaseGraph bg);

/// TB CRC attachment and segmentation: from the packed TB (`tb`, ceil(A/8) bytes, MSB first)
/// writes C code blocks of K unpacked bits each into `code_blocks` (C*K bytes; block r at r*K),
/// each ending in its CRC24B (when C > 1) and F filler bits set to 0.
/// Fails naming the buffer whose size does not match `seg`.
Status ldpc_segment_transport_block(std::span<uint8_t> code_blocks, std::span<const uint8_t> tb,
                                    const CodeBlockSegmentation& seg);

/// Result of joining decoded code blocks back into a TB.
struct TransportBlockCrcResult {
  bool tb_crc_ok = false;
  unsigned code_blocks_crc_ok = 0;  ///< blocks whose CRC24B matched (C when there is one block and the TB CRC matched)
};

/// Inverse of ldpc_segment_transport_block: from C decoded blocks of K unpacked bits, writes the
/// packed TB (ceil(A/8) bytes) into `tb` and checks the code-block and TB CRCs.
Expected<TransportBlockCrcResult> ldpc_desegment_transport_block(
    std::span<uint8_t> tb, std::span<const uint8_t> code_blocks, const CodeBlockSegmentation& seg);

}  // namespace airan::phy
