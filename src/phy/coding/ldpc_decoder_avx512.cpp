// AVX-512 (BW) instantiation of the layered decoder: 64 lanes per vector, mask registers for
// compares.
#include <immintrin.h>

#include "phy/coding/ldpc_decoder_impl.h"

namespace airan::phy {
namespace {

struct Avx512 {
  static constexpr unsigned kWidth = 64;
  static constexpr const char* kName = "avx512";
  using V = __m512i;
  using M = __mmask64;

  static V load(const int8_t* p) { return _mm512_load_si512(p); }
  static void store(int8_t* p, V a) { _mm512_store_si512(p, a); }
  static V set1(int8_t x) { return _mm512_set1_epi8(x); }
  static V adds(V a, V b) { return _mm512_adds_epi8(a, b); }
  static V subs(V a, V b) { return _mm512_subs_epi8(a, b); }
  static V min(V a, V b) { return _mm512_min_epi8(a, b); }
  static V max(V a, V b) { return _mm512_max_epi8(a, b); }
  static V abs(V a) { return _mm512_abs_epi8(a); }
  static V bxor(V a, V b) { return _mm512_xor_si512(a, b); }
  static M lt(V a, V b) { return _mm512_cmplt_epi8_mask(a, b); }
  static M eq(V a, V b) { return _mm512_cmpeq_epi8_mask(a, b); }
  static V select(M m, V a, V b) { return _mm512_mask_blend_epi8(m, b, a); }
  static V negate_if(M m, V a) { return _mm512_mask_sub_epi8(a, m, _mm512_setzero_si512(), a); }
  // Four 16-entry in-lane shuffles (no VBMI needed), each kept where the index selects its quarter.
  static V lookup64(V idx, const int8_t* lut) {
    const V quarter = _mm512_and_si512(_mm512_srli_epi16(idx, 4), _mm512_set1_epi8(0x0f));
    V r = _mm512_setzero_si512();
    for (int q = 0; q < 4; ++q) {
      const V table = _mm512_load_si512(lut + 64 * q);
      r = _mm512_mask_mov_epi8(r, _mm512_cmpeq_epi8_mask(quarter, _mm512_set1_epi8(static_cast<char>(q))), _mm512_shuffle_epi8(table, idx));
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<LdpcDecoder> create_ldpc_decoder_avx512() {
  return std::make_unique<detail::LdpcDecoderLayered<Avx512>>();
}

}  // namespace airan::phy
