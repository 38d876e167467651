// Modulation mapper (TS 38.211 5.1) against modulation.csv, tolerance 1e-6 (README).
#include "airan/phy/modulation/modulation_mapper.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "phy/pusch/nr_vector_utils.h"
#include "test_data.h"

namespace airan::phy {
namespace {

TEST(ModulationMapper, MatchesVectorFile) {
  const auto rows = test::read_csv(test::data_path("nr/phy/modulation.csv"));
  ASSERT_EQ(rows.size(), 15u);
  for (const auto& row : rows) {
    const Expected<Modulation> mod = modulation_from_name(row[0]);
    ASSERT_TRUE(mod) << mod.error().message;
    const unsigned qm = static_cast<unsigned>(std::stoul(row[1]));
    EXPECT_EQ(modulation_order(*mod), qm);
    const std::vector<uint8_t> bits = test::parse_bit_string(row[3]);
    ASSERT_EQ(bits.size(), std::stoul(row[2]));
    const std::vector<cf_t> want = test::parse_complex_list(row[4]);
    ASSERT_EQ(want.size() * qm, bits.size());
    std::vector<cf_t> got(want.size());
    ASSERT_TRUE(modulate(got, bits, *mod));
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_NEAR(got[i].real(), want[i].real(), 1e-6) << row[0] << " symbol " << i;
      ASSERT_NEAR(got[i].imag(), want[i].imag(), 1e-6) << row[0] << " symbol " << i;
    }
  }
}

TEST(ModulationMapper, UnitAveragePowerAndPi2Continuation) {
  for (Modulation m :
       {Modulation::qpsk, Modulation::qam16, Modulation::qam64, Modulation::qam256}) {
    const unsigned n = 1u << modulation_order(m);
    double p = 0;
    for (unsigned l = 0; l < n; ++l) p += std::norm(constellation_point(m, l));
    EXPECT_NEAR(p / n, 1.0, 1e-6) << modulation_name(m);
  }
  // pi/2-BPSK in two calls equals one call when first_index continues the codeword.
  const std::vector<uint8_t> bits = {0, 1, 1, 0, 1};
  std::vector<cf_t> whole(5);
  std::vector<cf_t> split(5);
  ASSERT_TRUE(modulate(whole, bits, Modulation::pi2_bpsk));
  ASSERT_TRUE(modulate(std::span(split).first(3), std::span(bits).first(3), Modulation::pi2_bpsk));
  ASSERT_TRUE(modulate(std::span(split).last(2), std::span(bits).last(2), Modulation::pi2_bpsk, 3));
  EXPECT_EQ(whole, split);
}

TEST(ModulationMapper, BadInput) {
  std::vector<uint8_t> bits(7);
  std::vector<cf_t> sym(2);
  const Status s = modulate(sym, bits, Modulation::qam16);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message().rfind("bits.size()=7", 0), 0u) << s.message();
  const Expected<Modulation> m = modulation_from_qm(3);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message.rfind("qm=3", 0), 0u) << m.error().message;
  EXPECT_FALSE(modulation_from_name("8PSK"));
}

}  // namespace
}  // namespace airan::phy
