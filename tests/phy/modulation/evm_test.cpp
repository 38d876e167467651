// EVM against the nearest constellation point: exact points give 0, a known error vector gives
// its size, far-out and NaN symbols are clamped to the constellation edge.
#include "airan/phy/modulation/evm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "airan/phy/modulation/modulation_mapper.h"

namespace airan::phy {
namespace {

std::vector<cf_t> random_symbols(Modulation mod, unsigned qm, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bits(n * qm);
  for (auto& b : bits) b = static_cast<uint8_t>(rng() & 1u);
  std::vector<cf_t> symbols(n);
  EXPECT_TRUE(modulate(symbols, bits, mod));
  return symbols;
}

TEST(QamEvm, ExactConstellationPointsHaveNoError) {
  const std::pair<Modulation, unsigned> mods[] = {{Modulation::qpsk, 2},
                                                  {Modulation::qam16, 4},
                                                  {Modulation::qam64, 6},
                                                  {Modulation::qam256, 8}};
  for (auto [mod, qm] : mods) {
    const auto symbols = random_symbols(mod, qm, 1001, qm);
    EXPECT_LT(qam_evm_percent(symbols, qm), 1e-3f) << qm;
  }
}

TEST(QamEvm, AKnownErrorVectorIsMeasured) {
  // Every 16QAM point moved by 0.02 on both axes (less than half the spacing 2/sqrt(10)):
  // EVM = |e| / 1 = 0.02 sqrt(2).
  auto symbols = random_symbols(Modulation::qam16, 4, 5000, 7);
  for (auto& s : symbols) s += cf_t(0.02f, -0.02f);
  EXPECT_NEAR(qam_evm_percent(symbols, 4), 100.0 * 0.02 * std::sqrt(2.0), 1e-3);
  EXPECT_EQ(qam_evm_percent({}, 4), 0.0f);
}

TEST(QamEvm, OutliersAndNanAreClampedToTheEdge) {
  // QPSK points are +-1/sqrt(2) per axis; a symbol at (10, 0) has error (10 - 0.7071, 0.7071).
  const float p = static_cast<float>(1.0 / std::sqrt(2.0));
  std::vector<cf_t> one{cf_t(10.0f, p)};
  EXPECT_NEAR(qam_evm_percent(one, 2), 100.0 * std::abs(10.0 - p), 1e-3);
  std::vector<cf_t> nan{cf_t(std::numeric_limits<float>::quiet_NaN(), p)};
  const float evm = qam_evm_percent(nan, 2);
  EXPECT_TRUE(std::isfinite(evm));
  EXPECT_NEAR(evm, 100.0 * 2.0 * p, 1e-3);  // the width of the axis
}

}  // namespace
}  // namespace airan::phy
