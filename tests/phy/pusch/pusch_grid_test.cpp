// Complete PUSCH resource grids (pusch_grid_cases.csv + pusch_grid.csv, ../shared/data/nr/phy
// README "pusch_grid"): the transmitter reproduces every RE, the codeword and the derived values;
// the receiver decodes each file grid back to the same TB.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "airan/phy/pusch/pusch_config.h"
#include "airan/phy/pusch/pusch_receiver.h"
#include "airan/phy/pusch/pusch_transmitter.h"
#include "phy/pusch/nr_vector_utils.h"
#include "test_data.h"

namespace airan::phy {
namespace {

struct GridCase {
  std::map<std::string, std::string> f;  // column name -> value
  PuschConfig cfg;
  std::vector<uint8_t> tb;
};

unsigned u(const GridCase& c, const std::string& name) {
  return static_cast<unsigned>(std::stoul(c.f.at(name)));
}

std::vector<uint8_t> hex_bytes(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// The smallest standard carrier of the case's numerology that holds its BWP.
Carrier carrier_for(unsigned numerology, unsigned rb_needed) {
  const unsigned scs = numerology == 0 ? 15 : 30;
  for (unsigned bw : {5u, 10u, 15u, 20u, 25u, 30u, 40u, 50u, 60u, 80u, 100u}) {
    auto c = nr_carrier(scs, bw);
    if (c && c->n_rb >= rb_needed) return *c;
  }
  return {};
}

std::vector<GridCase> load_cases() {
  std::vector<std::string> header;
  const auto rows = test::read_csv(test::data_path("nr/phy/pusch_grid_cases.csv"), &header);
  std::vector<GridCase> cases;
  for (const auto& row : rows) {
    GridCase c;
    for (size_t i = 0; i < header.size() && i < row.size(); ++i) c.f[header[i]] = row[i];
    PuschConfig& p = c.cfg;
    p.carrier = carrier_for(u(c, "numerology"), u(c, "bwp_start") + u(c, "bwp_size"));
    p.slot = u(c, "slot");
    p.rnti = u(c, "n_rnti");
    p.n_id = u(c, "n_id");
    p.prb_start = u(c, "bwp_start") + u(c, "prb_start");
    p.nof_prb = u(c, "nof_prb");
    p.start_symbol = u(c, "start_symbol");
    p.nof_symbols = u(c, "nof_symbols");
    p.dmrs_type = u(c, "dmrs_type") == 1 ? DmrsType::type1 : DmrsType::type2;
    const auto dmrs = test::parse_uint_list(c.f.at("dmrs_symbols"));
    // Mapping type A over the whole slot: l0 is the first DM-RS symbol, the rest are additional.
    p.mapping = PuschMappingType::type_a;
    p.type_a_position = dmrs.empty() ? 2 : dmrs[0];
    p.dmrs_additional_positions = dmrs.empty() ? 0 : static_cast<unsigned>(dmrs.size() - 1);
    p.dmrs_scrambling_id = u(c, "dmrs_scrambling_id");
    p.n_scid = u(c, "n_scid");
    p.nof_cdm_groups_without_data = u(c, "nof_cdm_groups_without_data");
    auto table = mcs_table_from_name(c.f.at("mcs_table"));
    if (table) p.mcs_table = *table;
    p.mcs = u(c, "mcs");
    p.nof_layers = u(c, "nof_layers");
    p.rv = u(c, "rv");
    c.tb = hex_bytes(c.f.at("tb_hex"));
    cases.push_back(std::move(c));
  }
  return cases;
}

struct FileRe {
  unsigned symbol = 0, subcarrier = 0;
  std::string type;
  cf_t value;
};

std::map<std::string, std::vector<FileRe>> load_grid() {
  std::map<std::string, std::vector<FileRe>> out;
  for (const auto& row : test::read_csv(test::data_path("nr/phy/pusch_grid.csv"))) {
    FileRe re;
    re.symbol = static_cast<unsigned>(std::stoul(row[1]));
    re.subcarrier = static_cast<unsigned>(std::stoul(row[2]));
    re.type = row[3];
    re.value = cf_t(std::stof(row[4]), std::stof(row[5]));
    out[row[0]].push_back(re);
  }
  return out;
}

TEST(PuschGrid, DerivedValuesMatchCases) {
  const auto cases = load_cases();
  ASSERT_EQ(cases.size(), 3u);
  for (const GridCase& c : cases) {
    SCOPED_TRACE("case " + c.f.at("case"));
    auto d = pusch_derive(c.cfg);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->qm, u(c, "Qm"));
    EXPECT_EQ(d->tbs, u(c, "tbs"));
    EXPECT_EQ(d->nof_data_re, u(c, "nof_data_re"));
    EXPECT_EQ(d->g, u(c, "G"));
    EXPECT_EQ(d->scrambling_c_init, static_cast<uint32_t>(std::stoul(c.f.at("c_init"))));
    EXPECT_NEAR(d->dmrs_beta, std::stof(c.f.at("beta_dmrs")), 5e-6);
    const auto dmrs = test::parse_uint_list(c.f.at("dmrs_symbols"));
    ASSERT_EQ(d->dmrs_symbols.count, dmrs.size());
    for (size_t i = 0; i < dmrs.size(); ++i) EXPECT_EQ(d->dmrs_symbols.symbols[i].l, dmrs[i]);
    EXPECT_EQ(c.tb.size(), pusch_tb_bytes(d->tbs));
  }
}

TEST(PuschGrid, TransmitterReproducesEveryRe) {
  const auto cases = load_cases();
  const auto grid = load_grid();
  ASSERT_EQ(cases.size(), 3u);
  size_t checked = 0;
  for (const GridCase& c : cases) {
    const std::string name = c.f.at("case");
    SCOPED_TRACE("case " + name);
    ASSERT_TRUE(grid.count(name));
    const unsigned n_sc = c.cfg.carrier.n_subcarriers();
    std::vector<cf_t> port0(static_cast<size_t>(kSymbolsPerSlot) * n_sc, cf_t{});
    std::vector<std::span<cf_t>> ports = {port0};
    PuschTransmitter tx;
    ASSERT_TRUE(tx.transmit(ports, c.tb, c.cfg).is_ok());

    // Codeword after scrambling.
    const auto scrambled = test::parse_bit_string(c.f.at("scrambled_bits"));
    ASSERT_EQ(tx.last_codeword().size(), scrambled.size());
    EXPECT_TRUE(std::equal(scrambled.begin(), scrambled.end(), tx.last_codeword().begin()));

    std::vector<uint8_t> listed(port0.size(), 0);
    for (const FileRe& re : grid.at(name)) {
      const size_t idx = static_cast<size_t>(re.symbol) * n_sc + re.subcarrier;
      ASSERT_LT(idx, port0.size());
      listed[idx] = 1;
      // README tolerances: 1e-6 for plain values, 5e-6 for beta_DMRS-scaled ones.
      const double tol = re.type == "dmrs" ? 5e-6 : 1e-6;
      ASSERT_NEAR(port0[idx].real(), re.value.real(), tol)
          << re.type << " l=" << re.symbol << " k=" << re.subcarrier;
      ASSERT_NEAR(port0[idx].imag(), re.value.imag(), tol)
          << re.type << " l=" << re.symbol << " k=" << re.subcarrier;
      ++checked;
    }
    for (size_t i = 0; i < port0.size(); ++i) {
      if (!listed[i]) {
        ASSERT_EQ(port0[i], cf_t{}) << "RE " << i << " outside the allocation";
      }
    }
  }
  EXPECT_EQ(checked, 5208u);
}

TEST(PuschGrid, ReceiverDecodesFileGrids) {
  const auto cases = load_cases();
  const auto grid = load_grid();
  for (const GridCase& c : cases) {
    const std::string name = c.f.at("case");
    SCOPED_TRACE("case " + name);
    const unsigned n_sc = c.cfg.carrier.n_subcarriers();
    std::vector<cf_t> g(static_cast<size_t>(kSymbolsPerSlot) * n_sc, cf_t{});
    for (const FileRe& re : grid.at(name))
      g[static_cast<size_t>(re.symbol) * n_sc + re.subcarrier] = re.value;
    PuschReceiverConfig rc;
    rc.carrier = c.cfg.carrier;
    rc.nof_rx = 1;
    rc.max_layers = 1;
    auto rx = PuschReceiver::create(rc);
    ASSERT_TRUE(rx) << rx.error().message;
    ASSERT_TRUE((*rx)->set_grid(0, g).is_ok());
    auto res = (*rx)->receive_ue(0, c.cfg, 0, true);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_TRUE(res->crc_ok);
    ASSERT_EQ(res->tb.size(), c.tb.size());
    EXPECT_TRUE(std::equal(c.tb.begin(), c.tb.end(), res->tb.begin()));
    EXPECT_EQ(res->code_blocks, u(c, "nof_codeblocks"));
    // A noiseless grid: the estimates say so.
    EXPECT_GT(res->snr_db, 40.0f);
    EXPECT_LT(res->evm_percent, 1.0f);
  }
}

}  // namespace
}  // namespace airan::phy
