// PUSCH scrambling (TS 38.211 6.3.1.1) against scrambling.csv: the bit path and the LLR path.
#include "airan/phy/pusch/pusch_scrambling.h"

#include <gtest/gtest.h>

#include <vector>

#include "phy/pusch/nr_vector_utils.h"
#include "test_data.h"

namespace airan::phy {
namespace {

TEST(PuschScrambling, MatchesVectorFileBitsAndLlrs) {
  const auto rows = test::read_csv(test::data_path("nr/phy/scrambling.csv"));
  ASSERT_EQ(rows.size(), 6u);
  for (const auto& row : rows) {
    const unsigned n_rnti = static_cast<unsigned>(std::stoul(row[0]));
    const unsigned n_id = static_cast<unsigned>(std::stoul(row[1]));
    const auto c_init = static_cast<uint32_t>(std::stoul(row[2]));
    const size_t length = std::stoul(row[3]);
    const std::vector<uint8_t> in = test::parse_bit_string(row[4]);
    const std::vector<uint8_t> want = test::parse_bit_string(row[5]);
    ASSERT_EQ(in.size(), length);

    const Expected<uint32_t> ci = pusch_scrambling_c_init(n_rnti, n_id);
    ASSERT_TRUE(ci);
    EXPECT_EQ(*ci, c_init);

    std::vector<uint8_t> out(length);
    ASSERT_TRUE(pusch_scramble(out, in, c_init));
    EXPECT_EQ(out, want) << "n_rnti=" << n_rnti << " n_id=" << n_id;

    // LLRs of the scrambled bits (+-(20 + i % 50), positive = 0) descramble to the input's signs
    // with the magnitudes kept.
    std::vector<int8_t> llr(length);
    for (size_t i = 0; i < length; ++i) {
      const int mag = 20 + static_cast<int>(i % 50);
      llr[i] = static_cast<int8_t>(want[i] ? -mag : mag);
    }
    std::vector<int8_t> back(length);
    ASSERT_TRUE(pusch_descramble(back, llr, c_init));
    for (size_t i = 0; i < length; ++i) {
      ASSERT_EQ(back[i] < 0, in[i] == 1) << "i=" << i;
      ASSERT_EQ(std::abs(back[i]), std::abs(llr[i]));
    }
  }
}

TEST(PuschScrambling, InPlaceAndSaturation) {
  std::vector<uint8_t> bits(1000, 0);
  ASSERT_TRUE(pusch_scramble(bits, bits, 12345));
  std::vector<uint8_t> c(1000);
  GoldSequence(12345).generate(c);
  EXPECT_EQ(bits, c);  // scrambling zeros gives the sequence itself

  std::vector<int8_t> llr(1000, INT8_MIN);
  ASSERT_TRUE(pusch_descramble(llr, llr, 12345));
  for (size_t i = 0; i < llr.size(); ++i) EXPECT_EQ(llr[i], c[i] ? INT8_MAX : INT8_MIN);
}

TEST(PuschScrambling, BadInput) {
  Expected<uint32_t> e = pusch_scrambling_c_init(65536, 0);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message.rfind("n_rnti=", 0), 0u) << e.error().message;
  e = pusch_scrambling_c_init(1, 1024);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message.rfind("n_id=", 0), 0u) << e.error().message;
  std::vector<uint8_t> in(10);
  std::vector<uint8_t> out(9);
  const Status s = pusch_scramble(out, in, 1);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message().rfind("out.size()", 0), 0u) << s.message();
}

}  // namespace
}  // namespace airan::phy
