// The compiled-in TS 38.212 LDPC tables against the CSV files of the data folder.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "airan/phy/coding/ldpc_graph.h"
#include "phy/coding/ldpc_tables.h"
#include "test_data.h"

namespace airan::phy {
namespace {

TEST(LdpcTables, LiftingSizesMatchCsv) {
  auto rows = test::read_csv(test::data_path("nr/ldpc_lifting_sizes.csv"));
  ASSERT_EQ(rows.size(), 51u) << "missing " << test::data_path("nr/ldpc_lifting_sizes.csv");
  std::set<unsigned> seen;
  for (const auto& r : rows) {
    const unsigned z = std::stoul(r[1]);
    EXPECT_EQ(ldpc_lifting_set_index(z), std::stoi(r[0])) << "Z=" << z;
    seen.insert(z);
  }
  auto sizes = ldpc_lifting_sizes();
  ASSERT_EQ(sizes.size(), 51u);
  for (uint16_t z : sizes) EXPECT_TRUE(seen.count(z)) << z;
  EXPECT_EQ(ldpc_lifting_set_index(1), -1);
  EXPECT_EQ(ldpc_lifting_set_index(385), -1);
  EXPECT_EQ(ldpc_lifting_set_index(17), -1);
}

void check_graph(const char* file, LdpcBaseGraph bg, std::span<const detail::BaseGraphEntry> table) {
  auto rows = test::read_csv(test::data_path(std::string("nr/") + file));
  ASSERT_EQ(rows.size(), table.size()) << file;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(std::stoul(rows[i][0]), table[i].row) << file << " line " << i + 2;
    EXPECT_EQ(std::stoul(rows[i][1]), table[i].col) << file << " line " << i + 2;
    for (int s = 0; s < 8; ++s) {
      EXPECT_EQ(std::stoul(rows[i][2 + s]), table[i].shift[s]) << file << " line " << i + 2;
    }
  }
  // The expanded graph keeps every edge, with shifts reduced modulo Z.
  for (uint16_t z : ldpc_lifting_sizes()) {
    auto g = LdpcGraph::create(bg, z);
    ASSERT_TRUE(g) << g.error().message;
    ASSERT_EQ(g->edges().size(), table.size());
    const int ils = ldpc_lifting_set_index(z);
    for (size_t i = 0; i < table.size(); ++i) {
      EXPECT_EQ(g->edges()[i].col, table[i].col);
      EXPECT_EQ(g->edges()[i].shift, table[i].shift[ils] % z);
    }
  }
}

TEST(LdpcTables, BaseGraph1MatchesCsv) { check_graph("ldpc_bg1.csv", LdpcBaseGraph::bg1, detail::kBaseGraph1); }
TEST(LdpcTables, BaseGraph2MatchesCsv) { check_graph("ldpc_bg2.csv", LdpcBaseGraph::bg2, detail::kBaseGraph2); }

TEST(LdpcGraph, RejectsUnsupportedLiftingSize) {
  auto g = LdpcGraph::create(LdpcBaseGraph::bg1, 17);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("Z=17"), std::string::npos);
}

}  // namespace
}  // namespace airan::phy
