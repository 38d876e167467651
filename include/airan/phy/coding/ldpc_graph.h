#pragma once
// NR LDPC base graphs and their expansion for a lifting size (TS 38.212 5.3.2).

#include <cstdint>
#include <span>
#include <vector>

#include "airan/common/expected.h"

namespace airan::phy {

enum class LdpcBaseGraph : uint8_t { bg1 = 1, bg2 = 2 };

/// Check (block) rows of the base graph: 46 (BG1) or 42 (BG2).
constexpr unsigned ldpc_block_rows(LdpcBaseGraph bg) { return bg == LdpcBaseGraph::bg1 ? 46 : 42; }
/// Variable (block) columns of the base graph: 68 (BG1) or 52 (BG2).
constexpr unsigned ldpc_block_cols(LdpcBaseGraph bg) { return bg == LdpcBaseGraph::bg1 ? 68 : 52; }
/// Systematic block columns Kb of the encoder input: 22 (BG1) or 10 (BG2), filler included.
constexpr unsigned ldpc_info_block_cols(LdpcBaseGraph bg) { return bg == LdpcBaseGraph::bg1 ? 22 : 10; }
/// Encoder input length K in bits: 22Z or 10Z.
constexpr unsigned ldpc_k(LdpcBaseGraph bg, unsigned z) { return ldpc_info_block_cols(bg) * z; }
/// Encoder output length N (the codeword less its 2Z punctured bits): 66Z or 50Z.
constexpr unsigned ldpc_n(LdpcBaseGraph bg, unsigned z) { return (ldpc_block_cols(bg) - 2) * z; }

/// The 51 lifting sizes of Table 5.3.2-1, ascending.
std::span<const uint16_t> ldpc_lifting_sizes();

/// Set index iLS (0..7) of lifting size `z`, or -1 when `z` is not one of the 51 sizes.
int ldpc_lifting_set_index(unsigned z);

/// One non-zero Z x Z block of H: block column and its right-rotation P(i,j) = V(i,j) mod Z.
struct LdpcEdge {
  uint16_t col;
  uint16_t shift;
};

/// A base graph expanded for one lifting size: per block row, its edges sorted by column. Check
/// equation k of block row i is XOR over edges of c[col*Z + (k + shift) mod Z] = 0.
class LdpcGraph {
 public:
  /// Expands `bg` for lifting size `z`; fails naming `z` when it is not one of the 51 sizes.
  static Expected<LdpcGraph> create(LdpcBaseGraph bg, unsigned z);

  /// The expansion of `bg` for `z` from a table built once per process (thread-safe, no
  /// allocation after the first call); nullptr when `z` is not one of the 51 sizes.
  static const LdpcGraph* get(LdpcBaseGraph bg, unsigned z);

  LdpcBaseGraph base_graph() const { return bg_; }
  unsigned z() const { return z_; }
  unsigned rows() const { return ldpc_block_rows(bg_); }
  unsigned cols() const { return ldpc_block_cols(bg_); }
  unsigned info_cols() const { return ldpc_info_block_cols(bg_); }
  /// Edges of block row `row`, sorted by column.
  std::span<const LdpcEdge> row(unsigned row) const {
    return {edges_.data() + row_start_[row], edges_.data() + row_start_[row + 1]};
  }
  /// All edges, row after row.
  std::span<const LdpcEdge> edges() const { return edges_; }
  /// Index of the first edge of block row `row` in edges().
  unsigned row_offset(unsigned row) const { return row_start_[row]; }

 private:
  LdpcBaseGraph bg_ = LdpcBaseGraph::bg1;
  unsigned z_ = 0;
  std::vector<LdpcEdge> edges_;
  std::vector<unsigned> row_start_;
};

}  // namespace airan::phy
