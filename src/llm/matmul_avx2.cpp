// AVX2 (+FMA, F16C) matmul kernels. Same activation layouts and tiling as the AVX-512 ones, on
// 256-bit registers: unsigned weights x signed activations with VPMADDUBSW, then VPMADDWD with
// ones (Q4_0 / Q8_0) or with the 16-bit sub-block scales (K-quants). Q8_0 uses the sign trick
// (|w| x sign(a, w)) because w + 128 would saturate VPMADDUBSW.
#include <immintrin.h>

#include <cassert>
#include <cstring>

#include "llm/matmul_impl.h"
#include "llm/matmul_tiles.h"
#include "llm/quant_blocks.h"

// Fully unroll the loops over tile rows / columns / registers so that the tile stays in registers.
#define AIRAN_UNROLL _Pragma("GCC unroll 16")

namespace airan::llm {
namespace {

using detail::TileArgs;
using namespace quant;

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int R, int C>
inline void store_tile(const TileArgs& t, __m256 (&acc)[R][C]) {
  AIRAN_UNROLL
  for (int c = 0; c < C; ++c) {
    AIRAN_UNROLL
    for (int r = 0; r < R; ++r) {
      const float s = hsum(acc[r][c]);
      float* out = t.y + c * t.ys + r;
      *out = t.accumulate ? *out + s : s;
    }
  }
}

template <int R, int C>
inline void zero(__m256 (&acc)[R][C]) {
  AIRAN_UNROLL
  for (auto& row : acc) {
    AIRAN_UNROLL
    for (auto& v : row) v = _mm256_setzero_ps();
  }
}

inline float half_to_float(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

inline __m128i load128(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
inline __m256i load256(const void* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// ---- Q4_0 / Q8_0 -------------------------------------------------------------------------------

// Pairs of blocks: `lo` = [first 16 values of block 0 | of block 1], `hi` = the last 16 values,
// meeting activation bytes 32 * pair and 64 + 32 * pair of the group (lane scales and biases at
// the same word offsets). Q4_0: unsigned nibbles, the bias corrects the + 8; Q8_0: the sign trick.
template <bool kQ4>
struct Q8Group {
  static constexpr int kRows = 2;
  static constexpr int kCols = 2;
  static constexpr int kBlockBytes = kQ4 ? 18 : 34;
  static int64_t units(int64_t cols) { return (cols / 32 + 3) / 4; }
  static size_t act_unit_bytes(int64_t) { return kQ8GroupBytes; }

  template <int R, int C>
  static void tile(const TileArgs& t) {
    __m256 acc[R][C];
    zero(acc);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i ones = _mm256_set1_epi16(1);
    const int64_t nb = t.cols / 32;
    for (int64_t g = t.u0; g < t.u1; ++g) {
      AIRAN_UNROLL
      for (int pr = 0; pr < 2; ++pr) {
        const int64_t b0 = 4 * g + 2 * pr;  // first block of the pair
        if (b0 >= nb) break;
        const bool second = b0 + 1 < nb;
        __m256i lo[R], hi[R];
        __m256 dw[R];
        AIRAN_UNROLL
        for (int r = 0; r < R; ++r) {
          const uint8_t* p = t.w + r * t.ws + b0 * kBlockBytes;
          const float d1 = second ? half_to_float(p + kBlockBytes) : 0.0f;
          dw[r] = _mm256_setr_m128(_mm_set1_ps(half_to_float(p)), _mm_set1_ps(d1));
          if constexpr (kQ4) {
            const __m128i q0 = load128(p + 2);
            const __m128i q1 = second ? load128(p + 20) : _mm_setzero_si128();
            const __m256i q = _mm256_setr_m128i(q0, q1);
            lo[r] = _mm256_and_si256(q, m4);
            hi[r] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
          } else {
            lo[r] =
                _mm256_setr_m128i(load128(p + 2), second ? load128(p + 36) : _mm_setzero_si128());
            hi[r] =
                _mm256_setr_m128i(load128(p + 18), second ? load128(p + 52) : _mm_setzero_si128());
          }
        }
        AIRAN_UNROLL
        for (int c = 0; c < C; ++c) {
          const uint8_t* a = t.a + c * t.as + g * kQ8GroupBytes;
          const __m256i alo = load256(a + 32 * pr);
          const __m256i ahi = load256(a + 64 + 32 * pr);
          const __m256 dl =
              _mm256_loadu_ps(reinterpret_cast<const float*>(a + kQ8GroupDl + 32 * pr));
          AIRAN_UNROLL
          for (int r = 0; r < R; ++r) {
            __m256i s;
            if constexpr (kQ4) {
              const __m256i p16 = _mm256_add_epi16(_mm256_maddubs_epi16(lo[r], alo),
                                                   _mm256_maddubs_epi16(hi[r], ahi));
              s = _mm256_add_epi32(_mm256_madd_epi16(p16, ones),
                                   load256(a + kQ8GroupBias + 32 * pr));
            } else {
              const __m256i plo = _mm256_maddubs_epi16(_mm256_sign_epi8(lo[r], lo[r]),
                                                       _mm256_sign_epi8(alo, lo[r]));
              const __m256i phi = _mm256_maddubs_epi16(_mm256_sign_epi8(hi[r], hi[r]),
                                                       _mm256_sign_epi8(ahi, hi[r]));
              s = _mm256_add_epi32(_mm256_madd_epi16(plo, ones), _mm256_madd_epi16(phi, ones));
            }
            acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw[r], dl), acc[r][c]);
          }
        }
      }
    }
    store_tile(t, acc);
  }
};

// ---- Q4_K / Q5_K -------------------------------------------------------------------------------

inline void unpack_scales_k4(const uint8_t* q, uint32_t* u) {
  constexpr uint32_t kMask1 = 0x3f3f3f3f, kMask2 = 0x0f0f0f0f, kMask3 = 0x03030303;
  std::memcpy(u, q, 12);
  u[3] = ((u[2] >> 4) & kMask2) | (((u[1] >> 6) & kMask3) << 4);
  const uint32_t m_lo = u[1] & kMask1;
  u[1] = (u[2] & kMask2) | (((u[0] >> 6) & kMask3) << 4);
  u[2] = m_lo;
  u[0] &= kMask1;
}

template <bool kFive>
struct Q4_K {
  static constexpr int kRows = 1;
  static constexpr int kCols = 4;
  static constexpr size_t kBlock = kFive ? 176 : 144;
  static int64_t units(int64_t cols) { return cols / 256; }
  static size_t act_unit_bytes(int64_t) { return kQ8KRecordBytes; }

  template <int R, int C>
  static void tile(const TileArgs& t) {
    __m256 acc[R][C];
    zero(acc);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i h16 = _mm256_set1_epi8(0x10);
    for (int64_t s = t.u0; s < t.u1; ++s) {
      AIRAN_UNROLL
      for (int r = 0; r < R; ++r) {
        const uint8_t* b = t.w + r * t.ws + s * kBlock;
        alignas(16) uint32_t u[4];
        unpack_scales_k4(b + 4, u);
        const uint8_t* sc = reinterpret_cast<const uint8_t*>(u);
        const __m256 mins = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(
                                              reinterpret_cast<const __m128i*>(u + 2)))),
                                          _mm256_set1_ps(half_to_float(b + 2)));
        const __m256 dv = _mm256_set1_ps(half_to_float(b));
        const uint8_t* qs = b + (kFive ? 48 : 16);
        const __m256i qh = kFive ? load256(b + 16) : _mm256_setzero_si256();
        // 8 sub-blocks: q and the scale as 16-bit lanes; activation offset in its layout
        __m256i q[8], scv[8];
        AIRAN_UNROLL
        for (int j = 0; j < 4; ++j) {
          const __m256i v = load256(qs + 32 * j);
          q[2 * j] = _mm256_and_si256(v, m4);
          q[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
          if constexpr (kFive) {
            AIRAN_UNROLL
            for (int h = 0; h < 2; ++h) {
              const int k = 2 * j + h;
              const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << k));
              const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit);
              q[k] = _mm256_or_si256(q[k], _mm256_and_si256(set, h16));
            }
          }
          scv[2 * j] = _mm256_set1_epi16(sc[2 * j]);
          scv[2 * j + 1] = _mm256_set1_epi16(sc[2 * j + 1]);
        }
        AIRAN_UNROLL
        for (int c = 0; c < C; ++c) {
          const uint8_t* a = t.a + c * t.as + s * kQ8KRecordBytes;
          __m256i isum = _mm256_setzero_si256();
          AIRAN_UNROLL
          for (int k = 0; k < 8; ++k) {
            const __m256i av = load256(a + 128 * (k / 4) + 32 * k4_subblock_pos(k % 4));
            isum =
                _mm256_add_epi32(isum, _mm256_madd_epi16(_mm256_maddubs_epi16(q[k], av), scv[k]));
          }
          const __m256 da = _mm256_set1_ps(load<float>(a + kQ8KDOffset));
          acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dv, da), acc[r][c]);
          acc[r][c] = _mm256_fnmadd_ps(
              mins, _mm256_loadu_ps(reinterpret_cast<const float*>(a + kQ8KAuxOffset)), acc[r][c]);
        }
      }
    }
    store_tile(t, acc);
  }
};

// ---- Q6_K --------------------------------------------------------------------------------------

struct Q6_K {
  static constexpr int kRows = 1;
  static constexpr int kCols = 4;
  static int64_t units(int64_t cols) { return cols / 256; }
  static size_t act_unit_bytes(int64_t) { return kQ8KRecordBytes; }

  template <int R, int C>
  static void tile(const TileArgs& t) {
    __m256 acc[R][C];
    zero(acc);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i m30 = _mm256_set1_epi8(0x30);
    for (int64_t s = t.u0; s < t.u1; ++s) {
      AIRAN_UNROLL
      for (int r = 0; r < R; ++r) {
        const uint8_t* b = t.w + r * t.ws + s * 210;
        const __m256i s16 = _mm256_cvtepi8_epi16(load128(b + 192));
        const __m256i off = _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_slli_epi16(s16, 5));
        alignas(32) int16_t sc[16];
        _mm256_store_si256(reinterpret_cast<__m256i*>(sc), s16);
        const __m256 dv = _mm256_set1_ps(half_to_float(b + 208));
        // 8 registers of 32 values (natural order): register i covers scales 2i, 2i+1
        __m256i q[8], scv[8];
        AIRAN_UNROLL
        for (int h = 0; h < 2; ++h) {
          const __m256i ql0 = load256(b + 64 * h);
          const __m256i ql1 = load256(b + 64 * h + 32);
          const __m256i qh = load256(b + 128 + 32 * h);
          const __m256i hb0 = _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30);
          const __m256i hb1 = _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30);
          const __m256i hb2 = _mm256_and_si256(qh, m30);
          const __m256i hb3 = _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30);
          q[4 * h + 0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), hb0);
          q[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), hb1);
          q[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), hb2);
          q[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), hb3);
        }
        AIRAN_UNROLL
        for (int i = 0; i < 8; ++i) {
          scv[i] = _mm256_setr_m128i(_mm_set1_epi16(sc[2 * i]), _mm_set1_epi16(sc[2 * i + 1]));
        }
        AIRAN_UNROLL
        for (int c = 0; c < C; ++c) {
          const uint8_t* a = t.a + c * t.as + s * kQ8KRecordBytes;
          __m256i isum = _mm256_madd_epi16(load256(a + kQ8KAuxOffset), off);
          AIRAN_UNROLL
          for (int i = 0; i < 8; ++i) {
            isum = _mm256_add_epi32(
                isum, _mm256_madd_epi16(_mm256_maddubs_epi16(q[i], load256(a + 32 * i)), scv[i]));
          }
          const __m256 da = _mm256_set1_ps(load<float>(a + kQ8KDOffset));
          acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dv, da), acc[r][c]);
        }
      }
    }
    store_tile(t, acc);
  }
};

// ---- F32 / F16 / BF16 --------------------------------------------------------------------------

template <TensorType T>
struct Float {
  static constexpr int kRows = 2;
  static constexpr int kCols = 4;
  static int64_t units(int64_t cols) { return (cols + 7) / 8; }
  static size_t act_unit_bytes(int64_t) { return 32; }

  static inline __m256 load_w(const uint8_t* p) {
    if constexpr (T == TensorType::kF32) {
      return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
    } else if constexpr (T == TensorType::kF16) {
      return _mm256_cvtph_ps(load128(p));
    } else {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(load128(p)), 16));
    }
  }

  template <int R, int C>
  static void tile(const TileArgs& t) {
    constexpr int kEsize = T == TensorType::kF32 ? 4 : 2;
    __m256 acc[R][C];
    zero(acc);
    const int64_t full_end = std::min(t.u1, t.cols / 8);
    for (int64_t u = t.u0; u < full_end; ++u) {
      const int64_t i = 8 * u;
      __m256 w[R];
      AIRAN_UNROLL
      for (int r = 0; r < R; ++r) w[r] = load_w(t.w + r * t.ws + i * kEsize);
      AIRAN_UNROLL
      for (int c = 0; c < C; ++c) {
        const __m256 x = _mm256_loadu_ps(reinterpret_cast<const float*>(t.a + c * t.as + i * 4));
        AIRAN_UNROLL
        for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(w[r], x, acc[r][c]);
      }
    }
    if (t.u1 > full_end) {  // the last cols % 8 values, through a zero-padded copy
      const int64_t i = 8 * full_end;
      const int n = static_cast<int>(t.cols - i);
      __m256 w[R];
      AIRAN_UNROLL
      for (int r = 0; r < R; ++r) {
        alignas(32) uint8_t buf[32] = {};
        std::memcpy(buf, t.w + r * t.ws + i * kEsize, static_cast<size_t>(n) * kEsize);
        w[r] = load_w(buf);
      }
      AIRAN_UNROLL
      for (int c = 0; c < C; ++c) {
        alignas(32) float xb[8] = {};
        std::memcpy(xb, t.a + c * t.as + i * 4, static_cast<size_t>(n) * 4);
        const __m256 x = _mm256_load_ps(xb);
        AIRAN_UNROLL
        for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(w[r], x, acc[r][c]);
      }
    }
    store_tile(t, acc);
  }
};

// ---- activation quantisation (byte-identical to quantize_activations_portable) -----------------

inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

inline int hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

inline float amax_of(const float* x, int n8) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int i = 0; i < n8; ++i)
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + 8 * i)));
  return hmax(m);
}

inline void scales_from_amax(float amax, float* d, float* id) {
  *d = amax / 127.0f;
  *id = amax != 0.0f ? 127.0f / amax : 0.0f;
}

// 8 floats -> 8 int32 q = nearest-even(x * id).
inline __m256i quantize8(const float* x, __m256 id) {
  return _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), id));
}

// 16 int32 (|q| <= 127) -> 16 int8 in order.
inline __m128i pack16(__m256i a, __m256i b) {
  const __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
  return _mm_packs_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
}

inline __m128i word_sums(__m128i q) {
  return _mm_madd_epi16(_mm_maddubs_epi16(_mm_set1_epi8(1), q), _mm_set1_epi16(1));
}

void quantize_q8_groups_avx2(const float* x, int64_t cols, bool q4_0, uint8_t* row) {
  const int64_t nb = cols / 32;
  const int64_t groups = (nb + 3) / 4;
  const __m128i bias_k = _mm_set1_epi32(q4_0 ? -8 : -128);
  for (int64_t g = 0; g < groups; ++g) {
    uint8_t* grp = row + g * kQ8GroupBytes;
    float* dl = reinterpret_cast<float*>(grp + kQ8GroupDl);
    int32_t* bias = reinterpret_cast<int32_t*>(grp + kQ8GroupBias);
    for (int k = 0; k < 4; ++k) {
      const int64_t blk = 4 * g + k;
      __m128i q0 = _mm_setzero_si128(), q1 = _mm_setzero_si128();
      float d = 0.0f;
      if (blk < nb) {
        const float* xb = x + blk * 32;
        float id;
        q8_0_activation_scale(amax_of(xb, 4), &d, &id);
        const __m256 vid = _mm256_set1_ps(id);
        q0 = pack16(quantize8(xb, vid), quantize8(xb + 8, vid));
        q1 = pack16(quantize8(xb + 16, vid), quantize8(xb + 24, vid));
      }
      _mm_storeu_si128(reinterpret_cast<__m128i*>(grp + 16 * k), q0);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(grp + 64 + 16 * k), q1);
      _mm_storeu_ps(dl + 4 * k, _mm_set1_ps(d));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bias + 4 * k),
                       _mm_mullo_epi32(_mm_add_epi32(word_sums(q0), word_sums(q1)), bias_k));
    }
  }
}

void quantize_q8_k_avx2(const float* x, int64_t cols, TensorType wt, uint8_t* row) {
  const bool k4 = wt != TensorType::kQ6_K;
  for (int64_t s = 0; s < cols / 256; ++s) {
    const float* xs = x + s * 256;
    uint8_t* rec = row + s * kQ8KRecordBytes;
    float d, id;
    scales_from_amax(amax_of(xs, 32), &d, &id);
    const __m256 vid = _mm256_set1_ps(id);
    alignas(32) int16_t bsums[16];
    alignas(32) float msum[8];
    for (int k = 0; k < 8; ++k) {  // sub-blocks of 32
      const __m256i v0 = quantize8(xs + 32 * k, vid), v1 = quantize8(xs + 32 * k + 8, vid);
      const __m256i v2 = quantize8(xs + 32 * k + 16, vid), v3 = quantize8(xs + 32 * k + 24, vid);
      const int sum0 = hsum_epi32(_mm256_add_epi32(v0, v1));
      const int sum1 = hsum_epi32(_mm256_add_epi32(v2, v3));
      bsums[2 * k] = static_cast<int16_t>(sum0);
      bsums[2 * k + 1] = static_cast<int16_t>(sum1);
      msum[k] = d * static_cast<float>(sum0 + sum1);
      const int pos = k4 ? 128 * (k / 4) + 32 * k4_subblock_pos(k % 4) : 32 * k;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(rec + pos), pack16(v0, v1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(rec + pos + 16), pack16(v2, v3));
    }
    if (k4) {
      std::memcpy(rec + kQ8KAuxOffset, msum, 32);
    } else {
      std::memcpy(rec + kQ8KAuxOffset, bsums, 32);
    }
    std::memcpy(rec + kQ8KDOffset, &d, 4);
    std::memset(rec + kQ8KDOffset + 4, 0, kQ8KRecordBytes - kQ8KDOffset - 4);
  }
}

void quantize_activations_avx2(QuantizedActivations& out, const float* x) {
  detail::quantize_activation_rows(out, x, quantize_q8_groups_avx2, quantize_q8_k_avx2);
}

class Avx2Kernels final : public MatmulKernels {
 public:
  void quantize_activations(QuantizedActivations& out, TensorType weight_type, const float* x,
                            int64_t batch, int64_t cols) const override {
    detail::prepare_activations(out, weight_type, batch, cols);
    quantize_activations_avx2(out, x);
  }

  void matmul_rows(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t y_stride,
                   int64_t row_begin, int64_t row_end) const override {
    assert(x.weight_type == w.type && x.cols == w.cols);
    assert(0 <= row_begin && row_end <= w.rows);
    if (row_end <= row_begin || x.batch <= 0) return;
    if (w.layout != WeightLayout::kGguf) {
      return detail::matmul_rows_via_gguf_rows(*this, w, x, y, y_stride, row_begin, row_end);
    }
    switch (w.type) {
      case TensorType::kQ4_0:
        return detail::drive_tiles<Q8Group<true>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ8_0:
        return detail::drive_tiles<Q8Group<false>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ4_K:
        return detail::drive_tiles<Q4_K<false>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ5_K:
        return detail::drive_tiles<Q4_K<true>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ6_K:
        return detail::drive_tiles<Q6_K>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kF32:
        return detail::drive_tiles<Float<TensorType::kF32>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kF16:
        return detail::drive_tiles<Float<TensorType::kF16>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kBF16:
        return detail::drive_tiles<Float<TensorType::kBF16>>(w, x, y, y_stride, row_begin, row_end);
      default:
        return;
    }
  }

  std::string_view implementation() const override { return "avx2"; }
};

}  // namespace

namespace detail {
const MatmulKernels* matmul_kernels_avx2() {
  static const Avx2Kernels k;
  return &k;
}
}  // namespace detail

}  // namespace airan::llm
