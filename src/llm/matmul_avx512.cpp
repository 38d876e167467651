// AVX-512 matmul kernels (F/BW/VL/DQ/VBMI; VNNI's VPDPBUSD / VPDPWSSD where the CPU has them).
//
// Q4_0 / Q8_0: a group of 4 blocks fills two registers (first halves of the 4 blocks, second
// halves), gathered with VPERMT2B; the weights are read unsigned (Q4_0 as stored, Q8_0 as
// q + 128) and met with the signed activations by VPDPBUSD, whose accumulator starts from the
// activation's lane biases (-8 or -128 times the activation sums), so no correction is needed
// afterwards; then one convert and one FMA with the lane scales (d_w x d_a) per group. Without
// VNNI, Q8_0 uses the sign trick (|w| x sign(a, w)) with VPMADDUBSW + VPMADDWD.
// Q4_0 and (with VNNI) Q8_0 repacked at load (kQ4_0x8, kQ8_0x8, the layouts these kernels
// prefer): 8 rows interleaved so that aligned loads need no byte permutes and each activation
// byte is broadcast to 8 rows at once. The other kernels read GGUF rows and prefetch ahead.
// K-quants: VPMADDUBSW (unsigned 4/5/6-bit weights x signed activations) then VPDPWSSD with the
// sub-block scales as 16-bit lanes: the whole super-block sums in int32, one convert + FMA per
// super-block; Q4_K/Q5_K mins are one FMA with the activation's per-sub-block sums, Q6_K's -32
// offset one VPDPWSSD with its per-16 sums.
// F32 / F16 / BF16: 16 weights converted to f32 once per tile row, FMA with every activation row.
// GCC 12's AVX-512 headers trip -Wuninitialized on their own _mm512_undefined_*() (GCC PR105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <array>
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

template <bool V>
inline __m512i dot_u8s8(__m512i acc, __m512i u, __m512i s) {
  if constexpr (V) {
    return _mm512_dpbusd_epi32(acc, u, s);
  } else {
    const __m512i p = _mm512_maddubs_epi16(u, s);
    return _mm512_add_epi32(acc, _mm512_madd_epi16(p, _mm512_set1_epi16(1)));
  }
}

template <bool V>
inline __m512i dot_s16(__m512i acc, __m512i a, __m512i b) {
  if constexpr (V) {
    return _mm512_dpwssd_epi32(acc, a, b);
  } else {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
  }
}

template <int R, int C>
inline void store_tile(const TileArgs& t, __m512 (&acc)[R][C]) {
  AIRAN_UNROLL
  for (int c = 0; c < C; ++c) {
    AIRAN_UNROLL
    for (int r = 0; r < R; ++r) {
      const float s = _mm512_reduce_add_ps(acc[r][c]);
      float* out = t.y + c * t.ys + r;
      *out = t.accumulate ? *out + s : s;
    }
  }
}

inline float half_to_float(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// Asks for the cache lines of [p, p + kBytes) into L2. Decode reads every weight once: with the
// hardware prefetcher alone the kernels waited on DRAM (IPC ~0.4), so each weight stream asks
// for what it reads kRowPrefetchBytes further on (prefetches past a row's end do not fault).
template <size_t kBytes>
inline void prefetch_l2(const uint8_t* p) {
  AIRAN_UNROLL
  for (size_t off = 0; off < kBytes; off += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(p + off), _MM_HINT_T1);
  }
}

// Prefetch distance of the kernels that stream 1-3 GGUF rows at once. Rows are contiguous and
// short (1-3 KB), so this asks a few rows further down the matrix; measured on TinyLlama-shape
// Q4_K decode (huge pages either way): 1 KB +15%, 4 KB +40% over none, flat beyond.
constexpr size_t kRowPrefetchBytes = 4096;

// ---- Q4_0 / Q8_0 -------------------------------------------------------------------------------

// Byte mask of the bytes [off, off + 64) of a group that lie below `n`.
inline __mmask64 bytes_below(int n, int off) {
  if (n <= off) return 0;
  if (n - off >= 64) return ~0ull;
  return (1ull << (n - off)) - 1;
}

// One group of 4 blocks (128 values) in two registers: `lo` holds the first 16 values of blocks
// 0..3 (16 bytes each), `hi` the last 16, as unsigned bytes (Q4_0: q as stored, 0..15; Q8_0:
// q + 128 with VNNI, |q| without, where `neg_*` marks the negative q); `dw` the four d as lane
// scales (block k in lanes 4k..4k+3).
template <bool V, bool kQ4>
struct Q8Group {
  // 3 x 4: the largest tile whose accumulators and decoded blocks stay in the 32 registers.
  static constexpr int kRows = 3;
  static constexpr int kCols = 4;
  static constexpr int kBlockBytes = kQ4 ? 18 : 34;
  static constexpr int kGroupBytes = 4 * kBlockBytes;
  static int64_t units(int64_t cols) { return (cols / 32 + 3) / 4; }
  static size_t act_unit_bytes(int64_t) { return kQ8GroupBytes; }

  struct Decoded {
    __m512i lo, hi;
    __mmask64 neg_lo, neg_hi;
    __m512 dw;
  };

  // n: bytes of the group present (kGroupBytes unless it is the row's last, partial group)
  template <bool kFull>
  static inline Decoded decode(const uint8_t* p, int n) {
    Decoded d;
    if constexpr (kQ4) {
      // byte 16k + j of the gathered register is qs[j] of block k (at 18k + 2 + j)
      const __m512i idx_q = _mm512_set_epi8(
          71, 70, 69, 68, 67, 66, 65, 64, 63, 62, 61, 60, 59, 58, 57, 56, 53, 52, 51, 50, 49, 48,
          47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24,
          23, 22, 21, 20, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2);
      // word i of the result is d of block i / 4 (word 9k)
      const __m512i idx_d = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 27, 27,
                                             27, 27, 18, 18, 18, 18, 9, 9, 9, 9, 0, 0, 0, 0);
      const __m512i m4 = _mm512_set1_epi8(0x0F);
      const __m512i v0 =
          kFull ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(bytes_below(n, 0), p);
      const __m512i v1 = _mm512_maskz_loadu_epi8(kFull ? 0xFF : bytes_below(n, 64), p + 64);
      const __m512i q = _mm512_permutex2var_epi8(v0, idx_q, v1);
      d.lo = _mm512_and_si512(q, m4);
      d.hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), m4);
      d.neg_lo = d.neg_hi = 0;
      d.dw = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi16(idx_d, v0)));
    } else {
      // first halves: bytes 34k + 2 + j of p; second halves: bytes 34k + j of p + 18
      const __m512i idx_lo = _mm512_set_epi8(
          119, 118, 117, 116, 115, 114, 113, 112, 111, 110, 109, 108, 107, 106, 105, 104, 85, 84,
          83, 82, 81, 80, 79, 78, 77, 76, 75, 74, 73, 72, 71, 70, 51, 50, 49, 48, 47, 46, 45, 44,
          43, 42, 41, 40, 39, 38, 37, 36, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2);
      const __m512i idx_hi = _mm512_sub_epi8(idx_lo, _mm512_set1_epi8(2));
      // word i: d of block i / 4 (word 17k)
      const __m512i idx_d = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 51, 51,
                                             51, 51, 34, 34, 34, 34, 17, 17, 17, 17, 0, 0, 0, 0);
      const __m512i v0 =
          kFull ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(bytes_below(n, 0), p);
      const __m512i v1 =
          kFull ? _mm512_loadu_si512(p + 64) : _mm512_maskz_loadu_epi8(bytes_below(n, 64), p + 64);
      const __m512i u0 =
          kFull ? _mm512_loadu_si512(p + 18) : _mm512_maskz_loadu_epi8(bytes_below(n, 18), p + 18);
      const __m512i u1 = _mm512_maskz_loadu_epi8(bytes_below(n, 82), p + 82);
      const __m512i lo = _mm512_permutex2var_epi8(v0, idx_lo, v1);
      const __m512i hi = _mm512_permutex2var_epi8(u0, idx_hi, u1);
      if constexpr (V) {
        const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
        d.lo = _mm512_xor_si512(lo, bias);
        d.hi = _mm512_xor_si512(hi, bias);
        d.neg_lo = d.neg_hi = 0;
      } else {
        d.lo = _mm512_abs_epi8(lo);
        d.hi = _mm512_abs_epi8(hi);
        d.neg_lo = _mm512_movepi8_mask(lo);
        d.neg_hi = _mm512_movepi8_mask(hi);
      }
      d.dw = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutex2var_epi16(v0, idx_d, v1)));
    }
    return d;
  }

  template <int R, int C, bool kFull>
  static inline void group(const TileArgs& t, int64_t g, int n, __m512 (&acc)[R][C]) {
    Decoded w[R];
    AIRAN_UNROLL
    for (int r = 0; r < R; ++r) {
      const uint8_t* p = t.w + r * t.ws + g * kGroupBytes;
      prefetch_l2<kGroupBytes>(p + kRowPrefetchBytes);
      w[r] = decode<kFull>(p, n);
    }
    AIRAN_UNROLL
    for (int c = 0; c < C; ++c) {
      const uint8_t* a = t.a + c * t.as + g * kQ8GroupBytes;
      const __m512i alo = _mm512_loadu_si512(a);
      const __m512i ahi = _mm512_loadu_si512(a + 64);
      const __m512 dl = _mm512_loadu_ps(a + kQ8GroupDl);
      AIRAN_UNROLL
      for (int r = 0; r < R; ++r) {
        __m512i s;
        if constexpr (kQ4 || V) {
          // Q4_0 (0..15) or Q8_0 + 128: the bias starts the sum
          s = dot_u8s8<V>(_mm512_loadu_si512(a + kQ8GroupBias), w[r].lo, alo);
          s = dot_u8s8<V>(s, w[r].hi, ahi);
        } else {
          const __m512i zero = _mm512_setzero_si512();
          const __m512i one16 = _mm512_set1_epi16(1);
          const __m512i slo = _mm512_mask_sub_epi8(alo, w[r].neg_lo, zero, alo);
          const __m512i shi = _mm512_mask_sub_epi8(ahi, w[r].neg_hi, zero, ahi);
          s = _mm512_add_epi32(_mm512_madd_epi16(_mm512_maddubs_epi16(w[r].lo, slo), one16),
                               _mm512_madd_epi16(_mm512_maddubs_epi16(w[r].hi, shi), one16));
        }
        acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(w[r].dw, dl), acc[r][c]);
      }
    }
  }

  template <int R, int C>
  static void tile(const TileArgs& t) {
    __m512 acc[R][C];
    AIRAN_UNROLL
    for (auto& row : acc) {
      AIRAN_UNROLL
      for (auto& v : row) v = _mm512_setzero_ps();
    }
    const int64_t nb = t.cols / 32;
    const int64_t full_end = std::min(t.u1, nb / 4);
    for (int64_t g = t.u0; g < full_end; ++g) group<R, C, true>(t, g, kGroupBytes, acc);
    if (nb % 4 != 0 && t.u1 > nb / 4) {
      group<R, C, false>(t, nb / 4, static_cast<int>(nb % 4) * kBlockBytes, acc);
    }
    store_tile(t, acc);
  }
};

// ---- Q4_0 / Q8_0 repacked (kQ4_0x8, kQ8_0x8) ----------------------------------------------------

// Eight rows at a time from the repacked layouts (see X8Layout): one aligned 64-byte load holds
// 8 quant bytes of each of the 8 rows (Q4_0: 16 nibbles), so that 4 VPDPBUSD, each against one
// 8-byte activation slice broadcast to every row, cover a whole block of 8 rows (int32 lane 2i + h
// holds row i). No byte shuffles on the weights; the 8 scales of a block are one 16-byte load. The
// activation's word biases (-8 or -128 x sums, see quant_blocks.h) start the sums exactly as in
// Q8Group: lane 2i + h of the half-p accumulator meets words 2p + h, so its bias is a 64-bit
// broadcast. Q8_0 needs VNNI: VPMADDUBSW would saturate on q + 128 (up to 255) x int8.
template <bool V, bool kQ8>
struct RowsX8 {
  static_assert(V || !kQ8);
  using L = X8Layout<kQ8>;
  // Tiles of G groups (8 rows each) x C activation rows. A batch of one (decode, memory-bound)
  // runs 1 x 1; larger batches run 2 x 6: each activation broadcast then feeds 2 groups and each
  // decoded block 6 activation rows (12 accumulators + 8 weights + temporaries in 32 registers).
  static constexpr int kGroups = 2;
  static constexpr int kCols = 6;
  // ~2.2 KB ahead (Q4_0: 4 quads, 512 values along the 8 rows; Q8_0: 2 quads)
  static constexpr size_t kPrefetchBytes = (kQ8 ? 2 : 4) * L::kQuadBytes;

  struct Args {
    const uint8_t* group;  ///< the first 8-row group
    size_t group_bytes;    ///< stride between groups
    int64_t nb;            ///< blocks per row (in quads of 4 = activation groups)
    const uint8_t* a;      ///< first activation row
    size_t as;             ///< activation row stride (bytes)
    float* y;              ///< y of (group row 0, activation row 0)
    int64_t ys;            ///< y stride between activation rows
    int row_lo;            ///< first row of the first group to store
    int row_hi;            ///< end of the rows of the last group to store
  };

  // Block k of the quads of G groups against block k of the activation groups ag[c].
  template <int G, int C>
  static inline void block(const uint8_t* const (&quad)[G], int k, const uint8_t* const (&ag)[C],
                           __m512 (&acc)[G][C]) {
    // f16 scale i (bytes 2i, 2i + 1) to words 2i and 2i + 1; the 16 bytes sit in both 128-bit
    // lanes, the low lane makes rows 0..3 and the high lane rows 4..7.
    const __m256i dup =
        _mm256_setr_epi8(0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7,  //
                         8, 9, 8, 9, 10, 11, 10, 11, 12, 13, 12, 13, 14, 15, 14, 15);
    // w[j][2p + n]: values 16n + 8p .. 16n + 8p + 7 of the block for each row of group j
    __m512i w[G][4];
    __m512 dw[G];
    AIRAN_UNROLL
    for (int j = 0; j < G; ++j) {
      const uint8_t* q = quad[j] + L::kBlockQs * k;
      if constexpr (kQ8) {
        AIRAN_UNROLL
        for (int m = 0; m < 4; ++m) w[j][m] = _mm512_load_si512(q + 64 * m);
      } else {
        // register p: qs[8p..8p+7], low nibbles n = 0, high nibbles n = 1
        const __m512i m4 = _mm512_set1_epi8(0x0F);
        AIRAN_UNROLL
        for (int p = 0; p < 2; ++p) {
          const __m512i v = _mm512_load_si512(q + 64 * p);
          w[j][2 * p] = _mm512_and_si512(v, m4);
          w[j][2 * p + 1] = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
        }
      }
      const __m256i d8 = _mm256_broadcastsi128_si256(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(quad[j] + L::kQuadScales + 16 * k)));
      dw[j] = _mm512_cvtph_ps(_mm256_shuffle_epi8(d8, dup));
    }
    AIRAN_UNROLL
    for (int c = 0; c < C; ++c) {
      const uint8_t* g = ag[c];
      const uint8_t* bias = g + kQ8GroupBias + 16 * k;
      __m512i b[2], x[4];
      AIRAN_UNROLL
      for (int p = 0; p < 2; ++p) {
        b[p] = _mm512_set1_epi64(load<int64_t>(bias + 8 * p));
        x[2 * p] = _mm512_set1_epi64(load<int64_t>(g + 16 * k + 8 * p));
        x[2 * p + 1] = _mm512_set1_epi64(load<int64_t>(g + 64 + 16 * k + 8 * p));
      }
      const __m512 da = _mm512_set1_ps(load<float>(g + kQ8GroupDl + 16 * k));
      AIRAN_UNROLL
      for (int j = 0; j < G; ++j) {
        __m512i s[2];
        AIRAN_UNROLL
        for (int p = 0; p < 2; ++p) {
          s[p] = dot_u8s8<V>(b[p], w[j][2 * p], x[2 * p]);
          s[p] = dot_u8s8<V>(s[p], w[j][2 * p + 1], x[2 * p + 1]);
        }
        acc[j][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(s[0], s[1])),
                                    _mm512_mul_ps(dw[j], da), acc[j][c]);
      }
    }
  }

  template <int G, int C>
  static void tile(const Args& t) {
    __m512 acc[G][C];
    AIRAN_UNROLL
    for (auto& row : acc) {
      AIRAN_UNROLL
      for (auto& v : row) v = _mm512_setzero_ps();
    }
    for (int64_t g = 0; 4 * g < t.nb; ++g) {
      const uint8_t* quad[G];
      AIRAN_UNROLL
      for (int j = 0; j < G; ++j) {
        quad[j] = t.group + j * t.group_bytes + static_cast<size_t>(g) * L::kQuadBytes;
        // With the hardware prefetcher alone decode ran ~25% slower (waiting on DRAM).
        prefetch_l2<L::kQuadBytes>(quad[j] + kPrefetchBytes);
      }
      const uint8_t* ag[C];
      AIRAN_UNROLL
      for (int c = 0; c < C; ++c) ag[c] = t.a + c * t.as + g * kQ8GroupBytes;
      const int64_t blocks = std::min<int64_t>(4, t.nb - 4 * g);
      if (blocks == 4) {
        AIRAN_UNROLL
        for (int k = 0; k < 4; ++k) block<G, C>(quad, k, ag, acc);
      } else {
        for (int k = 0; k < blocks; ++k) block<G, C>(quad, k, ag, acc);
      }
    }
    AIRAN_UNROLL
    for (int j = 0; j < G; ++j) {
      const int lo = j == 0 ? t.row_lo : 0;
      const int hi = j == G - 1 ? t.row_hi : 8;
      AIRAN_UNROLL
      for (int c = 0; c < C; ++c) {
        alignas(64) float lanes[16];
        _mm512_store_ps(lanes, acc[j][c]);
        float* out = t.y + c * t.ys + 8 * j;
        for (int i = lo; i < hi; ++i) out[i] = lanes[2 * i] + lanes[2 * i + 1];
      }
    }
  }

  using TileFn = void (*)(const Args&);
  template <int G, int... Cs>
  static constexpr std::array<TileFn, kCols + 1> tile_row(std::integer_sequence<int, Cs...>) {
    return {nullptr, &tile<G, Cs + 1>...};
  }

  // Activation rows of one column block: their whole rows stay in L2 while every 8-row group
  // meets them, so each tile runs the full reduction and stores once (a batch of 512 chunked the
  // reduction to one group per tile instead, and storing the tiles cost more than computing them).
  static int64_t column_block(int64_t batch, size_t row_bytes) {
    constexpr size_t kBudget = 256 * 1024;  // activation bytes of one column block
    const int64_t fit = static_cast<int64_t>(kBudget / row_bytes) / kCols * kCols;
    return std::min(batch, std::max<int64_t>(kCols, fit));
  }

  static void rows(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t ys,
                   int64_t r0, int64_t r1) {
    static constexpr std::array<TileFn, kCols + 1> table[kGroups + 1] = {
        {},
        tile_row<1>(std::make_integer_sequence<int, kCols>{}),
        tile_row<2>(std::make_integer_sequence<int, kCols>{})};
    const int64_t nb = w.cols / 32;
    const size_t group_bytes = L::group_bytes(w.cols);
    const int64_t block = column_block(x.batch, x.row_bytes);
    const int64_t g_end = (r1 + 7) / 8;
    const int64_t g_step = x.batch == 1 ? 1 : kGroups;
    for (int64_t c0 = 0; c0 < x.batch; c0 += block) {
      const int64_t c1 = std::min(x.batch, c0 + block);
      for (int64_t g = r0 / 8; g < g_end; g += g_step) {
        const int gn = static_cast<int>(std::min<int64_t>(g_step, g_end - g));
        for (int64_t c = c0; c < c1; c += kCols) {
          Args t;
          t.group = w.data + static_cast<size_t>(g) * group_bytes;
          t.group_bytes = group_bytes;
          t.nb = nb;
          t.a = x.data.data() + static_cast<size_t>(c) * x.row_bytes;
          t.as = x.row_bytes;
          t.y = y + c * ys + 8 * g;
          t.ys = ys;
          t.row_lo = static_cast<int>(std::max(r0, 8 * g) - 8 * g);
          const int64_t last = 8 * (g + gn - 1);
          t.row_hi = static_cast<int>(std::min(r1, last + 8) - last);
          table[gn][std::min<int64_t>(kCols, c1 - c)](t);
        }
      }
    }
  }
};

// ---- Q4_K / Q5_K -------------------------------------------------------------------------------

// The 8 six-bit scales (bytes 0..7) and mins (bytes 8..15) of a Q4_K/Q5_K super-block, from the
// 16 bytes at its scales (the last 4 are not used). With u0..u2 the 3 words of scales:
//   word 0 = u0 & 0x3f..    (scales 0..3)      word 2 = u1 & 0x3f..    (mins 0..3)
//   word 1 = (u2 & 0x0f..) | ((u0 >> 2) & 0x30..)     (scales 4..7: low 4 bits, top 2 bits)
//   word 3 = ((u2 >> 4) & 0x0f..) | ((u1 >> 2) & 0x30..)   (mins 4..7)
inline __m128i unpack_scales_k4(const uint8_t* q) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
  const __m128i a = _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0));  // u0 u2 u1 u2
  const __m128i b = _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0));  // u0 u0 u1 u1
  const __m128i lo = _mm_and_si128(_mm_srlv_epi32(a, _mm_setr_epi32(0, 0, 0, 4)),
                                   _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
  const __m128i hi =
      _mm_and_si128(_mm_srli_epi32(b, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
  return _mm_or_si128(lo, hi);
}

// K-quant tiles: 1 x 6 (the decoded super-block of a row - 4 registers of quants, 4 of scales -
// meets 6 activation rows); a GEMV takes 2 rows at a time for two independent chains. Q4_K decode
// of up to 4 sequences takes the GEMV's 2 rows too: two weight rows stream at once (measured
// 1.58x -> 1.70x aggregate at 2 sequences; Q5_K not measured, so left at 1).
template <bool V, bool kFive>
struct Q4_K {
  static constexpr int kRows = 1;
  static constexpr int kCols = 6;
  static constexpr int kGemvRows = 2;
  static constexpr int kGemvBatch = kFive ? 1 : 4;
  static constexpr size_t kBlock = kFive ? 176 : 144;
  static int64_t units(int64_t cols) { return cols / 256; }
  static size_t act_unit_bytes(int64_t) { return kQ8KRecordBytes; }

  template <int R, int C>
  static void tile(const TileArgs& t) {
    __m512 acc[R][C];
    AIRAN_UNROLL
    for (auto& row : acc) {
      AIRAN_UNROLL
      for (auto& v : row) v = _mm512_setzero_ps();
    }
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    // Scale lanes: register k covers sub-blocks (a, b) = (0, 2), (1, 3), (4, 6), (5, 7), a in
    // the low 256 bits; a VPSHUFB of the 16 scale/min bytes (broadcast to every 128-bit lane)
    // turns byte a into 16-bit lanes there and byte b in the high half.
    __m512i idx_s[4];
    AIRAN_UNROLL
    for (int k = 0; k < 4; ++k) {
      const int a = 4 * (k / 2) + (k % 2);
      const auto word = [](int sb) { return static_cast<int>(0x80008000u | sb | (sb << 16)); };
      idx_s[k] = _mm512_mask_blend_epi32(0xFF00, _mm512_set1_epi32(word(a)),
                                         _mm512_set1_epi32(word(a + 2)));
    }
    for (int64_t s = t.u0; s < t.u1; ++s) {
      __m512i q[R][4];
      __m512i sc[R][4];
      float dv[R];
      // Through memory (broadcast / memory operands), so that a 2 x 4 tile stays in registers.
      alignas(32) float mins[R][8];
      AIRAN_UNROLL
      for (int r = 0; r < R; ++r) {
        const uint8_t* b = t.w + r * t.ws + s * kBlock;
        prefetch_l2<kBlock>(b + kRowPrefetchBytes);
        const __m128i u = unpack_scales_k4(b + 4);
        const __m512i s8 = _mm512_broadcast_i32x4(u);
        AIRAN_UNROLL
        for (int k = 0; k < 4; ++k) sc[r][k] = _mm512_shuffle_epi8(s8, idx_s[k]);
        // d and dmin; the mins (bytes 8..15 of u) as floats times dmin, in the low 8 lanes
        const __m128 dd = _mm_cvtph_ps(_mm_cvtsi32_si128(load<int32_t>(b)));
        const __m256 mf = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(u, 8)));
        _mm256_store_ps(mins[r],
                        _mm256_mul_ps(mf, _mm256_permutevar8x32_ps(_mm256_castps128_ps256(dd),
                                                                   _mm256_set1_epi32(1))));
        dv[r] = _mm_cvtss_f32(dd);
        const uint8_t* qs = b + (kFive ? 48 : 16);
        const __m512i q0 = _mm512_loadu_si512(qs);
        const __m512i q1 = _mm512_loadu_si512(qs + 64);
        q[r][0] = _mm512_and_si512(q0, m4);
        q[r][1] = _mm512_and_si512(_mm512_srli_epi16(q0, 4), m4);
        q[r][2] = _mm512_and_si512(q1, m4);
        q[r][3] = _mm512_and_si512(_mm512_srli_epi16(q1, 4), m4);
        if constexpr (kFive) {
          const __m512i qh =
              _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16)));
          const __m512i c16 = _mm512_set1_epi8(16);
          // register k: sub-blocks (lo: 2j2, 2j2+2 / hi: 2j2+1, 2j2+3) with j2 = 2 * half
          AIRAN_UNROLL
          for (int k = 0; k < 4; ++k) {
            const int first = 4 * (k / 2) + (k % 2);
            const __m512i bits =
                _mm512_mask_blend_epi64(0xF0, _mm512_set1_epi8(static_cast<char>(1 << first)),
                                        _mm512_set1_epi8(static_cast<char>(1 << (first + 2))));
            q[r][k] = _mm512_mask_add_epi8(q[r][k], _mm512_test_epi8_mask(qh, bits), q[r][k], c16);
          }
        }
      }
      AIRAN_UNROLL
      for (int c = 0; c < C; ++c) {
        const uint8_t* a = t.a + c * t.as + s * kQ8KRecordBytes;
        const __m512 da = _mm512_set1_ps(load<float>(a + kQ8KDOffset));
        const __m512 msum = _mm512_zextps256_ps512(
            _mm256_loadu_ps(reinterpret_cast<const float*>(a + kQ8KAuxOffset)));
        AIRAN_UNROLL
        for (int r = 0; r < R; ++r) {
          __m512i isum = _mm512_setzero_si512();
          AIRAN_UNROLL
          for (int k = 0; k < 4; ++k) {
            const __m512i p = _mm512_maddubs_epi16(q[r][k], _mm512_loadu_si512(a + 64 * k));
            isum = dot_s16<V>(isum, p, sc[r][k]);
          }
          acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum),
                                      _mm512_mul_ps(_mm512_set1_ps(dv[r]), da), acc[r][c]);
          acc[r][c] =
              _mm512_fnmadd_ps(_mm512_zextps256_ps512(_mm256_load_ps(mins[r])), msum, acc[r][c]);
        }
      }
    }
    store_tile(t, acc);
  }
};

// ---- Q6_K --------------------------------------------------------------------------------------

template <bool V>
struct Q6_K {
  static constexpr int kRows = 1;
  static constexpr int kCols = 6;
  static constexpr int kGemvRows = 2;
  static int64_t units(int64_t cols) { return cols / 256; }
  static size_t act_unit_bytes(int64_t) { return kQ8KRecordBytes; }

  template <int R, int C>
  static void tile(const TileArgs& t) {
    __m512 acc[R][C];
    AIRAN_UNROLL
    for (auto& row : acc) {
      AIRAN_UNROLL
      for (auto& v : row) v = _mm512_setzero_ps();
    }
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i m30 = _mm512_set1_epi8(0x30);
    // high-bit shifts: lo register (values 0..63 of a half) takes qh bits 0-1 | 2-3, the hi
    // register (64..127) bits 4-5 | 6-7, moved to bits 4-5.
    const __m512i shl_lo =
        _mm512_mask_blend_epi64(0xF0, _mm512_set1_epi16(4), _mm512_set1_epi16(2));
    const __m512i shr_hi =
        _mm512_mask_blend_epi64(0xF0, _mm512_set1_epi16(0), _mm512_set1_epi16(2));
    // register k (half k/2, part k%2) covers scales 8 * half + 4 * part + lane / 8
    const __m512i idx0 = _mm512_set_epi16(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1,
                                          1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    for (int64_t s = t.u0; s < t.u1; ++s) {
      __m512i q[R][4];
      __m512i sc[R][4];
      __m512i off[R];
      __m512 dv[R];
      AIRAN_UNROLL
      for (int r = 0; r < R; ++r) {
        const uint8_t* b = t.w + r * t.ws + s * 210;
        prefetch_l2<210>(b + kRowPrefetchBytes);
        const __m256i s16 =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 192)));
        const __m512i s512 = _mm512_castsi256_si512(s16);
        AIRAN_UNROLL
        for (int k = 0; k < 4; ++k) {
          sc[r][k] =
              _mm512_permutexvar_epi16(_mm512_add_epi16(idx0, _mm512_set1_epi16(4 * k)), s512);
        }
        off[r] = _mm512_zextsi256_si512(
            _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_slli_epi16(s16, 5)));
        dv[r] = _mm512_set1_ps(half_to_float(b + 208));
        AIRAN_UNROLL
        for (int h = 0; h < 2; ++h) {
          const __m512i ql = _mm512_loadu_si512(b + 64 * h);
          const __m512i qh = _mm512_broadcast_i64x4(
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 128 + 32 * h)));
          const __m512i hlo = _mm512_sllv_epi16(qh, shl_lo);
          const __m512i hhi = _mm512_srlv_epi16(qh, shr_hi);
          // (ql & 0x0F) | (h & 0x30)
          q[r][2 * h] = _mm512_ternarylogic_epi32(_mm512_and_si512(ql, m4), hlo, m30, 0xF8);
          q[r][2 * h + 1] = _mm512_ternarylogic_epi32(
              _mm512_and_si512(_mm512_srli_epi16(ql, 4), m4), hhi, m30, 0xF8);
        }
      }
      AIRAN_UNROLL
      for (int c = 0; c < C; ++c) {
        const uint8_t* a = t.a + c * t.as + s * kQ8KRecordBytes;
        const __m512 da = _mm512_set1_ps(load<float>(a + kQ8KDOffset));
        const __m512i bsums = _mm512_zextsi256_si512(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + kQ8KAuxOffset)));
        AIRAN_UNROLL
        for (int r = 0; r < R; ++r) {
          __m512i isum = dot_s16<V>(_mm512_setzero_si512(), bsums, off[r]);
          AIRAN_UNROLL
          for (int k = 0; k < 4; ++k) {
            const __m512i p = _mm512_maddubs_epi16(q[r][k], _mm512_loadu_si512(a + 64 * k));
            isum = dot_s16<V>(isum, p, sc[r][k]);
          }
          acc[r][c] =
              _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dv[r], da), acc[r][c]);
        }
      }
    }
    store_tile(t, acc);
  }
};

// ---- F32 / F16 / BF16 --------------------------------------------------------------------------

template <TensorType T>
struct Float {
  static constexpr int kRows = 4;
  static constexpr int kCols = 4;
  static int64_t units(int64_t cols) { return (cols + 15) / 16; }
  static size_t act_unit_bytes(int64_t) { return 64; }

  static inline __m512 load_w(const uint8_t* p, __mmask16 m) {
    if constexpr (T == TensorType::kF32) {
      return _mm512_maskz_loadu_ps(m, p);
    } else if constexpr (T == TensorType::kF16) {
      return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
    } else {
      return _mm512_castsi512_ps(
          _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
    }
  }

  template <int R, int C>
  static void tile(const TileArgs& t) {
    constexpr int kEsize = T == TensorType::kF32 ? 4 : 2;
    __m512 acc[R][C];
    AIRAN_UNROLL
    for (auto& row : acc) {
      AIRAN_UNROLL
      for (auto& v : row) v = _mm512_setzero_ps();
    }
    for (int64_t u = t.u0; u < t.u1; ++u) {
      const int64_t i = 16 * u;
      const __mmask16 m =
          i + 16 <= t.cols ? __mmask16(0xFFFF) : __mmask16((1u << (t.cols - i)) - 1);
      __m512 w[R];
      AIRAN_UNROLL
      for (int r = 0; r < R; ++r) w[r] = load_w(t.w + r * t.ws + i * kEsize, m);
      AIRAN_UNROLL
      for (int c = 0; c < C; ++c) {
        const __m512 x = _mm512_maskz_loadu_ps(m, t.a + c * t.as + i * 4);
        AIRAN_UNROLL
        for (int r = 0; r < R; ++r) acc[r][c] = _mm512_fmadd_ps(w[r], x, acc[r][c]);
      }
    }
    store_tile(t, acc);
  }
};

// ---- activation quantisation (byte-identical to quantize_activations_portable) -----------------

// 16 floats -> 16 int8 q = nearest-even(x * id) (VCVTPS2DQ under the default rounding mode).
inline __m512i quantize16(__m512 x, __m512 id) {
  return _mm512_cvtps_epi32(_mm512_mul_ps(x, id));
}

inline float amax_of(const float* x, int n16) {
  __m512 m = _mm512_setzero_ps();
  for (int i = 0; i < n16; ++i) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + 16 * i)));
  return _mm512_reduce_max_ps(m);
}

inline void scales_from_amax(float amax, float* d, float* id) {
  *d = amax / 127.0f;
  *id = amax != 0.0f ? 127.0f / amax : 0.0f;
}

// Sums of each 4 consecutive int8 of a 16-byte vector.
inline __m128i word_sums(__m128i q) {
  return _mm_madd_epi16(_mm_maddubs_epi16(_mm_set1_epi8(1), q), _mm_set1_epi16(1));
}

void quantize_q8_groups_avx512(const float* x, int64_t cols, bool q4_0, uint8_t* row) {
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
        q8_0_activation_scale(amax_of(xb, 2), &d, &id);
        const __m512 vid = _mm512_set1_ps(id);
        q0 = _mm512_cvtsepi32_epi8(quantize16(_mm512_loadu_ps(xb), vid));
        q1 = _mm512_cvtsepi32_epi8(quantize16(_mm512_loadu_ps(xb + 16), vid));
      }
      _mm_storeu_si128(reinterpret_cast<__m128i*>(grp + 16 * k), q0);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(grp + 64 + 16 * k), q1);
      _mm_storeu_ps(dl + 4 * k, _mm_set1_ps(d));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bias + 4 * k),
                       _mm_mullo_epi32(_mm_add_epi32(word_sums(q0), word_sums(q1)), bias_k));
    }
  }
}

void quantize_q8_k_avx512(const float* x, int64_t cols, TensorType wt, uint8_t* row) {
  const bool k4 = wt != TensorType::kQ6_K;
  for (int64_t s = 0; s < cols / 256; ++s) {
    const float* xs = x + s * 256;
    uint8_t* rec = row + s * kQ8KRecordBytes;
    float d, id;
    scales_from_amax(amax_of(xs, 16), &d, &id);
    const __m512 vid = _mm512_set1_ps(id);
    alignas(32) int16_t bsums[16];
    alignas(32) float msum[8];
    for (int k = 0; k < 8; ++k) {  // sub-blocks of 32
      const __m512i v0 = quantize16(_mm512_loadu_ps(xs + 32 * k), vid);
      const __m512i v1 = quantize16(_mm512_loadu_ps(xs + 32 * k + 16), vid);
      const int sum0 = _mm512_reduce_add_epi32(v0), sum1 = _mm512_reduce_add_epi32(v1);
      bsums[2 * k] = static_cast<int16_t>(sum0);
      bsums[2 * k + 1] = static_cast<int16_t>(sum1);
      msum[k] = d * static_cast<float>(sum0 + sum1);
      const int pos = k4 ? 128 * (k / 4) + 32 * k4_subblock_pos(k % 4) : 32 * k;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(rec + pos), _mm512_cvtsepi32_epi8(v0));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(rec + pos + 16), _mm512_cvtsepi32_epi8(v1));
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

void quantize_activations_avx512(QuantizedActivations& out, const float* x) {
  detail::quantize_activation_rows(out, x, quantize_q8_groups_avx512, quantize_q8_k_avx512);
}

template <bool V>
class Avx512Kernels final : public MatmulKernels {
 public:
  void quantize_activations(QuantizedActivations& out, TensorType weight_type, const float* x,
                            int64_t batch, int64_t cols) const override {
    detail::prepare_activations(out, weight_type, batch, cols);
    quantize_activations_avx512(out, x);
  }

  void matmul_rows(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t y_stride,
                   int64_t row_begin, int64_t row_end) const override {
    assert(x.weight_type == w.type && x.cols == w.cols);
    assert(0 <= row_begin && row_end <= w.rows);
    if (row_end <= row_begin || x.batch <= 0) return;
    switch (w.layout) {
      case WeightLayout::kGguf:
        break;
      case WeightLayout::kQ4_0x8:
        return RowsX8<V, false>::rows(w, x, y, y_stride, row_begin, row_end);
      case WeightLayout::kQ8_0x8:
        if constexpr (V) return RowsX8<V, true>::rows(w, x, y, y_stride, row_begin, row_end);
        return detail::matmul_rows_via_gguf_rows(*this, w, x, y, y_stride, row_begin, row_end);
    }
    switch (w.type) {
      case TensorType::kQ4_0:
        return detail::drive_tiles<Q8Group<V, true>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ8_0:
        return detail::drive_tiles<Q8Group<V, false>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ4_K:
        return detail::drive_tiles<Q4_K<V, false>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ5_K:
        return detail::drive_tiles<Q4_K<V, true>>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ6_K:
        return detail::drive_tiles<Q6_K<V>>(w, x, y, y_stride, row_begin, row_end);
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

  WeightLayout preferred_layout(TensorType type) const override {
    if (type == TensorType::kQ4_0) return WeightLayout::kQ4_0x8;
    if (type == TensorType::kQ8_0 && V) return WeightLayout::kQ8_0x8;
    return WeightLayout::kGguf;
  }

  std::string_view implementation() const override { return V ? "avx512-vnni" : "avx512"; }
};

}  // namespace

namespace detail {
const MatmulKernels* matmul_kernels_avx512(bool vnni) {
  static const Avx512Kernels<true> with_vnni;
  static const Avx512Kernels<false> without_vnni;
  if (vnni) return &with_vnni;
  return &without_vnni;
}
}  // namespace detail

}  // namespace airan::llm
