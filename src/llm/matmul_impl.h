#pragma once
// Internals shared by the matmul implementations (matmul_{generic,avx2,avx512}.cpp).

#include <cstdint>

#include "airan/llm/matmul.h"

namespace airan::llm::detail {

/// Bytes of one activation row quantised for `weight_type` (see quant_blocks.h for the layouts).
size_t activation_row_bytes(TensorType weight_type, int64_t cols);

/// Grows `out` for the shape and sets its fields (no allocation once it is large enough).
void prepare_activations(QuantizedActivations& out, TensorType weight_type, int64_t batch,
                         int64_t cols);

/// Scalar activation quantisation into a prepared `out` (the reference every implementation's
/// quantiser must match byte for byte).
void quantize_activations_portable(QuantizedActivations& out, const float* x);

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
