#pragma once
// Internals shared by the matmul implementations (matmul_{generic,avx2,avx512}.cpp).

#include <cstdint>
#include <cstring>

#include "airan/llm/matmul.h"
#include "llm/quant_blocks.h"

namespace airan::llm::detail {

/// Bytes of one activation row quantised for `weight_type` (see quant_blocks.h for the layouts).
size_t activation_row_bytes(TensorType weight_type, int64_t cols);

/// Grows `out` for the shape and sets its fields (no allocation once it is large enough).
void prepare_activations(QuantizedActivations& out, TensorType weight_type, int64_t batch,
                         int64_t cols);

/// Scalar activation quantisation into a prepared `out` (the reference every implementation's
/// quantiser must match byte for byte).
void quantize_activations_portable(QuantizedActivations& out, const float* x);

/// Quantises every row of a prepared `out` from `x` with one implementation's block quantisers:
/// q8_groups(x, cols, is_q4_0, row) for Q4_0 / Q8_0 weights, q8_k(x, cols, type, row) for the
/// K-quants; float weights get the row as floats, rounded to F16 / BF16 as ggml does.
template <typename Q8Groups, typename Q8K>
void quantize_activation_rows(QuantizedActivations& out, const float* x, Q8Groups q8_groups,
                              Q8K q8_k) {
  for (int64_t b = 0; b < out.batch; ++b) {
    const float* xr = x + b * out.cols;
    uint8_t* row = out.data.data() + static_cast<size_t>(b) * out.row_bytes;
    switch (out.weight_type) {
      case TensorType::kQ4_0:
      case TensorType::kQ8_0:
        q8_groups(xr, out.cols, out.weight_type == TensorType::kQ4_0, row);
        break;
      case TensorType::kQ4_K:
      case TensorType::kQ5_K:
      case TensorType::kQ6_K:
        q8_k(xr, out.cols, out.weight_type, row);
        break;
      default:
        std::memcpy(row, xr, static_cast<size_t>(out.cols) * sizeof(float));
        if (out.weight_type == TensorType::kF16 || out.weight_type == TensorType::kBF16) {
          quant::round_activations(reinterpret_cast<float*>(row), out.cols,
                                   out.weight_type == TensorType::kBF16);
        }
        break;
    }
  }
}

/// matmul_rows of `k` for weights in a layout `k` does not compute with: each row is rewritten
/// as GGUF blocks into a per-thread buffer and multiplied on its own (correct, not fast).
void matmul_rows_via_gguf_rows(const MatmulKernels& k, const WeightMatrix& w,
                               const QuantizedActivations& x, float* y, int64_t y_stride,
                               int64_t row_begin, int64_t row_end);

/// The implementations. avx2 / avx512 objects exist whatever the CPU; calling them on a CPU
/// without the instructions is undefined, so the factory checks first.
const MatmulKernels* matmul_kernels_portable();
const MatmulKernels* matmul_kernels_avx2();
/// AVX-512 with VPDPBUSD/VPDPWSSD (`vnni`) or with the AVX-512BW pair-multiply fallback.
const MatmulKernels* matmul_kernels_avx512(bool vnni);

/// True when the CPU has what matmul_kernels_avx512(false) needs: AVX-512 F/BW/VL/DQ, VBMI, F16C.
bool cpu_has_avx512_kernels();
/// ... and what matmul_kernels_avx512(true) needs on top: AVX512-VNNI.
bool cpu_has_avx512_vnni();

}  // namespace airan::llm::detail
