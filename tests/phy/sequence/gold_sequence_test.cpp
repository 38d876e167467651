// Gold sequence c(n) (TS 38.211 5.2.1) against gold_sequence.csv and a bit-serial LFSR written
// here from the formulas (1600 explicit shifts, no jump).
#include "airan/phy/sequence/gold_sequence.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "phy/pusch/nr_vector_utils.h"
#include "test_data.h"

namespace airan::phy {
namespace {

std::vector<uint8_t> reference_gold(uint32_t c_init, size_t length) {
  constexpr size_t kNc = 1600;
  std::vector<uint8_t> x1(kNc + length + 31, 0);
  std::vector<uint8_t> x2(kNc + length + 31, 0);
  x1[0] = 1;
  for (int i = 0; i < 31; ++i) x2[i] = (c_init >> i) & 1u;
  for (size_t n = 0; n + 31 < x1.size(); ++n) {
    x1[n + 31] = x1[n + 3] ^ x1[n];
    x2[n + 31] = x2[n + 3] ^ x2[n + 2] ^ x2[n + 1] ^ x2[n];
  }
  std::vector<uint8_t> c(length);
  for (size_t n = 0; n < length; ++n) c[n] = x1[n + kNc] ^ x2[n + kNc];
  return c;
}

TEST(GoldSequence, MatchesVectorFile) {
  const auto rows = test::read_csv(test::data_path("nr/phy/gold_sequence.csv"));
  ASSERT_EQ(rows.size(), 10u);
  for (const auto& row : rows) {
    const auto c_init = static_cast<uint32_t>(std::stoul(row[0]));
    const size_t length = std::stoul(row[1]);
    const std::vector<uint8_t> want = test::parse_bit_string(row[2]);
    ASSERT_EQ(want.size(), length);
    std::vector<uint8_t> got(length);
    GoldSequence seq(c_init);
    seq.generate(got);
    EXPECT_EQ(got, want) << "c_init=" << c_init << " length=" << length;
    EXPECT_EQ(reference_gold(c_init, length), want) << "reference, c_init=" << c_init;
  }
}

TEST(GoldSequence, WordsPiecesSkipAndPackedAgree) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const uint32_t c_init = rng() & 0x7fffffffu;
    const size_t length = 1 + rng() % 3000;
    const std::vector<uint8_t> want = reference_gold(c_init, length);

    // Uneven pieces must continue exactly where the last one stopped.
    GoldSequence pieces(c_init);
    std::vector<uint8_t> got(length);
    size_t pos = 0;
    while (pos < length) {
      const size_t take = std::min<size_t>(length - pos, 1 + rng() % 70);
      pieces.generate(std::span<uint8_t>(got.data() + pos, take));
      pos += take;
    }
    EXPECT_EQ(got, want);

    GoldSequence words(c_init);
    for (size_t i = 0; i + 64 <= length; i += 64) {
      const uint64_t w = words.next64();
      for (unsigned j = 0; j < 64; ++j) ASSERT_EQ((w >> j) & 1u, want[i + j]) << i + j;
    }

    const size_t skip = rng() % length;
    GoldSequence skipped(c_init);
    skipped.skip(skip);
    std::vector<uint8_t> tail(length - skip);
    skipped.generate(tail);
    EXPECT_TRUE(std::equal(tail.begin(), tail.end(), want.begin() + static_cast<long>(skip)));

    GoldSequence packed(c_init);
    std::vector<uint8_t> bytes((length + 7) / 8);
    packed.generate_packed(bytes, length);
    for (size_t i = 0; i < length; ++i) ASSERT_EQ((bytes[i / 8] >> (7 - i % 8)) & 1u, want[i]);
  }
}

}  // namespace
}  // namespace airan::phy
