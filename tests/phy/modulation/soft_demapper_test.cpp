// Max-log soft demapper: every implementation the CPU runs against a scalar max-log reference
// written here (double precision), noiseless sign checks for every order, monotonicity in the
// noise variance, and a loose comparison with the exact (log-sum-exp) LLRs.
#include "airan/phy/modulation/soft_demapper.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "airan/phy/modulation/modulation_mapper.h"

namespace airan::phy {
namespace {

constexpr Modulation kAll[] = {Modulation::pi2_bpsk, Modulation::bpsk,  Modulation::qpsk,
                               Modulation::qam16,    Modulation::qam64, Modulation::qam256};

std::vector<std::unique_ptr<SoftDemapper>> all_demappers() {
  std::vector<std::unique_ptr<SoftDemapper>> v;
  for (SimdLevel l : {SimdLevel::portable, SimdLevel::avx2, SimdLevel::avx512}) {
    if (auto d = create_soft_demapper(l)) v.push_back(std::move(d));
  }
  return v;
}

// Point for bit label `label` of symbol index i, including the pi/2 rotation.
cf_t point(Modulation m, unsigned label, size_t i) {
  cf_t p = constellation_point(m, label);
  if (m == Modulation::pi2_bpsk && (i % 2)) p = cf_t(-p.imag(), p.real());
  return p;
}

// Natural-log LLRs of symbol y, bit b: exact (log-sum-exp) or max-log.
double reference_llr(Modulation m, cf_t y, size_t i, double n0, unsigned b, bool exact) {
  const unsigned qm = modulation_order(m);
  double best0 = std::numeric_limits<double>::infinity();
  double best1 = best0;
  double sum0 = 0;
  double sum1 = 0;
  for (unsigned label = 0; label < (1u << qm); ++label) {
    const double d = std::norm(std::complex<double>(y) - std::complex<double>(point(m, label, i)));
    const bool one = (label >> (qm - 1 - b)) & 1u;
    (one ? best1 : best0) = std::min(one ? best1 : best0, d);
    (one ? sum1 : sum0) += std::exp(-d / n0);
  }
  if (exact) return std::log(sum0) - std::log(sum1);
  return (best1 - best0) / n0;
}

struct Case {
  std::vector<cf_t> symbols;
  std::vector<uint8_t> bits;
};

Case random_case(Modulation m, size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Case c;
  c.bits.resize(n * modulation_order(m));
  for (auto& b : c.bits) b = rng() & 1u;
  c.symbols.resize(n);
  EXPECT_TRUE(modulate(c.symbols, c.bits, m));
  return c;
}

TEST(SoftDemapper, NoiselessSymbolsGiveTheTransmittedSigns) {
  const auto demappers = all_demappers();
  ASSERT_FALSE(demappers.empty());
  for (const auto& d : demappers) {
    for (Modulation m : kAll) {
      const Case c = random_case(m, 1000, 1);
      std::vector<float> nv(c.symbols.size(), 0.01f);
      std::vector<int8_t> llr(c.bits.size());
      ASSERT_TRUE(d->demap(llr, c.symbols, nv, m, 1.0f));
      for (size_t i = 0; i < llr.size(); ++i) {
        ASSERT_NE(llr[i], 0) << d->implementation() << " " << modulation_name(m) << " bit " << i;
        ASSERT_EQ(llr[i] < 0, c.bits[i] == 1)
            << d->implementation() << " " << modulation_name(m) << " bit " << i;
        ASSERT_LE(std::abs(llr[i]), kDemapperMaxLlr);
      }
    }
  }
}

TEST(SoftDemapper, MatchesMaxLogReferenceOnNoisySymbols) {
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (const auto& d : all_demappers()) {
    for (Modulation m : kAll) {
      const unsigned qm = modulation_order(m);
      Case c = random_case(m, 257, 5);  // not a multiple of the kernel's block
      std::vector<float> nv(c.symbols.size());
      for (size_t i = 0; i < c.symbols.size(); ++i) {
        nv[i] = 0.02f + 0.3f * static_cast<float>(i % 7) / 7.0f;  // per-RE noise
        const float s = std::sqrt(nv[i] / 2);
        c.symbols[i] += cf_t(s * g(rng), s * g(rng));
      }
      std::vector<int8_t> llr(c.bits.size());
      const float scale = 2.0f;
      ASSERT_TRUE(d->demap(llr, c.symbols, nv, m, scale, 0));
      for (size_t i = 0; i < c.symbols.size(); ++i) {
        for (unsigned b = 0; b < qm; ++b) {
          const double want = scale * reference_llr(m, c.symbols[i], i, nv[i], b, false);
          const double clamped = std::clamp(want, -63.0, 63.0);
          ASSERT_NEAR(llr[i * qm + b], clamped, 0.51)
              << d->implementation() << " " << modulation_name(m) << " symbol " << i << " bit "
              << b;
        }
      }
    }
  }
}

TEST(SoftDemapper, EveryLengthMatchesPortableWithinOneStep) {
  // Short and odd lengths exercise the SIMD kernels' tails; symbols reach past the outer levels
  // and noise variances span saturated to near-zero LLRs.
  const auto portable = create_soft_demapper(SimdLevel::portable);
  ASSERT_NE(portable, nullptr);
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> u(-1.6f, 1.6f);
  std::uniform_real_distribution<float> log_nv(-4.0f, 1.0f);
  for (const auto& d : all_demappers()) {
    for (Modulation m : kAll) {
      const unsigned qm = modulation_order(m);
      for (size_t n = 1; n <= 40; ++n) {
        std::vector<cf_t> y(n);
        std::vector<float> nv(n);
        for (size_t i = 0; i < n; ++i) {
          y[i] = cf_t(u(rng), u(rng));
          nv[i] = std::pow(10.0f, log_nv(rng));
        }
        // Guard bytes after the LLRs catch a tail store past the end.
        std::vector<int8_t> want(n * qm);
        std::vector<int8_t> got(n * qm + 64, 99);
        ASSERT_TRUE(portable->demap(want, y, nv, m, 3.0f, 1));
        ASSERT_TRUE(d->demap(std::span(got).first(n * qm), y, nv, m, 3.0f, 1));
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_LE(std::abs(got[i] - want[i]), 1)
              << d->implementation() << " " << modulation_name(m) << " n=" << n << " llr " << i;
        }
        for (size_t i = want.size(); i < got.size(); ++i) {
          ASSERT_EQ(got[i], 99) << d->implementation() << " " << modulation_name(m) << " n=" << n;
        }
      }
    }
  }
}

TEST(SoftDemapper, MagnitudeFallsAsNoiseGrows) {
  const auto d = create_soft_demapper();
  for (Modulation m : kAll) {
    const Case c = random_case(m, 64, 9);
    std::vector<int8_t> prev;
    for (float n0 : {0.05f, 0.1f, 0.2f, 0.4f, 0.8f, 1.6f}) {
      std::vector<float> nv(c.symbols.size(), n0);
      // Perturb the symbols a little so LLRs are not all saturated.
      std::vector<cf_t> y = c.symbols;
      for (size_t i = 0; i < y.size(); ++i) y[i] += cf_t(0.02f * static_cast<float>(i % 5), -0.01f);
      std::vector<int8_t> llr(c.bits.size());
      ASSERT_TRUE(d->demap(llr, y, nv, m, 4.0f));
      if (!prev.empty()) {
        for (size_t i = 0; i < llr.size(); ++i) {
          ASSERT_LE(std::abs(llr[i]), std::abs(prev[i])) << modulation_name(m) << " bit " << i;
          if (llr[i] != 0) {
            ASSERT_EQ(llr[i] < 0, prev[i] < 0);
          }
        }
      }
      prev = llr;
    }
  }
}

TEST(SoftDemapper, MaxLogIsCloseToExactLlr) {
  // Loose check: at moderate SNR the max-log LLR is within 25 % (plus 0.5) of the exact one, and
  // agrees in sign wherever the exact LLR is clearly non-zero.
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 1.0f);
  const auto d = create_soft_demapper();
  for (Modulation m : kAll) {
    const unsigned qm = modulation_order(m);
    const float n0 = m == Modulation::qam256 ? 0.01f : (m == Modulation::qam64 ? 0.03f : 0.2f);
    Case c = random_case(m, 400, 13);
    for (auto& y : c.symbols) y += cf_t(std::sqrt(n0 / 2) * g(rng), std::sqrt(n0 / 2) * g(rng));
    std::vector<float> nv(c.symbols.size(), n0);
    // Scale chosen so the LLRs rarely saturate: compare in natural units.
    const float scale = 0.25f;
    std::vector<int8_t> llr(c.bits.size());
    ASSERT_TRUE(d->demap(llr, c.symbols, nv, m, scale));
    size_t compared = 0;
    for (size_t i = 0; i < c.symbols.size(); ++i) {
      for (unsigned b = 0; b < qm; ++b) {
        const double exact = scale * reference_llr(m, c.symbols[i], i, n0, b, true);
        if (std::abs(exact) > 60) continue;
        ++compared;
        EXPECT_NEAR(llr[i * qm + b], exact, 0.25 * std::abs(exact) + 1.0)
            << modulation_name(m) << " symbol " << i << " bit " << b;
        if (std::abs(exact) > 2) {
          EXPECT_EQ(llr[i * qm + b] < 0, exact < 0);
        }
      }
    }
    EXPECT_GT(compared, c.bits.size() / 4) << modulation_name(m);
  }
}

TEST(SoftDemapper, ZeroAndNanInputsStayInRange) {
  const auto d = create_soft_demapper();
  std::vector<cf_t> y = {{0.5f, -0.5f}, {std::nanf(""), 1.0f}, {100.f, -100.f}};
  std::vector<float> nv = {0.0f, 1.0f, -1.0f};
  std::vector<int8_t> llr(y.size() * 8);
  ASSERT_TRUE(d->demap(llr, y, nv, Modulation::qam256, 1.0f));
  for (int8_t v : llr) EXPECT_LE(std::abs(v), kDemapperMaxLlr);
}

TEST(SoftDemapper, NonFiniteInputsStayInRangeForEveryImplementation) {
  // 20 symbols: the SIMD kernels see the odd values in both a full step and the tail.
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::nanf("");
  std::vector<cf_t> y = {{nan, nan}, {inf, -inf}, {-inf, nan}, {0.0f, -0.0f}, {1e30f, -1e30f}};
  std::vector<float> nv = {1.0f, 0.0f, nan, inf, -inf};
  for (size_t i = 0; y.size() < 20; ++i) {
    y.push_back(y[i % 5]);
    nv.push_back(nv[(i + 2) % 5]);
  }
  for (const auto& d : all_demappers()) {
    for (Modulation m : kAll) {
      std::vector<int8_t> llr(y.size() * modulation_order(m));
      ASSERT_TRUE(d->demap(llr, y, nv, m, 1e30f));
      for (int8_t v : llr) {
        ASSERT_LE(std::abs(v), kDemapperMaxLlr) << d->implementation() << " " << modulation_name(m);
      }
    }
  }
}

TEST(SoftDemapper, BadInput) {
  const auto d = create_soft_demapper();
  std::vector<cf_t> y(4);
  std::vector<float> nv(4, 1.0f);
  std::vector<int8_t> llr(15);
  Status s = d->demap(llr, y, nv, Modulation::qam16, 1.0f);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message().rfind("llrs.size()=15", 0), 0u) << s.message();
  llr.resize(16);
  nv.resize(3);
  s = d->demap(llr, y, nv, Modulation::qam16, 1.0f);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message().rfind("noise_var.size()=3", 0), 0u) << s.message();
  nv.resize(4);
  s = d->demap(llr, y, nv, Modulation::qam16, 0.0f);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message().rfind("llr_scale=", 0), 0u) << s.message();
}

}  // namespace
}  // namespace airan::phy
