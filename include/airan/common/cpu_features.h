#pragma once
// Run-time CPU feature detection, so one binary picks the best SIMD variant of each kernel.

#include <string_view>

// Plain loops the compiler vectorises, outside the hand-dispatched kernels (LDPC, demapper, LLM
// matmul): the function is compiled for AVX-512 (x86-64-v4), AVX2 (x86-64-v3) and the baseline,
// and the loader picks one for the CPU (GCC's ifunc clones; AIRAN_SIMD does not cap these).
// The clones give identical results: ISO C++ mode never contracts a*b+c into an FMA. Sanitizer
// and clang builds use the baseline only.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define AIRAN_VECTOR_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define AIRAN_VECTOR_CLONES
#endif

// Lets GCC vectorise compare-and-select loops (clamps) in one function: such selects cannot trap
// on the values they see. Other compilers ignore it.
#if defined(__GNUC__) && !defined(__clang__)
#define AIRAN_NO_TRAPPING_MATH __attribute__((optimize("no-trapping-math")))
#else
#define AIRAN_NO_TRAPPING_MATH
#endif

namespace airan {

/// Instruction-set levels airan has kernels for, best last.
enum class SimdLevel { portable = 0, avx2 = 1, avx512 = 2 };

/// Name used in benchmark rows and logs: "portable", "avx2" or "avx512".
std::string_view simd_level_name(SimdLevel level);

/// Best level the running CPU supports (AVX-512 means F+BW+VL+DQ). The environment variable
/// AIRAN_SIMD=portable|avx2|avx512 caps it, for testing the slower paths on a fast machine.
SimdLevel detected_simd_level();

/// True when the running CPU can execute kernels compiled for `level`.
bool cpu_supports(SimdLevel level);

/// True when the CPU has AVX-512 VNNI (int8 dot products) on top of SimdLevel::avx512. Read from
/// CPUID directly: GCC and Clang disagree on the feature names __builtin_cpu_supports accepts.
bool cpu_has_avx512_vnni();

}  // namespace airan
