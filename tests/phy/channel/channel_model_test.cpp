// Channel model: AWGN variance, TDL power normalisation, delay and Doppler behaviour, errors.
#include "airan/phy/channel/channel_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace airan::phy {
namespace {

using cf = std::complex<float>;

std::vector<cf> run(ChannelModel& ch, const std::vector<cf>& tx, double t0 = 0.0) {
  std::vector<cf> rx(tx.size());
  std::span<const cf> tx_span(tx);
  std::span<cf> rx_span(rx);
  EXPECT_TRUE(ch.propagate({&tx_span, 1}, {&rx_span, 1}, t0));
  return rx;
}

TEST(ChannelModel, AwgnHasTheConfiguredVariance) {
  ChannelConfig cfg;
  cfg.snr_db = 10.0;
  ChannelModel ch(cfg, 30.72e6);
  std::vector<cf> tx(200000, cf{0, 0});
  auto rx = run(ch, tx);
  double p = 0;
  for (auto& x : rx) p += std::norm(x);
  EXPECT_NEAR(p / rx.size(), 0.1, 0.003);
}

TEST(ChannelModel, TimingOffsetDelaysByWholeSamples) {
  ChannelConfig cfg;
  cfg.snr_db = 100.0;
  cfg.timing_offset_samples = 7;
  ChannelModel ch(cfg, 30.72e6);
  std::vector<cf> tx(100);
  for (size_t i = 0; i < tx.size(); ++i) tx[i] = cf(float(i), 1.0f);
  auto rx = run(ch, tx);
  for (size_t i = 7; i < tx.size(); ++i) EXPECT_NEAR(std::abs(rx[i] - tx[i - 7]), 0.0, 1e-3);
  // The next block continues the delayed stream.
  auto rx2 = run(ch, tx, 100 / 30.72e6);
  for (size_t i = 0; i < 7; ++i) EXPECT_NEAR(std::abs(rx2[i] - tx[93 + i]), 0.0, 1e-3);
}

TEST(ChannelModel, TdlProfilesHaveUnitAveragePowerAndSpreadDelays) {
  for (TdlProfile p : {TdlProfile::tdl_a, TdlProfile::tdl_b, TdlProfile::tdl_c}) {
    double total = 0;
    const int trials = 400;
    for (int s = 0; s < trials; ++s) {
      ChannelConfig cfg;
      cfg.profile = p;
      cfg.delay_spread_ns = 300;
      cfg.seed = static_cast<uint64_t>(s + 1);
      ChannelModel ch(cfg, 30.72e6);
      for (unsigned k = 0; k < ch.tap_delays().size(); ++k) total += std::norm(ch.tap_gain(0, 0, k, 0.0));
      if (s == 0) {
        double sum = 0;
        for (double w : ch.tap_powers()) sum += w;
        EXPECT_NEAR(sum, 1.0, 1e-9);
        EXPECT_GT(ch.tap_delays().back(), 20);  // several microseconds of spread at 300 ns
      }
    }
    EXPECT_NEAR(total / trials, 1.0, 0.15) << static_cast<int>(p);
  }
}

TEST(ChannelModel, DopplerDecorrelatesOverTime) {
  ChannelConfig cfg;
  cfg.profile = TdlProfile::tdl_a;
  cfg.max_doppler_hz = 300;
  ChannelModel fast(cfg, 30.72e6);
  cfg.max_doppler_hz = 0;
  ChannelModel frozen(cfg, 30.72e6);
  EXPECT_EQ(frozen.tap_gain(0, 0, 1, 0.0), frozen.tap_gain(0, 0, 1, 0.01));
  // Over many taps, 10 ms at 300 Hz (3 Doppler periods) moves the gains far from where they were.
  double change = 0, power = 0;
  for (unsigned k = 0; k < fast.tap_delays().size(); ++k) {
    change += std::norm(fast.tap_gain(0, 0, k, 0.01) - fast.tap_gain(0, 0, k, 0.0));
    power += std::norm(fast.tap_gain(0, 0, k, 0.0));
  }
  EXPECT_GT(change, 0.3 * power);
}

TEST(ChannelModel, RejectsBadConfigurations) {
  ChannelConfig cfg;
  cfg.num_rx = 5;
  auto s = channel_config_validate(cfg);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("num_rx=5"), std::string::npos);
  cfg.num_rx = 2;
  cfg.timing_offset_samples = -1;
  EXPECT_FALSE(channel_config_validate(cfg));
  cfg.timing_offset_samples = 0;
  EXPECT_TRUE(channel_config_validate(cfg));
  ChannelModel ch(cfg, 30.72e6);
  std::vector<cf> tx(10), rx(10);
  std::span<const cf> tx_span(tx);
  std::span<cf> rx_span(rx);
  auto bad = ch.propagate({&tx_span, 1}, {&rx_span, 1}, 0.0);  // num_rx is 2
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("rx has 1"), std::string::npos);
}

}  // namespace
}  // namespace airan::phy
