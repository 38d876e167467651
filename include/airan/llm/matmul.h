#pragma once
// Quantised matrix-vector / matrix-matrix kernels of the LLM engine: weights stay in their GGUF
// type (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K); activations are quantised on the fly to the
// format each weight type is meant to meet (Q8_0 for Q4_0/Q8_0, Q8_K for the K-quants, F32
// otherwise). Portable, AVX2 and AVX-512 (VNNI where present) implementations behind one
// interface, picked at run time.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "airan/common/cpu_features.h"
#include "airan/common/expected.h"
#include "airan/llm/gguf.h"

namespace airan::llm {

/// How the blocks of a WeightMatrix are arranged in memory.
enum class WeightLayout {
  kGguf,    ///< row-major, each row its blocks in GGUF order (the file's own layout)
  kQ4_0x8,  ///< Q4_0 repacked for SIMD: rows in groups of 8, see x8_group_bytes
  kQ8_0x8,  ///< Q8_0 repacked the same way (quants stored + 128), see x8_group_bytes
};

/// A 2-D weight: `rows` rows of `cols` values each in the tensor's own type (ggml's ne[1] = rows,
/// ne[0] = cols). `data` points into the mapped GGUF file (kGguf: row-major) or into a repacked
/// copy the model owns.
struct WeightMatrix {
  TensorType type = TensorType::kF32;
  const uint8_t* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;  ///< bytes of one row in `type`'s GGUF blocks (whatever the layout)
  WeightLayout layout = WeightLayout::kGguf;
};

/// Builds the WeightMatrix view of a 2-D tensor. Error: not 2-D, type not supported by the engine,
/// or cols not a multiple of the type's block size (names the tensor).
Expected<WeightMatrix> weight_matrix(const GgufFile& file, const GgufTensorInfo& tensor);

/// Bytes of one group of 8 rows of `cols` values in `layout` (kQ4_0x8 or kQ8_0x8; a multiple of
/// 64). The group of rows 8g..8g+7 starts at data + g * x8_group_bytes(layout, cols) (64-byte
/// aligned when data is); rows past `rows` are zero. Inside a group the blocks come 4 at a time:
/// the quants of the 8 rows' blocks interleaved 8 bytes per row, then their 8 f16 scales (byte
/// layout in src/llm/quant_blocks.h).
size_t x8_group_bytes(WeightLayout layout, int64_t cols);

/// Bytes `w` (kGguf) takes in `layout`; 0 when `layout` does not apply to w.type.
size_t repacked_bytes(const WeightMatrix& w, WeightLayout layout);

/// Rewrites `w` (kGguf) into `layout` at `dst` (repacked_bytes(w, layout) bytes, 64-byte aligned)
/// and returns the view of the copy. Precondition: repacked_bytes(w, layout) > 0.
WeightMatrix repack_weights(const WeightMatrix& w, WeightLayout layout, uint8_t* dst);

/// Writes row `row` of `w`, whatever its layout, as GGUF blocks (w.row_bytes bytes) to `out`.
void copy_gguf_row(const WeightMatrix& w, int64_t row, uint8_t* out);

/// `batch` activation rows of `cols` values, quantised for one weight type. Buffers grow to the
/// largest shape seen and are then reused (no allocation in steady state).
struct QuantizedActivations {
  TensorType weight_type = TensorType::kF32;  ///< the weight type these were quantised for
  int64_t batch = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;       ///< bytes of one quantised row
  std::vector<uint8_t> data;  ///< batch * row_bytes
};

class MatmulKernels {
 public:
  virtual ~MatmulKernels() = default;

  /// Quantises the `batch` rows of `x` (row b at x + b * cols) for multiplication with weights of
  /// `weight_type` into `out`.
  virtual void quantize_activations(QuantizedActivations& out, TensorType weight_type,
                                    const float* x, int64_t batch, int64_t cols) const = 0;

  /// y[b * y_stride + r] = dot(row r of w, activation row b) for r in [row_begin, row_end) and
  /// every b < x.batch. Row ranges are the unit of parallel and preemptible work: disjoint ranges
  /// may run concurrently on different threads. `x` must have been quantised for w.type with
  /// x.cols == w.cols.
  virtual void matmul_rows(const WeightMatrix& w, const QuantizedActivations& x, float* y,
                           int64_t y_stride, int64_t row_begin, int64_t row_end) const = 0;

  /// The layout these kernels compute fastest with for weights of `type` (every implementation
  /// accepts every layout; the others are slower).
  virtual WeightLayout preferred_layout(TensorType type) const {
    (void)type;
    return WeightLayout::kGguf;
  }

  /// "avx512-vnni", "avx512", "avx2" or "portable".
  virtual std::string_view implementation() const = 0;
};

/// The kernels for `level` (default: the best the running CPU has); nullptr when the CPU lacks it.
/// The objects are stateless singletons.
const MatmulKernels* matmul_kernels(std::optional<SimdLevel> level = std::nullopt);

/// Dequantises `n` values (a multiple of the type's block size) of `type` from `src` into `dst`.
void dequantize_row(TensorType type, const uint8_t* src, float* dst, int64_t n);

/// Quantises `n` floats into `type` (any engine-supported type; used by `airan llm make-model`).
/// Error: the type is not supported or n is not a multiple of its block size.
Status quantize_row(TensorType type, const float* src, uint8_t* dst, int64_t n);

}  // namespace airan::llm
