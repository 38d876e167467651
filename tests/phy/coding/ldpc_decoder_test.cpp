// LDPC decoder: recovers encoder vectors from noiseless LLRs, decodes noisy blocks, agrees
// bit for bit across its portable/AVX2/AVX-512 implementations, and rejects bad input.
#include "airan/phy/coding/ldpc_decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "airan/phy/coding/ldpc_encoder.h"

namespace airan::phy {
namespace {

std::vector<SimdLevel> supported_levels() {
  std::vector<SimdLevel> levels;
  for (SimdLevel l : {SimdLevel::portable, SimdLevel::avx2, SimdLevel::avx512}) {
    if (cpu_supports(l)) levels.push_back(l);
  }
  return levels;
}

struct Codeword {
  std::vector<uint8_t> c, d;
};

Codeword random_codeword(LdpcBaseGraph bg, unsigned z, unsigned filler, std::mt19937& rng) {
  Codeword cw{std::vector<uint8_t>(ldpc_k(bg, z)), std::vector<uint8_t>(ldpc_n(bg, z))};
  for (size_t i = 0; i + filler < cw.c.size(); ++i) cw.c[i] = rng() & 1;
  EXPECT_TRUE(create_ldpc_encoder()->encode(cw.d, cw.c, bg, z));
  return cw;
}

// BPSK over AWGN at `ebn0_db` for a code of rate `rate`, quantised to int8 LLRs.
std::vector<int8_t> channel_llrs(const std::vector<uint8_t>& bits, size_t count, double ebn0_db,
                                 double rate, std::mt19937& rng) {
  const double sigma = std::sqrt(1.0 / (2.0 * rate * std::pow(10.0, ebn0_db / 10.0)));
  std::normal_distribution<double> noise(0.0, sigma);
  std::vector<int8_t> llrs(count);
  for (size_t i = 0; i < count; ++i) {
    const double y = (bits[i] ? -1.0 : 1.0) + noise(rng);
    const double llr = 2.0 * y / (sigma * sigma);
    llrs[i] = static_cast<int8_t>(std::clamp(std::lround(llr * 4.0), -63L, 63L));
  }
  return llrs;
}

TEST(LdpcDecoder, RecoversNoiselessCodewordsForEveryLiftingSize) {
  std::mt19937 rng(1);
  for (SimdLevel level : supported_levels()) {
    auto decoder = create_ldpc_decoder(level);
    ASSERT_NE(decoder, nullptr);
    for (LdpcBaseGraph bg : {LdpcBaseGraph::bg1, LdpcBaseGraph::bg2}) {
      for (uint16_t z : ldpc_lifting_sizes()) {
        const unsigned filler = z;  // some filler bits, loaded as certain zeros
        Codeword cw = random_codeword(bg, z, filler, rng);
        // Send only part of the codeword (rate ~0.75): the decoder must fill the rest with zeros.
        const size_t sent = ldpc_k(bg, z) * 4 / 3 - 2 * z;
        std::vector<int8_t> llrs(sent);
        for (size_t i = 0; i < sent; ++i) llrs[i] = cw.d[i] ? -40 : 40;
        const size_t k = ldpc_k(bg, z);
        for (size_t i = k - filler - 2 * z; i < k - 2 * z; ++i) llrs[i] = 127;
        std::vector<uint8_t> msg(k);
        LdpcDecoder::Configuration cfg;
        cfg.bg = bg;
        cfg.z = z;
        auto res = decoder->decode(msg, llrs, cfg);
        ASSERT_TRUE(res) << res.error().message;
        EXPECT_TRUE(res->success) << decoder->implementation() << " Z=" << z;
        EXPECT_LE(res->iterations, 3u);
        EXPECT_EQ(msg, cw.c) << decoder->implementation() << " bg" << int(bg) << " Z=" << z;
      }
    }
  }
}

TEST(LdpcDecoder, CorrectsNoiseAndAgreesAcrossImplementations) {
  std::mt19937 rng(7);
  const auto levels = supported_levels();
  for (LdpcBaseGraph bg : {LdpcBaseGraph::bg1, LdpcBaseGraph::bg2}) {
    for (unsigned z : {384u, 96u, 15u}) {
      Codeword cw = random_codeword(bg, z, 0, rng);
      const double rate = bg == LdpcBaseGraph::bg1 ? 1.0 / 3 : 1.0 / 5;
      auto llrs = channel_llrs(cw.d, cw.d.size(), 2.5, rate, rng);
      std::vector<uint8_t> reference;
      LdpcDecoder::Result reference_result;
      for (SimdLevel level : levels) {
        auto decoder = create_ldpc_decoder(level);
        std::vector<uint8_t> msg(cw.c.size());
        LdpcDecoder::Configuration cfg;
        cfg.bg = bg;
        cfg.z = z;
        cfg.max_iterations = 10;
        auto res = decoder->decode(msg, llrs, cfg);
        ASSERT_TRUE(res);
        if (z == 384) {
          EXPECT_TRUE(res->success);
          EXPECT_EQ(msg, cw.c);
        }
        if (reference.empty()) {
          reference = msg;
          reference_result = *res;
        } else {
          EXPECT_EQ(msg, reference) << decoder->implementation() << " Z=" << z;
          EXPECT_EQ(res->iterations, reference_result.iterations);
          EXPECT_EQ(res->success, reference_result.success);
        }
      }
    }
  }
}

TEST(LdpcDecoder, EarlyStopModes) {
  std::mt19937 rng(3);
  auto decoder = create_ldpc_decoder();
  const unsigned z = 384;
  Codeword cw = random_codeword(LdpcBaseGraph::bg1, z, 0, rng);
  // Put a CRC24B over the first K' = K bits - 0 filler: recompute c with a CRC tail.
  const unsigned k_prime = ldpc_k(LdpcBaseGraph::bg1, z);
  std::vector<uint8_t> c(cw.c.begin(), cw.c.end());
  const uint32_t crc = crc_calculate(CrcType::crc24b, std::span<const uint8_t>(c).first(k_prime - 24));
  crc_unpack(CrcType::crc24b, crc, std::span<uint8_t>(c).subspan(k_prime - 24, 24));
  ASSERT_TRUE(create_ldpc_encoder()->encode(cw.d, c, LdpcBaseGraph::bg1, z));
  auto llrs = channel_llrs(cw.d, cw.d.size(), 2.0, 1.0 / 3, rng);
  std::vector<uint8_t> msg(c.size());
  LdpcDecoder::Configuration cfg;
  cfg.max_iterations = 20;
  cfg.early_stop = LdpcDecoder::EarlyStop::none;
  auto full = decoder->decode(msg, llrs, cfg);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->iterations, 20u);
  EXPECT_TRUE(full->success);
  cfg.early_stop = LdpcDecoder::EarlyStop::crc;
  cfg.k_prime = k_prime;
  auto by_crc = decoder->decode(msg, llrs, cfg);
  ASSERT_TRUE(by_crc);
  EXPECT_TRUE(by_crc->success);
  EXPECT_LT(by_crc->iterations, 20u);
  EXPECT_EQ(msg, c);
  cfg.early_stop = LdpcDecoder::EarlyStop::syndrome;
  auto by_syndrome = decoder->decode(msg, llrs, cfg);
  ASSERT_TRUE(by_syndrome);
  EXPECT_LT(by_syndrome->iterations, 20u);
  // Offset min-sum decodes it too.
  cfg.algorithm = LdpcDecoder::Algorithm::offset_min_sum;
  auto offset = decoder->decode(msg, llrs, cfg);
  ASSERT_TRUE(offset);
  EXPECT_TRUE(offset->success);
  EXPECT_EQ(msg, c);
}

TEST(LdpcDecoder, UndecodableBlockReportsFailure) {
  std::mt19937 rng(5);
  auto decoder = create_ldpc_decoder();
  Codeword cw = random_codeword(LdpcBaseGraph::bg2, 64, 0, rng);
  auto llrs = channel_llrs(cw.d, cw.d.size(), -3.0, 0.2, rng);
  std::vector<uint8_t> msg(cw.c.size());
  LdpcDecoder::Configuration cfg;
  cfg.bg = LdpcBaseGraph::bg2;
  cfg.z = 64;
  auto res = decoder->decode(msg, llrs, cfg);
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->success);
  EXPECT_EQ(res->iterations, cfg.max_iterations);
}

TEST(LdpcDecoder, RejectsBadInput) {
  auto decoder = create_ldpc_decoder();
  std::vector<uint8_t> msg(22 * 384);
  std::vector<int8_t> llrs(66 * 384);
  LdpcDecoder::Configuration cfg;
  auto expect_error = [&](const std::string& needle) {
    auto res = decoder->decode(msg, llrs, cfg);
    ASSERT_FALSE(res) << needle;
    EXPECT_NE(res.error().message.find(needle), std::string::npos) << res.error().message;
  };
  cfg.z = 17;
  expect_error("z=17");
  cfg.z = 384;
  cfg.max_iterations = 0;
  expect_error("max_iterations=0");
  cfg.max_iterations = 6;
  llrs.resize(100);
  expect_error("llrs has 100");
  llrs.resize(66 * 384 + 1);
  expect_error("llrs has 25345");
  llrs.resize(66 * 384);
  msg.resize(10);
  expect_error("message has 10");
  msg.resize(22 * 384);
  cfg.early_stop = LdpcDecoder::EarlyStop::crc;
  cfg.k_prime = 0;
  expect_error("k_prime=0");
}

}  // namespace
}  // namespace airan::phy
