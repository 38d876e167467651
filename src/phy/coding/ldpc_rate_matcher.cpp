#include "airan/phy/coding/ldpc_rate_matcher.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace airan::phy {
namespace {

// TS 38.212 Table 5.4.2.1-2: k0 = floor(c_rv * Ncb / N) * Z, with N = 66Z (BG1) or 50Z (BG2).
constexpr unsigned kK0NumeratorBg1[4] = {0, 17, 33, 56};
constexpr unsigned kK0NumeratorBg2[4] = {0, 13, 25, 43};

/// The circular buffer of one configuration: [0, ncb) less the filler gap [gap_begin, gap_end).
/// With no filler inside the buffer, gap_begin == gap_end == ncb.
struct CircularBuffer {
  unsigned ncb;
  unsigned k0;
  unsigned gap_begin;
  unsigned gap_end;
};

CircularBuffer circular_buffer(const LdpcRateMatchConfig& cfg) {
  CircularBuffer cb{};
  cb.ncb = ldpc_ncb(cfg);
  cb.k0 = ldpc_k0(cfg);
  // TS 38.212 5.4.2.1: filler bits d[K-F-2Z .. K-2Z-1] are <NULL> and never selected.
  const unsigned k_sent = ldpc_k(cfg.bg, cfg.z) - 2 * cfg.z;
  const unsigned begin = k_sent - cfg.filler;
  if (cfg.filler == 0 || begin >= cb.ncb) {
    cb.gap_begin = cb.gap_end = cb.ncb;
  } else {
    cb.gap_begin = begin;
    cb.gap_end = std::min(k_sent, cb.ncb);
  }
  return cb;
}

/// Calls fn(d_pos, e_pos, len) for each contiguous run of the bit selection of TS 38.212 5.4.2.1:
/// e[e_pos .. e_pos+len) = d[d_pos .. d_pos+len). Runs break only at the filler gap and at the
/// wrap from Ncb back to 0, so there is no per-bit modulo.
template <typename Fn>
void for_each_selected_run(const CircularBuffer& cb, size_t e_len, Fn&& fn) {
  unsigned pos = cb.k0;
  if (pos >= cb.gap_begin && pos < cb.gap_end) pos = cb.gap_end;
  if (pos == cb.ncb) pos = 0;
  size_t k = 0;
  while (k < e_len) {
    // pos is never inside the gap, so each run has at least one bit.
    const unsigned run_end = pos < cb.gap_begin ? cb.gap_begin : cb.ncb;
    const size_t len = std::min<size_t>(run_end - pos, e_len - k);
    fn(pos, k, len);
    k += len;
    pos += static_cast<unsigned>(len);
    if (pos == cb.gap_begin) pos = cb.gap_end;
    if (pos == cb.ncb) pos = 0;
  }
}

// TS 38.212 5.4.2.2 bit interleaving: f[i*Qm + q] = e[q*(E/Qm) + i]. A compile-time Qm lets the
// compiler unroll the inner loop; `first` lets the SIMD paths hand over their tail.
template <unsigned Qm, typename T>
void interleave(T* __restrict f, const T* __restrict e, size_t per_row, size_t first = 0) {
  for (size_t i = first; i < per_row; ++i) {
    for (unsigned q = 0; q < Qm; ++q) f[i * Qm + q] = e[q * per_row + i];
  }
}

template <unsigned Qm, typename T>
void deinterleave(T* __restrict e, const T* __restrict f, size_t per_row, size_t first = 0) {
  for (size_t i = first; i < per_row; ++i) {
    for (unsigned q = 0; q < Qm; ++q) e[q * per_row + i] = f[i * Qm + q];
  }
}

#if defined(__SSE2__)
// SSE2 is part of x86-64 itself, so these need no run-time dispatch. Qm = 6 and 8 (de)interleave
// 16 symbols at a time as a 16 x 8 byte matrix (Qm = 6 in 8-byte slots); the compiler vectorises
// the scalar loops well enough for the other cases.

/// One perfect-shuffle round over 128 bytes in 8 registers: rotates the 7-bit byte index left by 1.
inline void shuffle_round(__m128i x[8]) {
  __m128i y[8];
  for (int j = 0; j < 4; ++j) {
    y[2 * j] = _mm_unpacklo_epi8(x[j], x[j + 4]);
    y[2 * j + 1] = _mm_unpackhi_epi8(x[j], x[j + 4]);
  }
  for (int r = 0; r < 8; ++r) x[r] = y[r];
}

/// Deinterleave for Qm = 6 or 8; returns the first symbol index left for the scalar tail.
template <unsigned Qm>
size_t deinterleave_sse2(uint8_t* __restrict e, const uint8_t* __restrict f, size_t per_row) {
  static_assert(Qm == 6 || Qm == 8);
  const size_t len = per_row * Qm;
  size_t i = 0;
  // Each 8-byte load of symbol s reads 8 - Qm bytes of symbol s+1: stay inside f.
  for (; (i + 15) * Qm + 8 <= len; i += 16) {
    __m128i x[8];
    for (size_t r = 0; r < 8; ++r) {
      const uint8_t* s = f + (i + 2 * r) * Qm;
      x[r] = _mm_unpacklo_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s)),
                                _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s + Qm)));
    }
    // Byte index (symbol:4, q:3) becomes (q:3, symbol:4): register q holds row q.
    for (int round = 0; round < 4; ++round) shuffle_round(x);
    for (unsigned q = 0; q < Qm; ++q) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(e + q * per_row + i), x[q]);
    }
  }
  return i;
}

/// Interleave for Qm = 6 or 8; returns the first symbol index left for the scalar tail.
template <unsigned Qm>
size_t interleave_sse2(uint8_t* __restrict f, const uint8_t* __restrict e, size_t per_row) {
  static_assert(Qm == 6 || Qm == 8);
  const size_t len = per_row * Qm;
  size_t i = 0;
  // Each 8-byte store of symbol s spills 8 - Qm bytes into symbol s+1, which the next store
  // rewrites: stores go in ascending order and stay inside f.
  for (; (i + 15) * Qm + 8 <= len; i += 16) {
    __m128i x[8];
    for (unsigned q = 0; q < 8; ++q) {
      x[q] = q < Qm ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(e + q * per_row + i))
                    : _mm_setzero_si128();
    }
    // Byte index (q:3, symbol:4) becomes (symbol:4, q:3).
    for (int round = 0; round < 3; ++round) shuffle_round(x);
    for (size_t r = 0; r < 8; ++r) {
      uint8_t* s = f + (i + 2 * r) * Qm;
      _mm_storel_epi64(reinterpret_cast<__m128i*>(s), x[r]);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(s + Qm), _mm_srli_si128(x[r], 8));
    }
  }
  return i;
}
#endif

template <unsigned Qm, typename T>
void interleave_simd(T* f, const T* e, size_t per_row) {
  size_t first = 0;
#if defined(__SSE2__)
  // For Qm = 8 the compiler's own vectorisation of the scalar loop is faster.
  if constexpr (Qm == 6) {
    first = interleave_sse2<Qm>(reinterpret_cast<uint8_t*>(f), reinterpret_cast<const uint8_t*>(e),
                                per_row);
  }
#endif
  interleave<Qm>(f, e, per_row, first);
}

template <unsigned Qm, typename T>
void deinterleave_simd(T* e, const T* f, size_t per_row) {
  size_t first = 0;
#if defined(__SSE2__)
  if constexpr (Qm >= 6) {
    first = deinterleave_sse2<Qm>(reinterpret_cast<uint8_t*>(e),
                                  reinterpret_cast<const uint8_t*>(f), per_row);
  }
#endif
  deinterleave<Qm>(e, f, per_row, first);
}

template <typename T>
void interleave_any(T* f, const T* e, size_t len, unsigned qm) {
  const size_t per_row = len / qm;
  switch (qm) {
    case 2:
      interleave_simd<2>(f, e, per_row);
      break;
    case 4:
      interleave_simd<4>(f, e, per_row);
      break;
    case 6:
      interleave_simd<6>(f, e, per_row);
      break;
    case 8:
      interleave_simd<8>(f, e, per_row);
      break;
    default:
      std::memcpy(f, e, len * sizeof(T));
      break;
  }
}

template <typename T>
void deinterleave_any(T* e, const T* f, size_t len, unsigned qm) {
  const size_t per_row = len / qm;
  switch (qm) {
    case 2:
      deinterleave_simd<2>(e, f, per_row);
      break;
    case 4:
      deinterleave_simd<4>(e, f, per_row);
      break;
    case 6:
      deinterleave_simd<6>(e, f, per_row);
      break;
    case 8:
      deinterleave_simd<8>(e, f, per_row);
      break;
    default:
      std::memcpy(e, f, len * sizeof(T));
      break;
  }
}

/// dst[t] = clamp(dst[t] + src[t], -127, 127): soft combining of repeated bits.
void add_saturating(int8_t* __restrict dst, const int8_t* __restrict src, size_t len) {
  size_t t = 0;
#if defined(__SSE2__)
  // adds saturates at -128; the symmetric range wants -127, so lift -128 by one.
  const __m128i minus128 = _mm_set1_epi8(-128);
  for (; t + 16 <= len; t += 16) {
    __m128i x = _mm_adds_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(dst + t)),
                              _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + t)));
    x = _mm_sub_epi8(x, _mm_cmpeq_epi8(x, minus128));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + t), x);
  }
#endif
  for (; t < len; ++t) {
    const int sum = static_cast<int>(dst[t]) + static_cast<int>(src[t]);
    dst[t] = static_cast<int8_t>(std::clamp(sum, -127, 127));
  }
}

/// A per-thread scratch of at least `len` elements; grows only, so steady state allocates nothing.
template <typename T>
T* scratch(size_t len) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < len) buffer.resize(len);
  return buffer.data();
}

std::string size_error(const char* name, size_t got, size_t want) {
  return std::string(name) + ".size()=" + std::to_string(got) + " must equal " +
         std::to_string(want);
}

}  // namespace

unsigned ldpc_ncb(const LdpcRateMatchConfig& cfg) {
  const unsigned n = ldpc_n(cfg.bg, cfg.z);
  // TS 38.212 5.4.2.1: Ncb = N without limited-buffer rate matching, else min(N, Nref).
  return cfg.n_ref == 0 ? n : std::min(n, cfg.n_ref);
}

unsigned ldpc_k0(const LdpcRateMatchConfig& cfg) {
  if (cfg.rv > 3 || cfg.z == 0) return 0;
  const unsigned c_rv =
      cfg.bg == LdpcBaseGraph::bg1 ? kK0NumeratorBg1[cfg.rv] : kK0NumeratorBg2[cfg.rv];
  const uint64_t n = ldpc_n(cfg.bg, cfg.z);
  // floor(c_rv * Ncb / (66Z)) * Z (BG1), floor(c_rv * Ncb / (50Z)) * Z (BG2).
  return static_cast<unsigned>(uint64_t{c_rv} * ldpc_ncb(cfg) / n) * cfg.z;
}

Status ldpc_rate_match_validate(const LdpcRateMatchConfig& cfg) {
  if (cfg.bg != LdpcBaseGraph::bg1 && cfg.bg != LdpcBaseGraph::bg2) {
    return Error{"bg=" + std::to_string(static_cast<unsigned>(cfg.bg)) + " must be 1 or 2"};
  }
  if (ldpc_lifting_set_index(cfg.z) < 0) {
    return Error{"z=" + std::to_string(cfg.z) +
                 " is not a lifting size of TS 38.212 Table 5.3.2-1 (2..384, a*2^j with a in "
                 "{2,3,5,7,9,11,13,15})"};
  }
  if (cfg.rv > 3) return Error{"rv=" + std::to_string(cfg.rv) + " must be in 0..3"};
  if (cfg.qm != 1 && cfg.qm != 2 && cfg.qm != 4 && cfg.qm != 6 && cfg.qm != 8) {
    return Error{"qm=" + std::to_string(cfg.qm) + " must be one of 1, 2, 4, 6, 8"};
  }
  if (cfg.e == 0 || cfg.e % cfg.qm != 0) {
    return Error{"e=" + std::to_string(cfg.e) +
                 " must be a positive multiple of qm=" + std::to_string(cfg.qm)};
  }
  // The filler sits in the systematic part that is sent, d[0 .. K-2Z-1], and must leave at least
  // one information bit there.
  const unsigned k_sent = ldpc_k(cfg.bg, cfg.z) - 2 * cfg.z;
  if (cfg.filler >= k_sent) {
    return Error{"filler=" + std::to_string(cfg.filler) + " must be in 0.." +
                 std::to_string(k_sent - 1) + " (below K-2Z for Z=" + std::to_string(cfg.z) + ")"};
  }
  // A limited buffer must at least hold every information bit that is sent (K-2Z-F); TS 38.212
  // 5.4.2.1 sizes it at 3/2 of the code block's share of TBS_LBRM, always more than that.
  const unsigned min_ref = k_sent - cfg.filler;
  if (cfg.n_ref != 0 && cfg.n_ref < min_ref) {
    return Error{"n_ref=" + std::to_string(cfg.n_ref) + " must be 0 (full buffer) or at least " +
                 std::to_string(min_ref) + " (K-2Z-F)"};
  }
  return Status::ok();
}

Status ldpc_rate_match(std::span<uint8_t> out, std::span<const uint8_t> d,
                       const LdpcRateMatchConfig& cfg) {
  if (Status s = ldpc_rate_match_validate(cfg); !s) return s;
  const size_t n = ldpc_n(cfg.bg, cfg.z);
  if (d.size() != n) return Error{size_error("d", d.size(), n)};
  if (out.size() != cfg.e) return Error{size_error("out", out.size(), cfg.e)};

  const CircularBuffer cb = circular_buffer(cfg);
  // With Qm = 1 the interleaver is the identity: select straight into `out`.
  uint8_t* e = cfg.qm == 1 ? out.data() : scratch<uint8_t>(cfg.e);
  const uint8_t* src = d.data();
  for_each_selected_run(
      cb, cfg.e, [&](unsigned pos, size_t k, size_t len) { std::memcpy(e + k, src + pos, len); });
  if (cfg.qm != 1) interleave_any(out.data(), e, cfg.e, cfg.qm);
  return Status::ok();
}

Status ldpc_rate_dematch(std::span<int8_t> d_llrs, std::span<const int8_t> llrs,
                         const LdpcRateMatchConfig& cfg, bool combine) {
  if (Status s = ldpc_rate_match_validate(cfg); !s) return s;
  const size_t n = ldpc_n(cfg.bg, cfg.z);
  if (d_llrs.size() != n) return Error{size_error("d_llrs", d_llrs.size(), n)};
  if (llrs.size() != cfg.e) return Error{size_error("llrs", llrs.size(), cfg.e)};

  const CircularBuffer cb = circular_buffer(cfg);
  const int8_t* e = llrs.data();
  if (cfg.qm != 1) {
    int8_t* buf = scratch<int8_t>(cfg.e);
    deinterleave_any(buf, llrs.data(), cfg.e, cfg.qm);
    e = buf;
  }
  if (!combine) std::memset(d_llrs.data(), 0, n);
  int8_t* dst = d_llrs.data();
  for_each_selected_run(cb, cfg.e, [&](unsigned pos, size_t k, size_t len) {
    add_saturating(dst + pos, e + k, len);
  });
  // Filler bits are known zeros (TS 38.212 5.2.2), whether or not they lie inside Ncb.
  const unsigned k_sent = ldpc_k(cfg.bg, cfg.z) - 2 * cfg.z;
  std::memset(dst + (k_sent - cfg.filler), 127, cfg.filler);
  return Status::ok();
}

unsigned ldpc_code_block_e(unsigned r, unsigned num_code_blocks, unsigned g, unsigned num_layers,
                           unsigned qm) {
  if (num_code_blocks == 0 || r >= num_code_blocks || num_layers == 0 || qm == 0) return 0;
  // TS 38.212 5.4.2.1 (all C blocks scheduled, C' = C): G' = G / (NL*Qm); block j gets
  // NL*Qm*floor(G'/C) when j <= C - mod(G', C) - 1, else NL*Qm*ceil(G'/C).
  const unsigned unit = num_layers * qm;
  const unsigned g_symbols = g / unit;
  const unsigned floor_share = g_symbols / num_code_blocks;
  const unsigned rem = g_symbols % num_code_blocks;
  const bool gets_floor = r < num_code_blocks - rem;
  return unit * (gets_floor ? floor_share : floor_share + 1);
}

}  // namespace airan::phy
