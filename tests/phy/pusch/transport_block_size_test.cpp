// TBS determination (TS 38.214 5.1.3.2) against every row of tbs.csv, plus the rational-N_info
// case the README describes and bad input.
#include "airan/phy/pusch/transport_block_size.h"

#include <gtest/gtest.h>

#include "test_data.h"

namespace airan::phy {
namespace {

TEST(TransportBlockSize, MatchesVectorFile) {
  const auto rows = test::read_csv(test::data_path("nr/phy/tbs.csv"));
  ASSERT_EQ(rows.size(), 200u);
  size_t passed = 0;
  for (const auto& row : rows) {
    TbsConfig base;
    base.nof_prb = static_cast<unsigned>(std::stoul(row[0]));
    base.nof_symbols = static_cast<unsigned>(std::stoul(row[1]));
    base.nof_dmrs_prb = static_cast<unsigned>(std::stoul(row[2]));
    base.nof_oh_prb = static_cast<unsigned>(std::stoul(row[3]));
    base.nof_layers = static_cast<unsigned>(std::stoul(row[8]));
    base.tb_scaling = static_cast<unsigned>(std::stoul(row[9]));
    const Expected<McsTable> table = mcs_table_from_name(row[4]);
    ASSERT_TRUE(table);
    const Expected<TbsConfig> cfg =
        tbs_config_from_mcs(*table, static_cast<unsigned>(std::stoul(row[5])), base);
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ(cfg->qm, std::stoul(row[6]));
    EXPECT_EQ(cfg->r_x2048, static_cast<unsigned>(std::stod(row[7]) * 2));
    const Expected<unsigned> tbs = transport_block_size(*cfg);
    ASSERT_TRUE(tbs) << tbs.error().message;
    EXPECT_EQ(*tbs, std::stoul(row[10]))
        << "row " << passed << ": prb=" << row[0] << " sym=" << row[1] << " mcs=" << row[4] << "/"
        << row[5] << " layers=" << row[8];
    if (*tbs == std::stoul(row[10])) ++passed;
  }
  EXPECT_EQ(passed, rows.size());
}

TEST(TransportBlockSize, ExactRationalNinfo) {
  // README: N_RE = 24725 (215 PRB x N'_RE 115), Qm 2, R 449/1024, 3 layers: N_info = 65047.998...
  // exactly, TBS 64552 (single precision rounds to 65048 and gives 65576).
  TbsConfig cfg;
  cfg.nof_prb = 215;
  cfg.nof_symbols = 10;
  cfg.nof_dmrs_prb = 5;  // N'_RE = 120 - 5 = 115
  cfg.qm = 2;
  cfg.r_x2048 = 898;
  cfg.nof_layers = 3;
  EXPECT_EQ(*tbs_nof_re(cfg), 24725u);
  EXPECT_EQ(*transport_block_size(cfg), 64552u);
}

TEST(TransportBlockSize, BadInput) {
  TbsConfig cfg;
  cfg.nof_prb = 0;
  cfg.nof_symbols = 14;
  cfg.r_x2048 = 616;
  Expected<unsigned> t = transport_block_size(cfg);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, "nof_prb=0 outside 1..275");
  cfg.nof_prb = 276;
  t = transport_block_size(cfg);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, "nof_prb=276 outside 1..275");
  cfg.nof_prb = 10;
  cfg.qm = 3;
  t = transport_block_size(cfg);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message.rfind("qm=3", 0), 0u) << t.error().message;
  cfg.qm = 2;
  cfg.nof_layers = 5;
  t = transport_block_size(cfg);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, "nof_layers=5 outside 1..4");
  cfg.nof_layers = 1;
  cfg.nof_symbols = 1;
  cfg.nof_dmrs_prb = 12;
  t = transport_block_size(cfg);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message.rfind("nof_dmrs_prb=12", 0), 0u) << t.error().message;
  const Expected<TbsConfig> r = tbs_config_from_mcs(McsTable::qam64, 29, TbsConfig{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("mcs=29 is reserved", 0), 0u) << r.error().message;
}

}  // namespace
}  // namespace airan::phy
