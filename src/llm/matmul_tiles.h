#pragma once
// The tiling driver shared by the SIMD implementations: matmul_rows is cut into tiles of up to
// RT weight rows x CT activation rows; a tile decodes each weight block of its rows once and
// meets it with all of its activation rows. For large batches the reduction dimension is cut into
// chunks whose activations stay in L2 (partial sums are added into y), so each weight byte still
// comes from DRAM once.

#include <algorithm>
#include <cstdint>
#include <utility>

#include "airan/llm/matmul.h"

namespace airan::llm::detail {

struct TileArgs {
  const uint8_t* w;  ///< first weight row of the tile
  size_t ws;         ///< weight row stride (bytes)
  const uint8_t* a;  ///< first activation row of the tile
  size_t as;         ///< activation row stride (bytes)
  int64_t u0, u1;    ///< units of the reduction (type-specific: groups, super-blocks, 16 floats)
  int64_t cols;      ///< values per row
  float* y;          ///< y of (tile row 0, tile activation row 0)
  int64_t ys;        ///< y stride between activation rows
  bool accumulate;   ///< add to y instead of storing
};

using TileFn = void (*)(const TileArgs&);

template <int RT, int CT>
struct TileTable {
  TileFn f[RT + 1][CT + 1] = {};
};

template <typename K, int RT, int CT, int R, int... Cs>
constexpr void fill_tile_row(TileTable<RT, CT>& t, std::integer_sequence<int, Cs...>) {
  ((t.f[R][Cs + 1] = &K::template tile<R, Cs + 1>), ...);
}

template <typename K, int RT, int CT, int... Rs>
constexpr TileTable<RT, CT> make_tile_table(std::integer_sequence<int, Rs...>) {
  TileTable<RT, CT> t;
  (fill_tile_row<K, RT, CT, Rs + 1>(t, std::make_integer_sequence<int, CT>{}), ...);
  return t;
}

template <typename K>
constexpr int gemv_rows() {
  if constexpr (requires { K::kGemvRows; }) {
    return K::kGemvRows;
  } else {
    return K::kRows;
  }
}

template <typename K>
constexpr int64_t gemv_batch() {
  if constexpr (requires { K::kGemvBatch; }) {
    return K::kGemvBatch;
  } else {
    return 1;
  }
}

/// Units of the reduction per chunk, so that `batch` activation rows of a chunk (unit_bytes per
/// unit and row) stay in L2 and each weight byte still comes from DRAM once.
inline int64_t reduction_chunk(int64_t units, int64_t batch, size_t unit_bytes) {
  constexpr size_t kBudget = 192 * 1024;  // activation bytes of one chunk (L2-resident)
  const size_t per_unit = static_cast<size_t>(batch) * unit_bytes;
  if (per_unit * static_cast<size_t>(units) <= kBudget) return units;
  return std::max<int64_t>(1, static_cast<int64_t>(kBudget / per_unit));
}

/// K provides: template <int R, int C> static void tile(const TileArgs&); static constexpr int
/// kRows, kCols (largest tile), optionally kGemvRows (rows of a small-batch tile, default kRows)
/// and kGemvBatch (the largest batch that takes them, default 1; at most kCols);
/// static int64_t units(int64_t cols); static size_t act_unit_bytes(int64_t cols) (activation
/// bytes per unit, for chunking).
template <typename K>
void drive_tiles(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t ys,
                 int64_t r0, int64_t r1) {
  constexpr int kMaxRows = std::max(K::kRows, gemv_rows<K>());
  static constexpr TileTable<kMaxRows, K::kCols> table =
      make_tile_table<K, kMaxRows, K::kCols>(std::make_integer_sequence<int, kMaxRows>{});
  static_assert(gemv_batch<K>() <= K::kCols);
  const int row_step = x.batch <= gemv_batch<K>() ? gemv_rows<K>() : K::kRows;
  const int64_t units = K::units(w.cols);
  const int64_t chunk = reduction_chunk(units, x.batch, K::act_unit_bytes(w.cols));
  for (int64_t u0 = 0; u0 < units; u0 += chunk) {
    const int64_t u1 = std::min(units, u0 + chunk);
    for (int64_t r = r0; r < r1; r += row_step) {
      const int rn = static_cast<int>(std::min<int64_t>(row_step, r1 - r));
      for (int64_t c = 0; c < x.batch; c += K::kCols) {
        const int cn = static_cast<int>(std::min<int64_t>(K::kCols, x.batch - c));
        TileArgs t;
        t.w = w.data + static_cast<size_t>(r) * w.row_bytes;
        t.ws = w.row_bytes;
        t.a = x.data.data() + static_cast<size_t>(c) * x.row_bytes;
        t.as = x.row_bytes;
        t.u0 = u0;
        t.u1 = u1;
        t.cols = w.cols;
        t.y = y + c * ys + r;
        t.ys = ys;
        t.accumulate = u0 > 0;
        table.f[rn][cn](t);
      }
    }
  }
}

}  // namespace airan::llm::detail
