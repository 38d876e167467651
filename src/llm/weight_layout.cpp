// Weight layouts other than the GGUF file's own: the repacking done once at model load, and the
// way back to GGUF rows for kernels and tools that only read those.
#include <cassert>
#include <cstring>
#include <vector>

#include "airan/llm/matmul.h"
#include "llm/matmul_impl.h"
#include "llm/quant_blocks.h"

namespace airan::llm {

using namespace quant;

namespace {

// The 8-row layout of `layout` for `type`: true when it applies (kQ4_0x8 to Q4_0, kQ8_0x8 to
// Q8_0), with kQ8 set to which one.
bool x8_applies(WeightLayout layout, TensorType type, bool* q8) {
  *q8 = layout == WeightLayout::kQ8_0x8;
  return (layout == WeightLayout::kQ4_0x8 && type == TensorType::kQ4_0) ||
         (*q8 && type == TensorType::kQ8_0);
}

// Calls piece(x8, gguf, n, flip) for every run of n bytes of a row that the 8-row layout keeps
// together: x8 = offset in the row's group of 8, gguf = offset in the GGUF row, and the stored
// bytes are the GGUF bytes ^ flip. The GGUF block is d (f16), then the quants.
template <bool kQ8, typename Piece>
void for_each_x8_piece(int64_t cols, int64_t row, Piece&& piece) {
  using L = X8Layout<kQ8>;
  constexpr size_t kBlock = kQ8 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
  const auto i = static_cast<size_t>(row % kX8Rows);
  for (int64_t b = 0; b < cols / kQK; ++b) {
    const size_t blk = static_cast<size_t>(b) * kBlock;
    piece(L::d_offset(b) + 2 * i, blk, 2, uint8_t{0});
    for (int m = 0; m < L::kRegisters; ++m) {
      piece(L::qs_offset(b) + 64 * static_cast<size_t>(m) + 8 * i, blk + 2 + L::src(m), 8,
            L::kFlip);
    }
  }
}

// Row `row` of the 8-row groups at x8 from / to its GGUF row at gguf.
template <bool kQ8>
void x8_row_from_gguf(uint8_t* x8, int64_t cols, int64_t row, const uint8_t* gguf) {
  uint8_t* grp = x8 + static_cast<size_t>(row / kX8Rows) * X8Layout<kQ8>::group_bytes(cols);
  for_each_x8_piece<kQ8>(cols, row, [&](size_t xo, size_t go, size_t n, uint8_t flip) {
    for (size_t j = 0; j < n; ++j) grp[xo + j] = gguf[go + j] ^ flip;
  });
}

template <bool kQ8>
void gguf_row_from_x8(const uint8_t* x8, int64_t cols, int64_t row, uint8_t* gguf) {
  const uint8_t* grp = x8 + static_cast<size_t>(row / kX8Rows) * X8Layout<kQ8>::group_bytes(cols);
  for_each_x8_piece<kQ8>(cols, row, [&](size_t xo, size_t go, size_t n, uint8_t flip) {
    for (size_t j = 0; j < n; ++j) gguf[go + j] = grp[xo + j] ^ flip;
  });
}

}  // namespace

size_t x8_group_bytes(WeightLayout layout, int64_t cols) {
  return layout == WeightLayout::kQ8_0x8 ? X8Layout<true>::group_bytes(cols)
                                         : X8Layout<false>::group_bytes(cols);
}

size_t repacked_bytes(const WeightMatrix& w, WeightLayout layout) {
  if (w.layout != WeightLayout::kGguf) return 0;
  if (layout == WeightLayout::kGguf) return w.row_bytes * static_cast<size_t>(w.rows);
  bool q8;
  if (!x8_applies(layout, w.type, &q8)) return 0;
  return static_cast<size_t>((w.rows + kX8Rows - 1) / kX8Rows) * x8_group_bytes(layout, w.cols);
}

WeightMatrix repack_weights(const WeightMatrix& w, WeightLayout layout, uint8_t* dst) {
  assert(repacked_bytes(w, layout) > 0);
  WeightMatrix out = w;
  out.data = dst;
  out.layout = layout;
  if (layout == WeightLayout::kGguf) {
    std::memcpy(dst, w.data, repacked_bytes(w, layout));
    return out;
  }
  // padding rows and blocks: d = 0 (so they add 0 whatever their quants)
  std::memset(dst, 0, repacked_bytes(w, layout));
  bool q8;
  x8_applies(layout, w.type, &q8);
  for (int64_t r = 0; r < w.rows; ++r) {
    const uint8_t* src = w.data + static_cast<size_t>(r) * w.row_bytes;
    if (q8) {
      x8_row_from_gguf<true>(dst, w.cols, r, src);
    } else {
      x8_row_from_gguf<false>(dst, w.cols, r, src);
    }
  }
  return out;
}

void copy_gguf_row(const WeightMatrix& w, int64_t row, uint8_t* out) {
  switch (w.layout) {
    case WeightLayout::kGguf:
      std::memcpy(out, w.data + static_cast<size_t>(row) * w.row_bytes, w.row_bytes);
      return;
    case WeightLayout::kQ4_0x8:
      return gguf_row_from_x8<false>(w.data, w.cols, row, out);
    case WeightLayout::kQ8_0x8:
      return gguf_row_from_x8<true>(w.data, w.cols, row, out);
  }
}

namespace detail {

void matmul_rows_via_gguf_rows(const MatmulKernels& k, const WeightMatrix& w,
                               const QuantizedActivations& x, float* y, int64_t y_stride,
                               int64_t row_begin, int64_t row_end) {
  // One row buffer per thread: it grows to the longest row once, then is reused.
  thread_local std::vector<uint8_t> row;
  if (row.size() < w.row_bytes) row.resize(w.row_bytes);
  WeightMatrix one = w;
  one.data = row.data();
  one.rows = 1;
  one.layout = WeightLayout::kGguf;
  for (int64_t r = row_begin; r < row_end; ++r) {
    copy_gguf_row(w, r, row.data());
    k.matmul_rows(one, x, y + r, y_stride, 0, 1);
  }
}

}  // namespace detail

}  // namespace airan::llm
