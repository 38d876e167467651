// Portable instantiation of the layered decoder: 16-lane arrays the compiler vectorises for the
// baseline instruction set.
#include <algorithm>

#include "phy/coding/ldpc_decoder_impl.h"

namespace airan::phy {
namespace {

struct Generic {
  static constexpr unsigned kWidth = 16;
  static constexpr const char* kName = "portable";
  struct V {
    int8_t v[kWidth];
  };
  using M = V;  // 0 or -1 per lane

  template <typename F>
  static V map(F f) {
    V r;
    for (unsigned i = 0; i < kWidth; ++i) r.v[i] = f(i);
    return r;
  }
  static int8_t sat(int x) { return static_cast<int8_t>(std::clamp(x, -128, 127)); }

  static V load(const int8_t* p) { V r; std::copy_n(p, kWidth, r.v); return r; }
  static void store(int8_t* p, V a) { std::copy_n(a.v, kWidth, p); }
  static V set1(int8_t x) { return map([&](unsigned) { return x; }); }
  static V adds(V a, V b) { return map([&](unsigned i) { return sat(a.v[i] + b.v[i]); }); }
  static V subs(V a, V b) { return map([&](unsigned i) { return sat(a.v[i] - b.v[i]); }); }
  static V min(V a, V b) { return map([&](unsigned i) { return std::min(a.v[i], b.v[i]); }); }
  static V max(V a, V b) { return map([&](unsigned i) { return std::max(a.v[i], b.v[i]); }); }
  static V abs(V a) { return map([&](unsigned i) { return sat(a.v[i] < 0 ? -a.v[i] : a.v[i]); }); }
  static V bxor(V a, V b) { return map([&](unsigned i) { return static_cast<int8_t>(a.v[i] ^ b.v[i]); }); }
  static M lt(V a, V b) { return map([&](unsigned i) { return static_cast<int8_t>(a.v[i] < b.v[i] ? -1 : 0); }); }
  static M eq(V a, V b) { return map([&](unsigned i) { return static_cast<int8_t>(a.v[i] == b.v[i] ? -1 : 0); }); }
  static V select(M m, V a, V b) { return map([&](unsigned i) { return m.v[i] ? a.v[i] : b.v[i]; }); }
  static V negate_if(M m, V a) { return map([&](unsigned i) { return static_cast<int8_t>(m.v[i] ? -a.v[i] : a.v[i]); }); }
  static V lookup64(V idx, const int8_t* lut) { return map([&](unsigned i) { return lut[(idx.v[i] / 16) * 64 + idx.v[i] % 16]; }); }
};

}  // namespace

std::unique_ptr<LdpcDecoder> create_ldpc_decoder_generic() {
  return std::make_unique<detail::LdpcDecoderLayered<Generic>>();
}

}  // namespace airan::phy
