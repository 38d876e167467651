// MCS tables (TS 38.214 5.1.3.1-1/-2/-3, 6.1.4.1-1/-2) carried in mcs_table.cpp, cross-checked
// against every row of mcs_tables.csv.
#include "airan/phy/pusch/mcs_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "test_data.h"

namespace airan::phy {
namespace {

TEST(McsTable, MatchesVectorFile) {
  const auto rows = test::read_csv(test::data_path("nr/phy/mcs_tables.csv"));
  ASSERT_EQ(rows.size(), 147u);
  std::set<std::string> tables;
  for (const auto& row : rows) {
    const Expected<McsTable> table = mcs_table_from_name(row[0]);
    ASSERT_TRUE(table) << table.error().message;
    tables.insert(row[0]);
    const unsigned mcs = static_cast<unsigned>(std::stoul(row[1]));
    const Expected<McsEntry> e = mcs_entry(*table, mcs);
    ASSERT_TRUE(e);
    const std::string where = row[0] + " mcs " + row[1];
    EXPECT_EQ(e->qm, std::stoul(row[2])) << where;
    EXPECT_DOUBLE_EQ(e->target_code_rate_x1024, std::stod(row[3])) << where;
    // Printed with 6 decimals (ties to even), so allow one unit of the last place.
    EXPECT_NEAR(e->spectral_efficiency(), std::stod(row[4]), 1.0001e-6) << where;
    EXPECT_EQ(e->reserved, row[5] == "1") << where;
  }
  EXPECT_EQ(tables.size(), 7u);
}

TEST(McsTable, HeldBackRowsFollowTheTableShape) {
  // Rows not in the file (mcs mod 3 == 1): Qm never decreases, R rises within each Qm, and the
  // spectral efficiency rises except for the small dip the tables have where Qm changes (e.g.
  // qam64 MCS 16 -> 17: 2.5703 -> 2.5664).
  for (McsTable t : {McsTable::qam64, McsTable::qam256, McsTable::qam64_low_se, McsTable::qam64_tp,
                     McsTable::qam64_low_se_tp}) {
    unsigned last_qm = 0;
    double last_se = 0;
    double last_r = 0;
    for (unsigned mcs = 0; mcs < 32; ++mcs) {
      const McsEntry e = *mcs_entry(t, mcs);
      if (e.reserved) continue;
      EXPECT_GE(e.qm, last_qm) << mcs_table_name(t) << " " << mcs;
      EXPECT_GT(e.spectral_efficiency(), last_se - 0.01) << mcs_table_name(t) << " " << mcs;
      if (e.qm == last_qm) {
        EXPECT_GT(e.code_rate(), last_r) << mcs_table_name(t) << " " << mcs;
      }
      last_r = e.code_rate();
      last_qm = e.qm;
      last_se = e.spectral_efficiency();
    }
  }
  EXPECT_DOUBLE_EQ(mcs_entry(McsTable::qam256, 20)->target_code_rate_x1024, 682.5);
  EXPECT_EQ(mcs_entry(McsTable::qam256, 20)->code_rate_x2048(), 1365u);
  EXPECT_EQ(mcs_entry(McsTable::qam64_tp_pi2bpsk, 28)->qm, 1u);
  EXPECT_TRUE(mcs_entry(McsTable::qam64_tp_pi2bpsk, 28)->reserved);
}

TEST(McsTable, BadInput) {
  const Expected<McsEntry> e = mcs_entry(McsTable::qam64, 32);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "mcs=32 outside 0..31");
  const Expected<McsTable> t = mcs_table_from_name("qam1024");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message.rfind("mcs_table=\"qam1024\"", 0), 0u) << t.error().message;
}

}  // namespace
}  // namespace airan::phy
