// The TB coding chain end to end: encode -> (noise) -> decode, HARQ combining, bad configs.
#include "airan/phy/coding/transport_block_coding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace airan::phy {
namespace {

std::vector<uint8_t> random_tb(unsigned tbs, std::mt19937& rng) {
  std::vector<uint8_t> tb((tbs + 7) / 8);
  for (auto& b : tb) b = static_cast<uint8_t>(rng());
  if (tbs % 8) tb.back() &= static_cast<uint8_t>(0xff << (8 - tbs % 8));
  return tb;
}

// BPSK-per-bit AWGN LLRs at `snr_db` per coded bit, quantised to int8.
std::vector<int8_t> noisy_llrs(const std::vector<uint8_t>& coded, double snr_db, std::mt19937& rng) {
  const double sigma = std::sqrt(0.5 / std::pow(10.0, snr_db / 10.0));
  std::normal_distribution<double> noise(0.0, sigma);
  std::vector<int8_t> llrs(coded.size());
  for (size_t i = 0; i < coded.size(); ++i) {
    const double y = (coded[i] ? -1.0 : 1.0) + noise(rng);
    llrs[i] = static_cast<int8_t>(std::clamp<long>(std::lround(8.0 * 2.0 * y / (sigma * sigma)), -63, 63));
  }
  return llrs;
}

TEST(TransportBlockCoding, RoundTripAcrossSizesModulationsAndLayers) {
  std::mt19937 rng(9);
  TransportBlockEncoder encoder;
  TransportBlockDecoder decoder;
  struct Case {
    unsigned tbs, qm, layers, g, rv;
    double rate;
  } cases[] = {{24, 2, 1, 144, 0, 0.3}, {3824, 4, 1, 8000, 0, 0.5}, {8424, 6, 2, 12000, 0, 0.75},
               {25104, 8, 4, 40000, 3, 0.7}, {100000, 6, 2, 180000, 0, 0.6}, {1000, 2, 1, 6000, 0, 0.2}};
  for (const auto& c : cases) {
    TransportBlockCodingConfig cfg{c.tbs, c.rate, c.qm, c.layers, c.g, c.rv, 0};
    auto tb = random_tb(c.tbs, rng);
    std::vector<uint8_t> coded(c.g);
    ASSERT_TRUE(encoder.encode(coded, tb, cfg)) << c.tbs;
    std::vector<int8_t> llrs(coded.size());
    for (size_t i = 0; i < coded.size(); ++i) llrs[i] = coded[i] ? -40 : 40;
    std::vector<uint8_t> out(tb.size());
    auto res = decoder.decode(out, llrs, cfg, true);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_TRUE(res->crc_ok) << c.tbs;
    EXPECT_EQ(res->code_blocks_ok, res->code_blocks);
    EXPECT_EQ(out, tb) << c.tbs;
  }
}

TEST(TransportBlockCoding, CorruptedBlockFailsTheCrc) {
  std::mt19937 rng(2);
  TransportBlockCodingConfig cfg{20000, 0.9, 2, 1, 22400, 0, 0};
  auto tb = random_tb(cfg.tbs, rng);
  std::vector<uint8_t> coded(cfg.g), out(tb.size());
  TransportBlockEncoder encoder;
  ASSERT_TRUE(encoder.encode(coded, tb, cfg));
  auto llrs = noisy_llrs(coded, -2.0, rng);  // far below what rate 0.9 needs
  TransportBlockDecoder decoder;
  auto res = decoder.decode(out, llrs, cfg, true);
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->crc_ok);
}

TEST(TransportBlockCoding, HarqRetransmissionsCombine) {
  std::mt19937 rng(4);
  TransportBlockEncoder encoder;
  TransportBlockDecoder decoder;
  unsigned first_ok = 0, combined_ok = 0;
  for (int trial = 0; trial < 10; ++trial) {
    TransportBlockCodingConfig cfg{8000, 0.6, 2, 1, 13440, 0, 0};
    auto tb = random_tb(cfg.tbs, rng);
    std::vector<uint8_t> coded(cfg.g), out(tb.size());
    ASSERT_TRUE(encoder.encode(coded, tb, cfg));
    auto res = decoder.decode(out, noisy_llrs(coded, -1.5, rng), cfg, true);
    ASSERT_TRUE(res);
    first_ok += res->crc_ok;
    cfg.rv = 2;  // retransmission, rv 0 -> 2 as in the NR RV sequence 0, 2, 3, 1
    ASSERT_TRUE(encoder.encode(coded, tb, cfg));
    res = decoder.decode(out, noisy_llrs(coded, -1.5, rng), cfg, false);
    ASSERT_TRUE(res);
    combined_ok += res->crc_ok;
    if (res->crc_ok) {
      EXPECT_EQ(out, tb);
    }
  }
  EXPECT_LT(first_ok, 5u);
  EXPECT_GE(combined_ok, 8u);
}

TEST(TransportBlockCoding, RejectsBadConfigurations) {
  TransportBlockEncoder encoder;
  TransportBlockDecoder decoder;
  std::vector<uint8_t> tb(125), coded(2000), out(125);
  std::vector<int8_t> llrs(2000);
  auto expect_error = [&](TransportBlockCodingConfig cfg, const std::string& needle) {
    Status s = encoder.encode(coded, tb, cfg);
    ASSERT_FALSE(s) << needle;
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
    auto r = decoder.decode(out, llrs, cfg, true);
    ASSERT_FALSE(r);
  };
  expect_error({1000, 0.5, 3, 1, 2000, 0, 0}, "qm=3");
  expect_error({1000, 0.5, 2, 5, 2000, 0, 0}, "num_layers=5");
  expect_error({1000, 0.5, 2, 1, 2000, 4, 0}, "rv=4");
  expect_error({1000, 1.5, 2, 1, 2000, 0, 0}, "target_code_rate");
  expect_error({1000, 0.5, 2, 1, 1999, 0, 0}, "g=1999");
  expect_error({1000, 0.5, 2, 1, 2002, 0, 0}, "coded has 2000");
  expect_error({0, 0.5, 2, 1, 2000, 0, 0}, "tbs");
  // A retransmission of a TB never received first.
  TransportBlockDecoder fresh;
  auto r = fresh.decode(out, llrs, {1000, 0.5, 2, 1, 2000, 0, 0}, false);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("new_data"), std::string::npos);
}

}  // namespace
}  // namespace airan::phy
