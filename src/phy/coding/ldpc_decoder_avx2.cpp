// AVX2 instantiation of the layered decoder: 32 lanes per vector.
#include <immintrin.h>

#include "phy/coding/ldpc_decoder_impl.h"

namespace airan::phy {
namespace {

struct Avx2 {
  static constexpr unsigned kWidth = 32;
  static constexpr const char* kName = "avx2";
  using V = __m256i;
  using M = __m256i;  // 0 or -1 per byte

  static V load(const int8_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store(int8_t* p, V a) { _mm256_store_si256(reinterpret_cast<__m256i*>(p), a); }
  static V set1(int8_t x) { return _mm256_set1_epi8(x); }
  static V adds(V a, V b) { return _mm256_adds_epi8(a, b); }
  static V subs(V a, V b) { return _mm256_subs_epi8(a, b); }
  static V min(V a, V b) { return _mm256_min_epi8(a, b); }
  static V max(V a, V b) { return _mm256_max_epi8(a, b); }
  static V abs(V a) { return _mm256_abs_epi8(a); }
  static V bxor(V a, V b) { return _mm256_xor_si256(a, b); }
  static M lt(V a, V b) { return _mm256_cmpgt_epi8(b, a); }
  static M eq(V a, V b) { return _mm256_cmpeq_epi8(a, b); }
  static V select(M m, V a, V b) { return _mm256_blendv_epi8(b, a, m); }
  static V negate_if(M m, V a) { return _mm256_sub_epi8(_mm256_xor_si256(a, m), m); }
  // Four 16-entry in-lane shuffles, each kept where the index's high bits select its quarter.
  static V lookup64(V idx, const int8_t* lut) {
    const V quarter = _mm256_and_si256(_mm256_srli_epi16(idx, 4), _mm256_set1_epi8(0x0f));
    V r = _mm256_setzero_si256();
    for (int q = 0; q < 4; ++q) {
      const V table = _mm256_load_si256(reinterpret_cast<const __m256i*>(lut + 64 * q));
      r = _mm256_blendv_epi8(r, _mm256_shuffle_epi8(table, idx), _mm256_cmpeq_epi8(quarter, _mm256_set1_epi8(static_cast<char>(q))));
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<LdpcDecoder> create_ldpc_decoder_avx2() {
  return std::make_unique<detail::LdpcDecoderLayered<Avx2>>();
}

}  // namespace airan::phy
