#pragma once
// Block layouts of the ggml tensor types the engine computes with, their scalar (de)coding, and
// the layouts of the quantised activations that meet them in matmul_rows.
//
// Weight blocks (ggml, little-endian, no padding):
//   Q8_0  32 values, 34 B: f16 d, int8 qs[32]                     x = d * q
//   Q4_0  32 values, 18 B: f16 d, u8 qs[16]                       x = d * (q - 8); value j < 16 is
//                                                                 the low nibble of qs[j], value
//                                                                 j + 16 its high nibble
//   Q4_K 256 values, 144 B: f16 d, f16 dmin, u8 scales[12], u8 qs[128]
//        8 sub-blocks of 32, each with a 6-bit scale sc and 6-bit min m packed into scales[12]
//        (see scale_min_k4); x = d * sc * q - dmin * m. The 64 values 64j..64j+63 (sub-blocks 2j
//        and 2j+1) are the low and the high nibbles of qs[32j .. 32j+31].
//   Q5_K 256 values, 176 B: f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]
//        as Q4_K with a fifth bit: bit k of qh[l] is the high bit of value 32k + l.
//   Q6_K 256 values, 210 B: u8 ql[128], u8 qh[64], int8 scales[16], f16 d
//        16 sub-blocks of 16 with an int8 scale each; x = d * scales[i / 16] * (q - 32). In each
//        half h (128 values), value l (l < 64) is the low nibble of ql[64h + l], value 64 + l the
//        high nibble; the two high bits of value 32s + l (l < 32, s < 4) are bits 2s, 2s+1 of
//        qh[32h + l].
//   Q8_K 256 values, 292 B: f32 d, int8 qs[256], int16 bsums[16]  (ggml's activation format for
//        the K-quants; bsums are the sums of each 16 qs)

#include <cmath>
#include <cstdint>
#include <cstring>

namespace airan::llm::quant {

inline constexpr int kQK = 32;    // Q4_0 / Q8_0 block
inline constexpr int kQKK = 256;  // K-quant super-block

struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[32];
};
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[16];
};
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
};
struct BlockQ6_K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
struct BlockQ8_K {
  float d;
  int8_t qs[256];
  int16_t bsums[16];
};
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// ---- scalar helpers (blocks in a mapped file may sit at any address: read through memcpy) ----

template <typename T>
inline T load(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float f32_from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// IEEE half -> float, exact for every input (subnormals, inf, NaN).
inline float f16_to_f32(uint16_t h) {
  const uint32_t w = static_cast<uint32_t>(h) << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  const float normalized = f32_from_bits((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
  const float denormalized = f32_from_bits((two_w >> 17) | (126u << 23)) - 0.5f;
  const uint32_t bits = two_w < (1u << 27) ? f32_bits(denormalized) : f32_bits(normalized);
  return f32_from_bits(sign | bits);
}

/// float -> IEEE half, round to nearest even; overflow gives inf, NaN stays NaN.
inline uint16_t f32_to_f16(float f) {
  float base = (std::fabs(f) * 0x1.0p+112f) * 0x1.0p-110f;
  const uint32_t w = f32_bits(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = f32_from_bits((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = f32_bits(base);
  const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const uint32_t mantissa_bits = bits & 0x00000FFFu;
  const uint32_t nonsign = exp_bits + mantissa_bits;
  return static_cast<uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

inline float bf16_to_f32(uint16_t h) {
  return f32_from_bits(static_cast<uint32_t>(h) << 16);
}

/// float -> bfloat16, round to nearest even; NaN stays a (quiet) NaN.
inline uint16_t f32_to_bf16(float f) {
  const uint32_t u = f32_bits(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
  return static_cast<uint16_t>((u + (0x7FFFu + ((u >> 16) & 1u))) >> 16);
}

inline float f16_at(const uint8_t* p) {
  return f16_to_f32(load<uint16_t>(p));
}

/// Scale and min of sub-block j (0..7) of a Q4_K / Q5_K super-block from its 12 packed bytes:
/// sub-blocks 0..3 keep 6-bit scale / min in the low bits of bytes j / j+4; sub-blocks 4..7 keep
/// their low 4 bits in the nibbles of byte j+4 and their top 2 bits in the top bits of bytes
/// j-4 (scale) and j (min).
inline void scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

/// Inverse of scale_min_k4 for all 8 sub-blocks (sc, m < 64).
inline void pack_scale_min_k4(const uint8_t* sc, const uint8_t* m, uint8_t* q) {
  for (int j = 0; j < 12; ++j) q[j] = 0;
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      q[j] = static_cast<uint8_t>(q[j] | sc[j]);
      q[j + 4] = static_cast<uint8_t>(q[j + 4] | m[j]);
    } else {
      q[j + 4] = static_cast<uint8_t>((sc[j] & 0xF) | ((m[j] & 0xF) << 4));
      q[j - 4] = static_cast<uint8_t>(q[j - 4] | ((sc[j] >> 4) << 6));
      q[j] = static_cast<uint8_t>(q[j] | ((m[j] >> 4) << 6));
    }
  }
}

// ---- repacked Q4_0 / Q8_0 weights (WeightLayout::kQ4_0x8, kQ8_0x8) ----------------------------
//
// Rows in groups of 8 (the last padded with zero rows), each group a run of "quads" of 4 blocks
// (the last padded with zero blocks), so that a GEMV reads one forward stream:
//   bytes [Q k, Q k + Q):   the quants of block k of the quad for the 8 rows (Q = kBlockQs bytes),
//                           as 64-byte registers: byte 64m + 8i + j of register m is byte
//                           src(m) + j of row i's quants (qs, 2 bytes into the GGUF block),
//                           Q8_0's as q + 128 (unsigned, for VPDPBUSD);
//   bytes [4Q + 16k, +16):  the 8 f16 scales d of block k, row i at 2i.
// Q4_0 (Q = 128): register p holds qs[8p..8p+7] (values 8p + j low nibble, 16 + 8p + j high).
// Q8_0 (Q = 256): register 2p + n holds values 16n + 8p + j, the values Q4_0's register p holds
// in its low (n = 0) or high (n = 1) nibbles, so both meet the activations the same way.
// A quad of weights meets one Q8 group of activations.

inline constexpr int64_t kX8Rows = 8;

template <bool kQ8>
struct X8Layout {
  static constexpr int kRegisters = kQ8 ? 4 : 2;       // 64-byte registers of a block
  static constexpr size_t kBlockQs = 64 * kRegisters;  // quant bytes of a block (8 rows)
  static constexpr size_t kQuadScales = 4 * kBlockQs;  // offset of the scales in a quad
  static constexpr size_t kQuadBytes = kQuadScales + 4 * 16;
  static constexpr uint8_t kFlip = kQ8 ? 0x80 : 0x00;  // stored = GGUF byte ^ kFlip

  /// Offset in a GGUF block's quants of the 8 bytes register m holds.
  static constexpr size_t src(int m) { return kQ8 ? 16 * (m % 2) + 8 * (m / 2) : 8 * m; }

  /// Offsets in a group of the quants and of the scales of block b.
  static size_t qs_offset(int64_t b) {
    return kQuadBytes * static_cast<size_t>(b / 4) + kBlockQs * static_cast<size_t>(b % 4);
  }
  static size_t d_offset(int64_t b) {
    return kQuadBytes * static_cast<size_t>(b / 4) + kQuadScales + 16 * static_cast<size_t>(b % 4);
  }

  /// Bytes of one group of 8 rows of `cols` values (a multiple of 64).
  static size_t group_bytes(int64_t cols) {
    return kQuadBytes * static_cast<size_t>((cols / kQK + 3) / 4);
  }
};

// ---- activation layouts (QuantizedActivations::data, one row = row_bytes) ----------------------
//
// All implementations write byte-identical activations (same rounding: q = nearest-even of
// x * (127 / amax)), so any implementation's activations feed any implementation's matmul.
//
// F32 / F16 / BF16 weights: the row as `cols` floats.
//
// Q4_0 / Q8_0 weights ("Q8 groups"): the row's cols/32 blocks of 32, padded with all-zero blocks
// to a multiple of 4, in groups of 4 blocks (128 values, 256 bytes). Each block: d = amax / 127
// (f32), q = round(x / d). Group layout:
//   qs[128]    int8: the first halves (values 0..15) of blocks 0..3, then their second halves,
//              so that a Q4_0 block's low and high nibbles (and the two halves of a Q8_0 block)
//              meet 16 consecutive bytes each, and the 4 blocks fill one 512-bit register twice.
//   dl[16]     f32 per 32-bit word of the first 64 bytes of qs ("lane scales", ready for a vector
//              multiply): the d of the block that word belongs to (block w / 4).
//   bias[16]   int32 per such word: -K * (sum of the 4 q of that word and of the matching word of
//              the second half), K = 8 for Q4_0 (weights stored as q + 8) and K = 128 for Q8_0
//              (kernels may read the weights as q + 128). Summed over a block's 4 words it is
//              -K * (sum of the block's q).
// Q4_K / Q5_K / Q6_K weights ("Q8_K"): per super-block of 256 values a 320-byte record:
//   qs[256]    int8, d = amax / 127 over the 256 values. Q6_K weights: natural order. Q4_K /
//              Q5_K weights: per half of 128 the sub-blocks of 32 in the order 0, 2, 1, 3 (the
//              low nibbles of two consecutive 32-byte chunks of qs, then their high nibbles).
//   aux[32]    Q4_K / Q5_K: f32 msum[8] = d * (sum of the q of sub-block k), k in natural order.
//              Q6_K: int16 bsums[16] = sums of each 16 q (natural order).
//   d          f32 at byte 288; bytes 292..319 are zero.

inline constexpr int kQ8GroupBlocks = 4;
inline constexpr int kQ8GroupValues = 128;

/// Bytes of one Q8 group: qs[128] + dl[16] + bias[16].
inline constexpr int kQ8GroupBytes = 256;
inline constexpr int kQ8GroupDl = 128;    // offset of dl
inline constexpr int kQ8GroupBias = 192;  // offset of bias

inline constexpr int kQ8KRecordBytes = 320;
inline constexpr int kQ8KAuxOffset = 256;
inline constexpr int kQ8KDOffset = 288;

/// Position within a Q4_K/Q5_K activation half (128 values) of natural sub-block k (0..3).
inline constexpr int k4_subblock_pos(int k) {
  return (k == 1) ? 2 : (k == 2) ? 1 : k;
}

/// Nearest integer, ties to even (what the SIMD conversions do under the default rounding mode),
/// clamped to [lo, hi]; NaN gives the value in range nearest 0 (no undefined conversion).
inline int32_t round_clamp(float x, int32_t lo, int32_t hi) {
  // |x| < 2^22: adding and removing 1.5 * 2^23 rounds to nearest even (no libm call).
  const float r = std::fabs(x) < 4194304.0f ? (x + 12582912.0f) - 12582912.0f : std::nearbyint(x);
  if (r != r) return lo > 0 ? lo : (hi < 0 ? hi : 0);
  if (r <= static_cast<float>(lo)) return lo;
  if (r >= static_cast<float>(hi)) return hi;
  return static_cast<int32_t>(r);
}

// Q8_0 activation blocks as ggml makes them, so results match llama.cpp: the scale d = amax/127
// is stored (and multiplied) as F16, while values are quantised with the unrounded 1 / d.
inline void q8_0_activation_scale(float amax, float* d, float* id) {
  const float exact = amax / 127.0f;
  *d = f16_to_f32(f32_to_f16(exact));
  *id = exact != 0.0f ? 1.0f / exact : 0.0f;
}

// ggml multiplies F16 / BF16 weights with activations converted to the same type: round `n`
// float activations to F16 (bf16 false) or BF16 (bf16 true) precision in place.
inline void round_activations(float* v, int64_t n, bool bf16) {
  for (int64_t i = 0; i < n; ++i)
    v[i] = bf16 ? bf16_to_f32(f32_to_bf16(v[i])) : f16_to_f32(f32_to_f16(v[i]));
}

}  // namespace airan::llm::quant
