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

size_t q4_0x8_group_bytes(int64_t cols) {
  return x8_group_bytes(cols);
}

size_t repacked_bytes(const WeightMatrix& w, WeightLayout layout) {
  if (w.layout != WeightLayout::kGguf) return 0;
  switch (layout) {
    case WeightLayout::kGguf:
      return w.row_bytes * static_cast<size_t>(w.rows);
    case WeightLayout::kQ4_0x8:
      if (w.type != TensorType::kQ4_0) return 0;
      return static_cast<size_t>((w.rows + kX8Rows - 1) / kX8Rows) * q4_0x8_group_bytes(w.cols);
  }
  return 0;
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
  const int64_t nb = w.cols / kQK;
  const size_t group_bytes = q4_0x8_group_bytes(w.cols);
  const int64_t groups = (w.rows + kX8Rows - 1) / kX8Rows;
  // padding rows and blocks: d = 0, q = 0
  std::memset(dst, 0, static_cast<size_t>(groups) * group_bytes);
  for (int64_t r = 0; r < w.rows; ++r) {
    uint8_t* grp = dst + static_cast<size_t>(r / kX8Rows) * group_bytes;
    const auto i = static_cast<size_t>(r % kX8Rows);
    const uint8_t* src = w.data + static_cast<size_t>(r) * w.row_bytes;
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk = src + static_cast<size_t>(b) * sizeof(BlockQ4_0);
      uint8_t* qs = grp + x8_qs_offset(b);
      std::memcpy(qs + 8 * i, blk + 2, 8);
      std::memcpy(qs + 64 + 8 * i, blk + 10, 8);
      std::memcpy(grp + x8_d_offset(b) + 2 * i, blk, 2);
    }
  }
  return out;
}

void copy_gguf_row(const WeightMatrix& w, int64_t row, uint8_t* out) {
  if (w.layout == WeightLayout::kGguf) {
    std::memcpy(out, w.data + static_cast<size_t>(row) * w.row_bytes, w.row_bytes);
    return;
  }
  const int64_t nb = w.cols / kQK;
  const uint8_t* grp = w.data + static_cast<size_t>(row / kX8Rows) * q4_0x8_group_bytes(w.cols);
  const auto i = static_cast<size_t>(row % kX8Rows);
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t* blk = out + static_cast<size_t>(b) * sizeof(BlockQ4_0);
    const uint8_t* qs = grp + x8_qs_offset(b);
    std::memcpy(blk, grp + x8_d_offset(b) + 2 * i, 2);
    std::memcpy(blk + 2, qs + 8 * i, 8);
    std::memcpy(blk + 10, qs + 64 + 8 * i, 8);
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
