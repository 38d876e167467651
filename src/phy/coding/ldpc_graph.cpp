#include "airan/phy/coding/ldpc_graph.h"

#include <algorithm>
#include <array>
#include <string>

#include "phy/coding/ldpc_tables.h"

namespace airan::phy {

std::span<const uint16_t> ldpc_lifting_sizes() {
  static const std::array<uint16_t, 51> sizes = [] {
    std::array<uint16_t, 51> s{};
    for (size_t i = 0; i < s.size(); ++i) s[i] = detail::kLiftingSizes[i].z;
    std::sort(s.begin(), s.end());
    return s;
  }();
  return sizes;
}

int ldpc_lifting_set_index(unsigned z) {
  for (const auto& e : detail::kLiftingSizes) {
    if (e.z == z) return e.set_index;
  }
  return -1;
}

Expected<LdpcGraph> LdpcGraph::create(LdpcBaseGraph bg, unsigned z) {
  const int ils = ldpc_lifting_set_index(z);
  if (ils < 0) {
    return Error{"lifting size Z=" + std::to_string(z) +
                 " is not in TS 38.212 Table 5.3.2-1 (2..384, a*2^j with a in {2,3,5,...,15})"};
  }
  std::span<const detail::BaseGraphEntry> table =
      bg == LdpcBaseGraph::bg1 ? std::span<const detail::BaseGraphEntry>(detail::kBaseGraph1)
                               : std::span<const detail::BaseGraphEntry>(detail::kBaseGraph2);
  LdpcGraph g;
  g.bg_ = bg;
  g.z_ = z;
  g.edges_.reserve(table.size());
  g.row_start_.assign(ldpc_block_rows(bg) + 1, 0);
  for (const auto& e : table) {  // the table is sorted by row, then column
    g.edges_.push_back({e.col, static_cast<uint16_t>(e.shift[ils] % z)});
    ++g.row_start_[e.row + 1];
  }
  for (unsigned r = 0; r < ldpc_block_rows(bg); ++r) g.row_start_[r + 1] += g.row_start_[r];
  return g;
}

const LdpcGraph* LdpcGraph::get(LdpcBaseGraph bg, unsigned z) {
  // Index by Z directly: 2 graphs x 385 slots, filled for the 51 valid sizes.
  static const std::vector<LdpcGraph> graphs = [] {
    std::vector<LdpcGraph> g(2 * 385);
    for (unsigned b = 0; b < 2; ++b) {
      for (uint16_t zz : ldpc_lifting_sizes()) {
        g[b * 385 + zz] = *create(b == 0 ? LdpcBaseGraph::bg1 : LdpcBaseGraph::bg2, zz);
      }
    }
    return g;
  }();
  if (z > 384 || ldpc_lifting_set_index(z) < 0) return nullptr;
  return &graphs[(bg == LdpcBaseGraph::bg1 ? 0 : 1) * 385 + z];
}

}  // namespace airan::phy
