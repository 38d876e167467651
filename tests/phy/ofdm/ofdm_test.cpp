// Carrier numerology and the OFDM modulator/demodulator round trip.
#include "airan/phy/ofdm/ofdm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace airan::phy {
namespace {

TEST(Carrier, NumerologyFacts) {
  auto c = nr_carrier(30, 20);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->n_rb, 51u);
  EXPECT_EQ(c->fft_size, 1024u);
  EXPECT_DOUBLE_EQ(c->sample_rate_hz, 30.72e6);
  // 0.5 ms slot at 30.72 Msps; the first symbol of each half subframe carries 16/2048 more CP.
  EXPECT_EQ(c->slot_samples(0), 15360u);
  EXPECT_EQ(c->cp_length(0, 0), 88u);
  EXPECT_EQ(c->cp_length(0, 1), 72u);
  EXPECT_EQ(c->cp_length(1, 0), 88u);
  auto lte_like = nr_carrier(15, 20);
  ASSERT_TRUE(lte_like);
  EXPECT_EQ(lte_like->n_rb, 106u);
  EXPECT_EQ(lte_like->fft_size, 2048u);
  EXPECT_EQ(lte_like->slot_samples(0), 30720u);  // 1 ms at 30.72 Msps
  EXPECT_EQ(lte_like->cp_length(0, 7), 160u);
  auto wide = nr_carrier(30, 100);
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->n_rb, 273u);
  EXPECT_EQ(wide->fft_size, 4096u);
}

TEST(Carrier, RejectsUnsupportedValues) {
  auto bad_scs = nr_carrier(60, 20);
  ASSERT_FALSE(bad_scs);
  EXPECT_NE(bad_scs.error().message.find("scs_khz=60"), std::string::npos);
  auto bad_bw = nr_carrier(15, 100);
  ASSERT_FALSE(bad_bw);
  EXPECT_NE(bad_bw.error().message.find("bandwidth_mhz=100"), std::string::npos);
}

std::vector<cf_t> random_grid(const Carrier& c, std::mt19937& rng) {
  std::normal_distribution<float> g(0.0f, std::sqrt(0.5f));
  std::vector<cf_t> grid(kSymbolsPerSlot * c.n_subcarriers());
  for (auto& x : grid) x = {g(rng), g(rng)};
  return grid;
}

TEST(Ofdm, RoundTripEveryNumerologyAndSlot) {
  std::mt19937 rng(1);
  for (auto [scs, bw] : {std::pair{15u, 5u}, {15u, 20u}, {30u, 20u}, {30u, 100u}}) {
    const Carrier c = *nr_carrier(scs, bw);
    OfdmModulator mod(c);
    OfdmDemodulator demod(c);
    for (unsigned slot : {0u, 1u}) {
      auto grid = random_grid(c, rng);
      std::vector<cf_t> samples(c.slot_samples(slot)), back(grid.size());
      ASSERT_TRUE(mod.modulate(samples, grid, slot));
      double power = 0;
      for (auto& s : samples) power += std::norm(s);
      EXPECT_NEAR(power / samples.size(), double(c.n_subcarriers()) / c.fft_size, 0.05);
      ASSERT_TRUE(demod.demodulate(back, samples, slot));
      float err = 0;
      for (size_t i = 0; i < grid.size(); ++i) err = std::max(err, std::abs(back[i] - grid[i]));
      EXPECT_LT(err, 1e-4f) << scs << " kHz " << bw << " MHz slot " << slot;
    }
  }
}

TEST(Ofdm, DelayWithinTheCyclicPrefixIsAPhaseRamp) {
  std::mt19937 rng(2);
  const Carrier c = *nr_carrier(30, 20);
  OfdmModulator mod(c);
  OfdmDemodulator demod(c);
  auto grid = random_grid(c, rng);
  std::vector<cf_t> samples(c.slot_samples(0)), delayed(samples.size()), back(grid.size());
  ASSERT_TRUE(mod.modulate(samples, grid, 0));
  const unsigned delay = 10;  // samples, well inside the 36-sample margin
  for (size_t i = delay; i < samples.size(); ++i) delayed[i] = samples[i - delay];
  ASSERT_TRUE(demod.demodulate(back, delayed, 0));
  const unsigned n_sc = c.n_subcarriers();
  for (unsigned l = 1; l < kSymbolsPerSlot; ++l) {
    for (unsigned k = 0; k < n_sc; k += 37) {
      const double b = double(k) - n_sc / 2.0;
      const cf_t ramp = std::polar(1.0f, float(-2.0 * M_PI * b * delay / c.fft_size));
      EXPECT_LT(std::abs(back[l * n_sc + k] - grid[l * n_sc + k] * ramp), 1e-3f) << l << " " << k;
    }
  }
}

TEST(Ofdm, RejectsWrongBufferSizes) {
  const Carrier c = *nr_carrier(30, 20);
  OfdmModulator mod(c);
  std::vector<cf_t> grid(10), samples(c.slot_samples(0));
  auto s = mod.modulate(samples, grid, 0);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("grid has 10"), std::string::npos);
  OfdmDemodulator demod(c);
  grid.resize(kSymbolsPerSlot * c.n_subcarriers());
  samples.resize(5);
  s = demod.demodulate(grid, samples, 0);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("samples has 5"), std::string::npos);
}

}  // namespace
}  // namespace airan::phy
