// PUSCH DM-RS (TS 38.211 6.4.1.1) against every row of dmrs_pusch.csv and dmrs_pusch_tp.csv:
// c_init, r, the cover codes, beta, subcarriers and the generated REs; symbol positions against
// entries of Tables 6.4.1.1.3-3/-4; bad input.
#include "airan/phy/pusch/dmrs_pusch.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "airan/phy/pusch/dmrs_pusch_tp.h"
#include "phy/pusch/nr_vector_utils.h"
#include "test_data.h"

namespace airan::phy {
namespace {

using cf = std::complex<float>;

DmrsPositionConfig type_a(unsigned l0, unsigned len, unsigned pos, bool dbl) {
  DmrsPositionConfig p;
  p.mapping = PuschMappingType::type_a;
  p.type_a_position = l0;
  p.nof_symbols = len;
  p.additional_positions = pos;
  p.double_symbol = dbl;
  return p;
}

// A time-domain configuration that gives each case's DM-RS symbols (the file lists only the
// symbols); the generator's symbols are checked against the file's rows.
std::map<std::string, DmrsPositionConfig> case_positions() {
  DmrsPositionConfig s10;
  s10.mapping = PuschMappingType::type_b;
  s10.start_symbol = 0;
  s10.nof_symbols = 7;
  s10.double_symbol = true;
  return {{"S1", type_a(2, 14, 0, false)}, {"S2", type_a(2, 14, 1, false)},
          {"S3", type_a(2, 14, 2, false)}, {"S4", type_a(2, 14, 0, true)},
          {"S5", type_a(2, 14, 0, true)},  {"S6", type_a(2, 14, 0, false)},
          {"S7", type_a(2, 12, 1, false)}, {"S8", type_a(3, 14, 0, false)},
          {"S9", type_a(2, 14, 1, true)},  {"S10", s10}};
}

void expect_near(const std::vector<cf>& got, const std::vector<cf>& want, double tol,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(got[i].real(), want[i].real(), tol) << what << " entry " << i;
    ASSERT_NEAR(got[i].imag(), want[i].imag(), tol) << what << " entry " << i;
  }
}

TEST(PuschDmrs, MatchesVectorFile) {
  const auto rows = test::read_csv(test::data_path("nr/phy/dmrs_pusch.csv"));
  ASSERT_EQ(rows.size(), 20u);
  const auto positions = case_positions();
  std::map<std::string, std::vector<const std::vector<std::string>*>> by_case;
  for (const auto& row : rows) by_case[row[0]].push_back(&row);
  ASSERT_EQ(by_case.size(), 10u);

  size_t rows_passed = 0;
  for (const auto& [name, case_rows] : by_case) {
    const auto& first = *case_rows.front();
    PuschDmrsConfig cfg;
    cfg.type = first[1] == "1" ? DmrsType::type1 : DmrsType::type2;
    cfg.n_id = static_cast<unsigned>(std::stoul(first[2]));
    cfg.n_scid = static_cast<unsigned>(std::stoul(first[3]));
    cfg.numerology = static_cast<unsigned>(std::stoul(first[4]));
    cfg.slot = static_cast<unsigned>(std::stoul(first[5]));
    cfg.crb_start = static_cast<unsigned>(std::stoul(first[9]));
    cfg.nof_crb = static_cast<unsigned>(std::stoul(first[10]));
    cfg.port = static_cast<unsigned>(std::stoul(first[11]));
    cfg.nof_cdm_groups_without_data = static_cast<unsigned>(std::stoul(first[14]));
    cfg.positions = positions.at(name);

    const Expected<DmrsPortParams> port = pusch_dmrs_port_params(cfg.type, cfg.port);
    ASSERT_TRUE(port);
    const Expected<float> beta = pusch_dmrs_beta(cfg.type, cfg.nof_cdm_groups_without_data);
    ASSERT_TRUE(beta);
    EXPECT_NEAR(*beta, std::stod(first[15]), 5e-7) << name;

    const Expected<std::vector<DmrsRe>> res = pusch_dmrs_generate(cfg);
    ASSERT_TRUE(res) << name << ": " << res.error().message;
    const size_t per_symbol = res->size() / case_rows.size();
    ASSERT_EQ(per_symbol * case_rows.size(), res->size()) << name;

    for (size_t s = 0; s < case_rows.size(); ++s) {
      const auto& row = *case_rows[s];
      const unsigned symbol = static_cast<unsigned>(std::stoul(row[6]));
      const unsigned l_prime = static_cast<unsigned>(std::stoul(row[7]));
      EXPECT_EQ(std::stoul(row[8]), s) << name;
      EXPECT_EQ(port->cdm_group, std::stoul(row[12])) << name;
      EXPECT_EQ(port->delta, std::stoul(row[13])) << name;
      const auto c_init = static_cast<uint32_t>(std::stoul(row[16]));
      EXPECT_EQ(pusch_dmrs_c_init(cfg.n_id, cfg.n_scid, cfg.slot, symbol), c_init) << name;
      const size_t first_m = std::stoul(row[17]);
      EXPECT_EQ(first_m,
                static_cast<size_t>(cfg.crb_start) * (cfg.type == DmrsType::type1 ? 6 : 4));

      const std::vector<unsigned> k = test::parse_uint_list(row[18]);
      const std::vector<cf> r = test::parse_complex_list(row[19]);
      const std::vector<cf> r_occ = test::parse_complex_list(row[20]);
      const std::vector<cf> r_scaled = test::parse_complex_list(row[21]);
      ASSERT_EQ(k.size(), per_symbol) << name;

      // Stage 1: r(m).
      std::vector<cf> got_r(r.size());
      pusch_dmrs_sequence(got_r, c_init, first_m);
      expect_near(got_r, r, 1e-6, name + " r");
      // Stage 2: cover codes, k' = m mod 2.
      std::vector<cf> got_occ(r.size());
      for (size_t i = 0; i < r.size(); ++i) {
        const size_t kp = (first_m + i) % 2;
        got_occ[i] = got_r[i] * static_cast<float>(port->w_f[kp] * port->w_t[l_prime]);
      }
      expect_near(got_occ, r_occ, 1e-6, name + " r_occ");
      // Stage 3: the generator's REs for this symbol.
      std::vector<cf> got_scaled;
      for (size_t i = 0; i < per_symbol; ++i) {
        const DmrsRe& re = (*res)[s * per_symbol + i];
        ASSERT_EQ(re.symbol, symbol) << name;
        ASSERT_EQ(re.subcarrier, k[i]) << name << " entry " << i;
        got_scaled.push_back(re.value);
      }
      expect_near(got_scaled, r_scaled, 5e-6, name + " r_scaled");
      if (!HasFailure()) ++rows_passed;
    }
  }
  EXPECT_EQ(rows_passed, rows.size());
}

TEST(PuschDmrsTp, MatchesVectorFile) {
  const auto rows = test::read_csv(test::data_path("nr/phy/dmrs_pusch_tp.csv"));
  ASSERT_EQ(rows.size(), 6u);
  for (const auto& row : rows) {
    const unsigned n_rs_id = static_cast<unsigned>(std::stoul(row[1]));
    EXPECT_EQ(n_rs_id % 30, std::stoul(row[2]));
    EXPECT_EQ(std::stoul(row[3]), 0u);
    PuschDmrsTpConfig cfg;
    cfg.n_rs_id = n_rs_id;
    cfg.crb_start = static_cast<unsigned>(std::stoul(row[7]));
    cfg.nof_prb = static_cast<unsigned>(std::stoul(row[8]));
    const unsigned symbol = static_cast<unsigned>(std::stoul(row[6]));
    cfg.positions = type_a(symbol, 14, 0, false);
    const size_t m_zc = std::stoul(row[9]);
    EXPECT_EQ(m_zc, 6u * cfg.nof_prb);
    const std::vector<unsigned> k = test::parse_uint_list(row[10]);
    const std::vector<cf> r = test::parse_complex_list(row[11]);
    ASSERT_EQ(r.size(), m_zc);

    std::vector<cf> got(m_zc);
    ASSERT_TRUE(pusch_dmrs_tp_sequence(got, n_rs_id));
    expect_near(got, r, 5e-6, row[0] + " r");

    const Expected<std::vector<DmrsRe>> res = pusch_dmrs_tp_generate(cfg);
    ASSERT_TRUE(res) << res.error().message;
    ASSERT_EQ(res->size(), m_zc);
    for (size_t i = 0; i < m_zc; ++i) {
      EXPECT_EQ((*res)[i].symbol, symbol);
      EXPECT_EQ((*res)[i].subcarrier, k[i]) << row[0] << " " << i;
      EXPECT_NEAR(std::abs((*res)[i].value - r[i]), 0.0, 5e-6) << row[0] << " " << i;
    }
  }
}

std::vector<unsigned> symbols_of(const DmrsPositionConfig& p) {
  const Expected<DmrsSymbols> s = pusch_dmrs_symbols(p);
  EXPECT_TRUE(s) << s.error().message;
  std::vector<unsigned> out;
  if (!s) return out;
  for (unsigned i = 0; i < s->count; ++i) out.push_back(s->symbols[i].l);
  return out;
}

TEST(PuschDmrsPositions, TableEntries) {
  using V = std::vector<unsigned>;
  // Table 6.4.1.1.3-3, type A (l0 = 2 unless noted).
  EXPECT_EQ(symbols_of(type_a(2, 7, 3, false)), V({2}));
  EXPECT_EQ(symbols_of(type_a(2, 9, 1, false)), V({2, 7}));
  EXPECT_EQ(symbols_of(type_a(2, 11, 2, false)), V({2, 6, 9}));
  EXPECT_EQ(symbols_of(type_a(2, 11, 3, false)), V({2, 6, 9}));
  EXPECT_EQ(symbols_of(type_a(2, 12, 3, false)), V({2, 5, 8, 11}));
  EXPECT_EQ(symbols_of(type_a(3, 13, 2, false)), V({3, 7, 11}));
  EXPECT_EQ(symbols_of(type_a(2, 14, 3, false)), V({2, 5, 8, 11}));
  // Table 6.4.1.1.3-4, type A.
  EXPECT_EQ(symbols_of(type_a(2, 12, 1, true)), V({2, 3, 8, 9}));
  EXPECT_EQ(symbols_of(type_a(3, 9, 1, true)), V({3, 4}));
  // Type B: l_bar counted from the PUSCH start S.
  DmrsPositionConfig b;
  b.mapping = PuschMappingType::type_b;
  b.start_symbol = 3;
  b.nof_symbols = 10;
  b.additional_positions = 2;
  EXPECT_EQ(symbols_of(b), V({3, 7, 11}));
  b.additional_positions = 3;
  EXPECT_EQ(symbols_of(b), V({3, 6, 9, 12}));
  b.start_symbol = 7;
  b.nof_symbols = 7;
  b.additional_positions = 1;
  EXPECT_EQ(symbols_of(b), V({7, 11}));
  b.start_symbol = 2;
  b.nof_symbols = 12;
  b.double_symbol = true;
  EXPECT_EQ(symbols_of(b), V({2, 3, 11, 12}));
  const DmrsSymbols s = *pusch_dmrs_symbols(b);
  EXPECT_EQ(s.symbols[1].l_prime, 1u);
  EXPECT_EQ(s.mask, (1u << 2) | (1u << 3) | (1u << 11) | (1u << 12));
}

TEST(PuschDmrs, BadInput) {
  auto expect_error = [](const Status& s, const std::string& prefix) {
    ASSERT_FALSE(s);
    EXPECT_EQ(s.message().rfind(prefix, 0), 0u) << s.message();
  };
  PuschDmrsConfig cfg;
  cfg.nof_crb = 0;
  expect_error(pusch_dmrs_validate(cfg), "nof_crb=0");
  cfg.nof_crb = 276;
  expect_error(pusch_dmrs_validate(cfg), "nof_crb=276");
  cfg.nof_crb = 10;
  cfg.crb_start = 270;
  expect_error(pusch_dmrs_validate(cfg), "crb_start=270 outside 0..265");
  cfg.crb_start = 0;
  cfg.port = 8;
  expect_error(pusch_dmrs_validate(cfg), "port=8 outside 0..7");
  cfg.port = 4;  // needs double-symbol DM-RS
  expect_error(pusch_dmrs_validate(cfg), "port=4 outside 0..3");
  cfg.port = 2;
  cfg.nof_cdm_groups_without_data = 1;  // port 2 is in CDM group 1
  expect_error(pusch_dmrs_validate(cfg), "nof_cdm_groups_without_data=1");
  cfg.nof_cdm_groups_without_data = 3;
  expect_error(pusch_dmrs_validate(cfg), "nof_cdm_groups_without_data=3 outside 1..2");
  cfg.nof_cdm_groups_without_data = 2;
  cfg.slot = 10;
  expect_error(pusch_dmrs_validate(cfg), "slot=10 outside 0..9");
  cfg.slot = 0;
  cfg.n_id = 65536;
  expect_error(pusch_dmrs_validate(cfg), "n_id=65536");
  cfg.n_id = 0;
  cfg.positions.additional_positions = 4;
  expect_error(pusch_dmrs_validate(cfg), "additional_positions=4 outside 0..3");
  cfg.positions.additional_positions = 3;
  cfg.positions.type_a_position = 3;
  expect_error(pusch_dmrs_validate(cfg), "additional_positions=3 needs type_a_position=2");
  cfg.positions.type_a_position = 2;
  cfg.positions.nof_symbols = 3;
  expect_error(pusch_dmrs_validate(cfg), "nof_symbols=3 outside 4..14");
  cfg.positions.nof_symbols = 14;
  ASSERT_TRUE(pusch_dmrs_validate(cfg));
  std::vector<DmrsRe> out(pusch_dmrs_nof_re(cfg) + 1);
  expect_error(pusch_dmrs_generate(out, cfg), "out.size()=");

  PuschDmrsTpConfig tp;
  tp.nof_prb = 7;
  expect_error(pusch_dmrs_tp_validate(tp), "nof_prb=7 must be 2^a 3^b 5^c");
  tp.nof_prb = 6;
  tp.n_rs_id = 1008;
  expect_error(pusch_dmrs_tp_validate(tp), "n_rs_id=1008 outside 0..1007");
}

}  // namespace
}  // namespace airan::phy
