#pragma once
// The max-log demapper kernel, written so the compiler vectorises it across symbols. Included by
// soft_demapper_{generic,avx2,avx512}.cpp, each compiled for its instruction set; every TU puts
// it in its own namespace (AIRAN_DEMAP_NS) so the differently compiled copies never merge.

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#ifndef AIRAN_DEMAP_NS
#error "define AIRAN_DEMAP_NS before including soft_demapper_kernel.h"
#endif

// Compares in the selects below cannot trap on the values they see; without this GCC keeps them
// as branches and does not vectorise the loops.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

namespace airan::phy::AIRAN_DEMAP_NS {

// Symbols are read as interleaved floats (re, im), the layout std::complex<float> guarantees,
// so nothing from <complex> is instantiated with this TU's instruction set.
inline constexpr unsigned kBlock = 32;  // symbols per vectorised block
inline constexpr float kMinNoiseVar = 1e-9f;
// |y| cap in PAM units: far beyond any constellation (largest level 15), so LLRs there saturate.
inline constexpr float kFoldCap = 4096.0f;

inline int8_t to_llr(float v) {
  // NaN-safe clamp (a NaN fails both compares and becomes -63), then round half away from zero.
  v = v > -63.0f ? v : -63.0f;
  v = v < 63.0f ? v : 63.0f;
  // copysign is a bit operation, where a select on the sign costs mask juggling per lane.
  return static_cast<int8_t>(static_cast<int>(v + __builtin_copysignf(0.5f, v)));
}

// Nearest odd integer to a >= 0 (a already clamped to a finite range): 2 floor(a / 2) + 1.
inline float nearest_odd(float a) {
  return 2.0f * static_cast<float>(static_cast<int>(a * 0.5f)) + 1.0f;
}

inline float clampf(float v, float lo, float hi) {
  v = v > lo ? v : lo;
  return v < hi ? v : hi;
}

// Exact max-log LLRs of one axis of square QAM with M bits per axis, in PAM units where the
// levels are the odd integers -(2^M - 1) .. 2^M - 1 (TS 38.211 5.1.3-5.1.6 before normalisation).
// The axis bits are nested, (1-2b0)[2^(M-1) - (1-2b1)[2^(M-2) - ...]], so:
//  - bit 0 splits the levels by sign: LLR = min_{s<0}(t-s)^2 - min_{s>0}(t-s)^2;
//  - bit k >= 1 depends on t_k, the value folded k times (t_1 = |t|, t_{k+1} = |t_k - 2^(M-k)|,
//    each fold a reflection the level sets of bits > k are symmetric under), and splits the
//    remaining levels 1 .. 2^(M-k+1) - 1 into an inner half (bit 0) and an outer half (bit 1).
// In each case the closest level of a set is the nearest odd integer clamped to the set's range,
// so no level has to be scanned. out[k][j] = (d_1 - d_0) * gain[j].
template <unsigned M>
inline void axis_llrs(float (&out)[M][kBlock], const float* y, const float* gain, float inv_norm) {
  constexpr float kTop = static_cast<float>((1u << M) - 1);  // outermost level
  float t[kBlock];
  float sign[kBlock];
  for (unsigned j = 0; j < kBlock; ++j) {
    const float v = y[j] * inv_norm;
    sign[j] = v < 0.0f ? -1.0f : 1.0f;
    // The clamp keeps the int conversion in nearest_odd defined (a NaN becomes 0).
    t[j] = clampf(__builtin_fabsf(v), 0.0f, kFoldCap);
  }
  for (unsigned j = 0; j < kBlock; ++j) {
    // For v >= 0 the closest levels are `near` (bit 0) and -1 (bit 1); v < 0 mirrors it and only
    // flips the sign of the LLR.
    const float a = t[j];
    const float near = clampf(nearest_odd(a), 1.0f, kTop);
    const float llr = (a + 1.0f) * (a + 1.0f) - (a - near) * (a - near);
    out[0][j] = llr * sign[j] * gain[j];
  }
  for (unsigned k = 1; k < M; ++k) {
    const float half = static_cast<float>(1u << (M - k));
    for (unsigned j = 0; j < kBlock; ++j) {
      const float no = nearest_odd(t[j]);
      const float q0 = clampf(no, 1.0f, half - 1.0f);
      const float q1 = clampf(no, half + 1.0f, 2.0f * half - 1.0f);
      out[k][j] = ((t[j] - q1) * (t[j] - q1) - (t[j] - q0) * (t[j] - q0)) * gain[j];
      t[j] = __builtin_fabsf(t[j] - half);
    }
  }
}

// Writes the LLR planes q[bit][symbol] in symbol order (all bits of a symbol together). The bytes
// of a symbol are packed into one word per symbol (a loop the compiler vectorises) and stored with
// memcpy; a per-byte scatter would cost more than the demapping itself.
template <unsigned kQm>
inline void interleave(int8_t* out, const int8_t (&q)[kQm][kBlock], unsigned cnt) {
  static_assert(std::endian::native == std::endian::little, "byte packing assumes little endian");
  using Word = std::conditional_t<kQm == 2, uint16_t, std::conditional_t<kQm == 4, uint32_t, uint64_t>>;
  Word packed[kBlock];
  for (unsigned j = 0; j < kBlock; ++j) {
    Word w = 0;
    for (unsigned b = 0; b < kQm; ++b) w |= static_cast<Word>(static_cast<uint8_t>(q[b][j])) << (8 * b);
    packed[j] = w;
  }
  if constexpr (sizeof(Word) == kQm) {
    std::memcpy(out, packed, static_cast<size_t>(cnt) * kQm);
  } else {
    for (unsigned j = 0; j < cnt; ++j) std::memcpy(out + j * kQm, &packed[j], kQm);
  }
}

// Square QAM with M bits per axis: real part carries bits 0, 2, 4, ..., imaginary 1, 3, 5, ...
template <unsigned M>
void demap_qam(int8_t* llrs, const float* iq, const float* noise_var, size_t n, float scale,
               float norm) {
  constexpr unsigned kQm = 2 * M;
  const float inv_norm = 1.0f / norm;
  const float unit_gain = scale * norm * norm;  // distances in PAM units times norm^2
  float re[kBlock];
  float im[kBlock];
  float gain[kBlock];
  float lre[M][kBlock];
  float lim[M][kBlock];
  for (size_t base = 0; base < n; base += kBlock) {
    const unsigned cnt = n - base < kBlock ? static_cast<unsigned>(n - base) : kBlock;
    const float* blk_iq = iq + 2 * base;
    const float* blk_nv = noise_var + base;
    if (cnt == kBlock) {
      for (unsigned j = 0; j < kBlock; ++j) {
        re[j] = blk_iq[2 * j];
        im[j] = blk_iq[2 * j + 1];
        const float nv = blk_nv[j] > kMinNoiseVar ? blk_nv[j] : kMinNoiseVar;
        gain[j] = unit_gain / nv;
      }
    } else {
      for (unsigned j = 0; j < kBlock; ++j) {  // tail: repeat the block's first symbol
        const unsigned i = j < cnt ? j : 0;
        re[j] = blk_iq[2 * i];
        im[j] = blk_iq[2 * i + 1];
        const float nv = blk_nv[i] > kMinNoiseVar ? blk_nv[i] : kMinNoiseVar;
        gain[j] = unit_gain / nv;
      }
    }
    axis_llrs<M>(lre, re, gain, inv_norm);
    axis_llrs<M>(lim, im, gain, inv_norm);
    int8_t* out = llrs + base * kQm;
    // Quantise plane by plane (vectorised), then interleave the bytes.
    int8_t q[2 * M][kBlock];
    for (unsigned k = 0; k < M; ++k) {
      for (unsigned j = 0; j < kBlock; ++j) q[2 * k][j] = to_llr(lre[k][j]);
      for (unsigned j = 0; j < kBlock; ++j) q[2 * k + 1][j] = to_llr(lim[k][j]);
    }
    interleave<kQm>(out, q, cnt);
  }
}

// BPSK (TS 38.211 5.1.2) and pi/2-BPSK (5.1.1): the bit-0 point is x0 = (1+j)/sqrt(2), rotated by
// j on odd codeword indices for pi/2-BPSK; LLR = 4 Re(y conj(x0)) / N0.
inline void demap_bpsk(int8_t* llrs, const float* iq, const float* noise_var, size_t n, float scale,
                       bool pi2, size_t first_index) {
  const float h = 4.0f * static_cast<float>(1.0 / std::sqrt(2.0));
  for (size_t i = 0; i < n; ++i) {
    const float nv = noise_var[i] > kMinNoiseVar ? noise_var[i] : kMinNoiseVar;
    const bool odd = pi2 && ((first_index + i) & 1u);
    const float proj = odd ? (iq[2 * i + 1] - iq[2 * i]) : (iq[2 * i + 1] + iq[2 * i]);
    llrs[i] = to_llr(proj * h * scale / nv);
  }
}

struct Kernels {
  template <unsigned M>
  static void qam(int8_t* llrs, const float* iq, const float* noise_var, size_t n, float scale,
                  float norm) {
    demap_qam<M>(llrs, iq, noise_var, n, scale, norm);
  }
  static void bpsk(int8_t* llrs, const float* iq, const float* noise_var, size_t n, float scale,
                   bool pi2, size_t first_index) {
    demap_bpsk(llrs, iq, noise_var, n, scale, pi2, first_index);
  }
};

}  // namespace airan::phy::AIRAN_DEMAP_NS
