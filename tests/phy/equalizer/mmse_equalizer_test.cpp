// MMSE equaliser: recovers symbols through random MIMO channels; noise estimates are consistent.
#include "airan/phy/equalizer/mmse_equalizer.h"

#include <gtest/gtest.h>

#include <complex>
#include <random>
#include <vector>

namespace airan::phy {
namespace {

// The two-layer closed form (single precision) against the textbook formula in double precision:
// x = mu^-1 (H^H H + s2 I)^-1 H^H y per layer, noise (1 - mu) / mu.
TEST(MmseEqualizer, TwoLayerClosedFormMatchesTheMatrixFormula) {
  std::mt19937 rng(11);
  std::normal_distribution<double> g(0.0, std::sqrt(0.5));
  for (unsigned nr = 2; nr <= 4; ++nr) {
    const size_t n = 500;
    const double s2 = 0.05;
    std::vector<cf_t> h(nr * 2 * n), y(nr * n);
    for (auto& v : h) v = cf_t(static_cast<float>(g(rng)), static_cast<float>(g(rng)));
    for (auto& v : y) v = cf_t(static_cast<float>(g(rng)), static_cast<float>(g(rng)));
    std::vector<cf_t> xe(2 * n);
    std::vector<float> nv(2 * n);
    ASSERT_TRUE(mmse_equalize(xe, nv, y, h, {nr, 2, n}, static_cast<float>(s2)));
    using cd = std::complex<double>;
    for (size_t re = 0; re < n; ++re) {
      auto hh = [&](unsigned p, unsigned l) { return cd(h[(p * 2 + l) * n + re]); };
      cd gm[2][2] = {{s2, 0}, {0, s2}}, z[2] = {};
      for (unsigned p = 0; p < nr; ++p) {
        for (unsigned i = 0; i < 2; ++i) {
          z[i] += std::conj(hh(p, i)) * cd(y[p * n + re]);
          for (unsigned j = 0; j < 2; ++j) gm[i][j] += std::conj(hh(p, i)) * hh(p, j);
        }
      }
      const cd det = gm[0][0] * gm[1][1] - gm[0][1] * gm[1][0];
      const cd inv[2][2] = {{gm[1][1] / det, -gm[0][1] / det}, {-gm[1][0] / det, gm[0][0] / det}};
      for (unsigned l = 0; l < 2; ++l) {
        const cd x = inv[l][0] * z[0] + inv[l][1] * z[1];
        const double mu = 1.0 - s2 * inv[l][l].real();
        const cd want = x / mu;
        EXPECT_NEAR(xe[l * n + re].real(), want.real(), 1e-3 * (1 + std::abs(want))) << nr << " " << re;
        EXPECT_NEAR(xe[l * n + re].imag(), want.imag(), 1e-3 * (1 + std::abs(want))) << nr << " " << re;
        const double var = (1 - mu) / mu;
        EXPECT_NEAR(nv[l * n + re], var, 1e-3 * (1 + var)) << nr << " " << re;
      }
    }
  }
}

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
