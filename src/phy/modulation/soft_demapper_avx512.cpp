// avx512 build of the max-log demapper. The QAM orders run a hand-written AVX-512 kernel, 16
// symbols per step: GCC's auto-vectorisation of soft_demapper_kernel.h stays in ymm and spends
// most of its time on mask moves. BPSK and pi/2-BPSK keep the shared kernel.
#define AIRAN_DEMAP_NS demap_avx512
// GCC 12's AVX-512 headers trip -Wuninitialized on their own _mm512_undefined_*() (GCC PR105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <array>

#include "phy/modulation/soft_demapper_impl.h"
#include "phy/modulation/soft_demapper_kernel.h"

namespace airan::phy::demap_avx512 {
namespace {

constexpr unsigned kLanes = 16;  // symbols per step: one zmm of floats per axis

// Adding 2^24 - 1 and subtracting it again rounds a - 1 to an even integer (the float spacing in
// [2^24, 2^25) is 2) and adds 1 back: the nearest odd integer to a for a in [1, 2^24), 0 or 1
// below 1. Two plain adds, where vrndscaleps is two uops.
constexpr float kOddMagic = 16777215.0f;

// Exact max-log LLRs of one axis of square QAM, M bits per axis, for 16 symbols; the same
// per-axis arithmetic as axis_llrs in soft_demapper_kernel.h (see there for the derivation),
// with two rewrites that keep it exact:
//  - (t - q1)^2 - (t - q0)^2 is computed as (q0 - q1)(2t - q0 - q1), which does not cancel;
//  - the nearest odd level is found once and folded with t (half is even, so the fold maps the
//    nearest odd level of t_k onto that of t_{k+1}, up to ties, where both are equidistant).
template <unsigned M>
inline void axis_llrs_x16(__m512 (&out)[M], __m512 y, __m512 gain, __m512 inv_norm) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 two = _mm512_set1_ps(2.0f);
  const __m512 v = _mm512_mul_ps(y, inv_norm);
  // max returns its second operand for a NaN, so a NaN symbol becomes 0 as in the portable kernel.
  __m512 t =
      _mm512_min_ps(_mm512_max_ps(_mm512_abs_ps(v), _mm512_setzero_ps()), _mm512_set1_ps(kFoldCap));
  // Bit 0 is odd in v: carry the sign of v on the gain.
  const __m512 signed_gain = _mm512_xor_ps(gain, _mm512_and_ps(v, _mm512_set1_ps(-0.0f)));
  if constexpr (M == 1) {
    // QPSK: levels +-1, (t + 1)^2 - (t - 1)^2 = 4t.
    out[0] = _mm512_mul_ps(_mm512_mul_ps(t, _mm512_set1_ps(4.0f)), signed_gain);
    return;
  } else {
    constexpr float kTop = static_cast<float>((1u << M) - 1);
    const __m512 magic = _mm512_set1_ps(kOddMagic);
    __m512 odd = _mm512_max_ps(_mm512_sub_ps(_mm512_add_ps(t, magic), magic), one);
    // Bit 0: closest levels `near` (bit 0) and -1 (bit 1);
    // (t + 1)^2 - (t - near)^2 = (near + 1)(2t + 1 - near).
    const __m512 near = _mm512_min_ps(odd, _mm512_set1_ps(kTop));
    const __m512 d0 =
        _mm512_mul_ps(_mm512_add_ps(near, one), _mm512_sub_ps(_mm512_fmadd_ps(t, two, one), near));
    out[0] = _mm512_mul_ps(d0, signed_gain);
    for (unsigned k = 1; k < M; ++k) {
      const float half = static_cast<float>(1u << (M - k));
      if (k == M - 1) {
        // Innermost bit: only levels 1 (bit 0) and 3 (bit 1) remain, (t-3)^2 - (t-1)^2 = 8 - 4t.
        out[k] =
            _mm512_mul_ps(_mm512_fnmadd_ps(t, _mm512_set1_ps(4.0f), _mm512_set1_ps(8.0f)), gain);
        break;
      }
      // Inner levels 1 .. half-1 carry bit 0, outer levels half+1 .. 2 half-1 bit 1; odd >= 1.
      const __m512 q0 = _mm512_min_ps(odd, _mm512_set1_ps(half - 1.0f));
      const __m512 q1 = _mm512_min_ps(_mm512_max_ps(odd, _mm512_set1_ps(half + 1.0f)),
                                      _mm512_set1_ps(2.0f * half - 1.0f));
      const __m512 dk =
          _mm512_mul_ps(_mm512_sub_ps(q0, q1), _mm512_fmsub_ps(t, two, _mm512_add_ps(q0, q1)));
      out[k] = _mm512_mul_ps(dk, gain);
      const __m512 h = _mm512_set1_ps(half);
      t = _mm512_abs_ps(_mm512_sub_ps(t, h));
      odd = _mm512_abs_ps(_mm512_sub_ps(odd, h));
    }
  }
}

// Rounds to the nearest integer (ties to even, within the tests' half-LSB tolerance) after
// capping at +63. min returns its second operand for a NaN, so a NaN LLR converts to INT_MIN,
// which the int8 clamp in pack_planes takes to -63 as the portable kernel does.
inline __m512i quantise(__m512 llr) {
  const __m512 capped = _mm512_min_ps(_mm512_set1_ps(static_cast<float>(kDemapperMaxLlr)), llr);
  return _mm512_cvt_roundps_epi32(capped, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// Byte positions after pack_planes: planes are packed four at a time (packssdw, packsswb work
// per 128-bit lane), so the LLR of bit b of symbol s sits at byte
// 64 (b / 4) + 16 (s / 4) + 4 (b % 4) + s % 4 of the packed vectors. This table gathers them
// into symbol order (Qm bytes per symbol), 64 output bytes per row.
template <unsigned M>
constexpr auto symbol_order_table() {
  constexpr unsigned kQm = 2 * M;
  constexpr unsigned kBytes = kLanes * kQm;
  constexpr unsigned kChunks = (kBytes + 63) / 64;
  std::array<std::array<uint8_t, 64>, kChunks> table{};
  for (unsigned o = 0; o < kChunks * 64; ++o) {
    const unsigned s = o / kQm;
    const unsigned b = o % kQm;
    table[o / 64][o % 64] =
        o < kBytes ? static_cast<uint8_t>(64 * (b / 4) + 16 * (s / 4) + 4 * (b % 4) + s % 4) : 0;
  }
  return table;
}

template <unsigned M>
alignas(64) constexpr auto kSymbolOrder = symbol_order_table<M>();

// One step: 16 symbols (32 interleaved floats in lo, hi) to 16 Qm LLR bytes in symbol order.
// With kTail, only the first `out_bytes` bytes are stored.
template <unsigned M, bool kTail>
inline void demap_x16(int8_t* out, __m512 lo, __m512 hi, __m512 nv, __m512 unit_gain,
                      __m512 inv_norm, unsigned out_bytes) {
  constexpr unsigned kQm = 2 * M;
  constexpr unsigned kBytes = kLanes * kQm;
  constexpr unsigned kGroups = (kQm + 3) / 4;  // packed vectors, four planes each
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  const __m512 re = _mm512_permutex2var_ps(lo, even, hi);
  const __m512 im = _mm512_permutex2var_ps(lo, odd, hi);
  // max returns its second operand for a NaN: a NaN variance is floored like the portable kernel.
  const __m512 gain = _mm512_div_ps(unit_gain, _mm512_max_ps(nv, _mm512_set1_ps(kMinNoiseVar)));
  __m512 lre[M];
  __m512 lim[M];
  axis_llrs_x16<M>(lre, re, gain, inv_norm);
  axis_llrs_x16<M>(lim, im, gain, inv_norm);

  // Real part carries bits 0, 2, 4, ..., imaginary 1, 3, 5, ... (TS 38.211 5.1.3-5.1.6).
  __m512i pairs[M];
  for (unsigned k = 0; k < M; ++k)
    pairs[k] = _mm512_packs_epi32(quantise(lre[k]), quantise(lim[k]));
  __m512i packed[kGroups];
  const __m512i min_llr = _mm512_set1_epi8(static_cast<char>(-kDemapperMaxLlr));
  for (unsigned g = 0; g < kGroups; ++g) {
    // An odd count of pairs (QPSK, 64QAM) pads with a copy; the table never reads it.
    const unsigned second = 2 * g + 1 < M ? 2 * g + 1 : 2 * g;
    packed[g] = _mm512_max_epi8(_mm512_packs_epi16(pairs[2 * g], pairs[second]), min_llr);
  }

  constexpr auto& order = kSymbolOrder<M>;
  for (unsigned c = 0; c < order.size(); ++c) {
    const __m512i idx = _mm512_load_si512(order[c].data());
    __m512i bytes;
    if constexpr (kGroups == 1) {
      bytes = _mm512_permutexvar_epi8(idx, packed[0]);
    } else {
      bytes = _mm512_permutex2var_epi8(packed[0], idx, packed[1]);
    }
    int8_t* dst = out + 64 * c;
    if constexpr (kTail) {
      const unsigned left = out_bytes > 64 * c ? out_bytes - 64 * c : 0;
      _mm512_mask_storeu_epi8(dst, _bzhi_u64(~0ull, left < 64 ? left : 64), bytes);
    } else if (kBytes - 64 * c >= 64) {
      _mm512_storeu_si512(dst, bytes);
    } else {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_castsi512_si256(bytes));
    }
  }
}

template <unsigned M>
void demap_qam_avx512(int8_t* llrs, const float* iq, const float* noise_var, size_t n, float scale,
                      float norm) {
  constexpr unsigned kQm = 2 * M;
  const __m512 inv_norm = _mm512_set1_ps(1.0f / norm);
  const __m512 unit_gain = _mm512_set1_ps(scale * norm * norm);  // PAM-unit distances times norm^2
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const float* src = iq + 2 * i;
    demap_x16<M, false>(llrs + i * kQm, _mm512_loadu_ps(src), _mm512_loadu_ps(src + kLanes),
                        _mm512_loadu_ps(noise_var + i), unit_gain, inv_norm, 0);
  }
  if (i == n) return;
  // Tail: masked loads (zeros in the unused lanes, which are demapped and never stored).
  const unsigned rest = static_cast<unsigned>(n - i);
  const float* src = iq + 2 * i;
  const __mmask16 lo_mask = static_cast<__mmask16>(_bzhi_u32(0xFFFFu, 2 * rest));
  const __mmask16 hi_mask =
      static_cast<__mmask16>(2 * rest > kLanes ? _bzhi_u32(0xFFFFu, 2 * rest - kLanes) : 0u);
  const __mmask16 nv_mask = static_cast<__mmask16>(_bzhi_u32(0xFFFFu, rest));
  demap_x16<M, true>(llrs + i * kQm, _mm512_maskz_loadu_ps(lo_mask, src),
                     _mm512_maskz_loadu_ps(hi_mask, src + kLanes),
                     _mm512_maskz_loadu_ps(nv_mask, noise_var + i), unit_gain, inv_norm,
                     rest * kQm);
}

// The shared kernel's BPSK with the QAM orders replaced.
struct Avx512Kernels : Kernels {
  template <unsigned M>
  static void qam(int8_t* llrs, const float* iq, const float* noise_var, size_t n, float scale,
                  float norm) {
    demap_qam_avx512<M>(llrs, iq, noise_var, n, scale, norm);
  }
};

}  // namespace
}  // namespace airan::phy::demap_avx512

namespace airan::phy {

std::unique_ptr<SoftDemapper> create_soft_demapper_avx512() {
  return std::make_unique<SoftDemapperImpl<demap_avx512::Avx512Kernels>>("avx512");
}

}  // namespace airan::phy
