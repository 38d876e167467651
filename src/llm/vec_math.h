#pragma once
// The exponentials of the forward pass, vectorised: the attention softmax and SwiGLU's SiLU take
// about 300k exp() per token of a 1.1B model (heads x context, and n_ff, per layer), a tenth of
// a prefill token's time when each is a libm call. The AVX2 kernel is the classic Cephes expf
// (range reduction by ln 2, degree-6 polynomial, exponent bits), within 2 ulp of std::exp for
// arguments in [-87, 88]; below that it returns exp(-87.3) (~1e-38) rather than a denormal or 0.

#include <cstdint>

namespace airan::llm {

struct VecMathKernels {
  /// x[i] = exp(x[i] - shift) for i < n; returns Σ x[i] (summed in double).
  double (*exp_shifted_sum)(float* x, int64_t n, float shift);
  /// gate[i] = SiLU(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i] for i < n.
  void (*silu_mul)(float* gate, const float* up, int64_t n);
};

/// The portable kernels (std::exp).
VecMathKernels vec_math_portable();
/// The fastest kernels the running CPU has.
VecMathKernels vec_math_kernels();

}  // namespace airan::llm
