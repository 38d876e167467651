// MMSE equaliser: recovers symbols through random MIMO channels; noise estimates are consistent.
#include "airan/phy/equalizer/mmse_equalizer.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace airan::phy {
namespace {

TEST(MmseEqualizer, RecoversLayersThroughRandomChannels) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, std::sqrt(0.5f));
  for (unsigned nr = 1; nr <= 4; ++nr) {
    for (unsigned nl = 1; nl <= nr; ++nl) {
      const size_t n = 4000;
      const float s2 = 0.01f;
      std::vector<cf_t> x(nl * n), h(nr * nl * n), y(nr * n, cf_t{});
      for (auto& v : x) v = cf_t(g(rng) > 0 ? 0.7071f : -0.7071f, g(rng) > 0 ? 0.7071f : -0.7071f);
      for (auto& v : h) v = cf_t(g(rng), g(rng));
      for (unsigned p = 0; p < nr; ++p) {
        for (size_t re = 0; re < n; ++re) {
          cf_t acc = cf_t(g(rng), g(rng)) * std::sqrt(s2);
          for (unsigned l = 0; l < nl; ++l) acc += h[(p * nl + l) * n + re] * x[l * n + re];
          y[p * n + re] = acc;
        }
      }
      std::vector<cf_t> xe(nl * n);
      std::vector<float> nv(nl * n);
      ASSERT_TRUE(mmse_equalize(xe, nv, y, h, {nr, nl, n}, s2));
      // Each RE's error, normalised by its reported variance, averages about 1; symbol decisions
      // are right for the vast majority of REs.
      double normalised = 0;
      size_t wrong = 0;
      for (size_t i = 0; i < xe.size(); ++i) {
        normalised += std::norm(xe[i] - x[i]) / nv[i];
        wrong += (xe[i].real() > 0) != (x[i].real() > 0);
      }
      EXPECT_NEAR(normalised / xe.size(), 1.0, 0.25) << nr << "x" << nl;
      EXPECT_LT(double(wrong) / xe.size(), 0.02) << nr << "x" << nl;
    }
  }
}

TEST(MmseEqualizer, MoreAntennasLowerTheNoise) {
  std::mt19937 rng(6);
  std::normal_distribution<float> g(0.0f, std::sqrt(0.5f));
  double mean_nv[2] = {0, 0};
  for (unsigned nr : {1u, 2u}) {
    const size_t n = 2000;
    std::vector<cf_t> h(nr * n), y(nr * n, cf_t{1, 0}), xe(n);
    std::vector<float> nv(n);
    for (auto& v : h) v = cf_t(g(rng), g(rng));
    ASSERT_TRUE(mmse_equalize(xe, nv, y, h, {nr, 1, n}, 0.1f));
    for (float v : nv) mean_nv[nr - 1] += v / n;
  }
  EXPECT_LT(mean_nv[1], mean_nv[0] * 0.7);
}

TEST(MmseEqualizer, RejectsBadDimensions) {
  std::vector<cf_t> s(4), y(4), h(4);
  std::vector<float> nv(4);
  auto st = mmse_equalize(s, nv, y, h, {2, 3, 2}, 0.1f);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("num_layers=3"), std::string::npos);
  st = mmse_equalize(s, nv, y, h, {1, 1, 4}, 0.0f);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("noise_var"), std::string::npos);
  st = mmse_equalize(s, nv, y, h, {1, 1, 3}, 0.1f);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("rx has 4"), std::string::npos);
}

}  // namespace
}  // namespace airan::phy
