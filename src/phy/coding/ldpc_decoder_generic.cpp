// Portable instantiation of the layered decoder: 16-lane arrays the compiler vectorises for the
// baseline instruction set.
#include <cstring>

#include "phy/coding/ldpc_decoder_impl.h"

namespace airan::phy {
namespace {

struct Generic {
  static constexpr unsigned kWidth = 16;
  static constexpr const char* kName = "portable";
  // GCC/Clang vector extensions: plain C++ that compiles to the baseline SIMD of any target.
  using V = int8_t __attribute__((vector_size(16)));
  using M = V;  // 0 or -1 per lane
  using Wide = int16_t __attribute__((vector_size(32)));

  static V load(const int8_t* p) { V r; std::memcpy(&r, p, sizeof(r)); return r; }
  static void store(int8_t* p, V a) { std::memcpy(p, &a, sizeof(a)); }
  static V set1(int8_t x) { return V{} + x; }
  static V saturate(Wide w) {
    w = w > Wide{} + 127 ? Wide{} + 127 : w;
    w = w < Wide{} - 128 ? Wide{} - 128 : w;
    return __builtin_convertvector(w, V);
  }
  static V adds(V a, V b) { return saturate(__builtin_convertvector(a, Wide) + __builtin_convertvector(b, Wide)); }
  static V subs(V a, V b) { return saturate(__builtin_convertvector(a, Wide) - __builtin_convertvector(b, Wide)); }
  static V min(V a, V b) { return a < b ? a : b; }
  static V max(V a, V b) { return a > b ? a : b; }
  static V abs(V a) { return a < 0 ? -a : a; }  // callers keep a >= -127
  static V bxor(V a, V b) { return a ^ b; }
  static M lt(V a, V b) { return a < b; }
  static M eq(V a, V b) { return a == b; }
  static V select(M m, V a, V b) { return m ? a : b; }
  static V negate_if(M m, V a) { return m ? -a : a; }
  static V lookup64(V idx, const int8_t* lut) {
    V r;
    for (unsigned i = 0; i < kWidth; ++i) r[i] = lut[(idx[i] / 16) * 64 + idx[i] % 16];
    return r;
  }
};

}  // namespace

std::unique_ptr<LdpcDecoder> create_ldpc_decoder_generic() {
  return std::make_unique<detail::LdpcDecoderLayered<Generic>>();
}

}  // namespace airan::phy
