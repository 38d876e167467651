// PuschConfig derived values and the errors of the PUSCH transmitter and receiver on bad input:
// each names the field (or buffer) and what is allowed.
#include "airan/phy/pusch/pusch_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "airan/phy/pusch/pusch_receiver.h"
#include "airan/phy/pusch/pusch_transmitter.h"

namespace airan::phy {
namespace {

PuschConfig base_config() {
  PuschConfig p;
  p.carrier = *nr_carrier(30, 20);  // 51 PRB
  p.nof_prb = 10;
  p.mcs = 10;
  return p;
}

bool mentions(const std::string& message, const std::string& field) {
  return message.find(field) != std::string::npos;
}

void expect_error(const PuschConfig& p, const std::string& field) {
  const Status s = pusch_config_validate(p);
  ASSERT_FALSE(s.is_ok()) << "expected an error naming " << field;
  EXPECT_TRUE(mentions(s.message(), field)) << s.message();
  EXPECT_FALSE(pusch_derive(p).has_value());
}

TEST(PuschConfig, DerivedValues) {
  PuschConfig p = base_config();
  p.dmrs_additional_positions = 1;  // DM-RS in symbols 2 and 11
  auto d = pusch_derive(p);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->qm, 4u);
  EXPECT_EQ(d->dmrs_symbols.count, 2u);
  EXPECT_EQ(d->nof_dmrs_prb, 24u);  // 2 symbols x 6 REs x 2 CDM groups without data
  EXPECT_EQ(d->nof_data_re, 10u * 12 * 12);
  EXPECT_EQ(d->g, d->nof_data_re * 4);
  EXPECT_EQ(d->dmrs_data_mask, 0u);

  p.nof_cdm_groups_without_data = 1;  // odd subcarriers of DM-RS symbols carry data
  d = pusch_derive(p);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dmrs_data_mask, 0xAAAu);
  EXPECT_EQ(d->nof_data_re, 10u * (12 * 12 + 2 * 6));

  p.dmrs_type = DmrsType::type2;  // type 2, 1 CDM group: subcarriers 2-5 and 8-11
  d = pusch_derive(p);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dmrs_data_mask, 0xF3Cu);
  EXPECT_EQ(d->nof_dmrs_prb, 8u);

  p.nof_layers = 2;
  const auto d2 = pusch_derive(p);
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->g, 2 * d->g);
  EXPECT_GT(d2->tbs, d->tbs);
}

TEST(PuschConfig, BadFieldsAreNamed) {
  PuschConfig p = base_config();
  p.prb_start = 45;  // 45 + 10 > 51
  expect_error(p, "prb_start");
  p = base_config();
  p.nof_prb = 52;
  expect_error(p, "nof_prb");
  p = base_config();
  p.nof_prb = 0;
  expect_error(p, "nof_prb");
  p = base_config();
  p.carrier.scs_khz = 60;
  expect_error(p, "carrier.scs_khz");
  p = base_config();
  p.slot = 20;  // 30 kHz: 20 slots per frame
  expect_error(p, "slot");
  p = base_config();
  p.start_symbol = 4;
  p.nof_symbols = 11;
  expect_error(p, "nof_symbols");
  p = base_config();
  p.mcs = 29;  // reserved in qam64
  expect_error(p, "mcs");
  p = base_config();
  p.mcs = 32;
  expect_error(p, "mcs");
  p = base_config();
  p.mcs_table = McsTable::qam64_tp;
  expect_error(p, "mcs_table");
  p = base_config();
  p.nof_layers = 5;
  expect_error(p, "nof_layers");
  p = base_config();
  p.nof_layers = 3;
  p.nof_cdm_groups_without_data = 1;  // port 2 is in CDM group 1
  expect_error(p, "nof_cdm_groups_without_data");
  p = base_config();
  p.rv = 4;
  expect_error(p, "rv");
  p = base_config();
  p.rnti = 70000;
  expect_error(p, "rnti");
  p = base_config();
  p.n_id = 1024;
  expect_error(p, "n_id");
  p = base_config();
  p.dmrs_additional_positions = 4;
  expect_error(p, "additional_positions");
  p = base_config();
  p.n_scid = 2;
  expect_error(p, "n_scid");
}

TEST(PuschTransmitter, WrongBuffersAreNamed) {
  const PuschConfig p = base_config();
  const auto d = pusch_derive(p);
  ASSERT_TRUE(d);
  const size_t grid_size = 14 * p.carrier.n_subcarriers();
  std::vector<cf_t> g0(grid_size), g1(grid_size), small(grid_size - 1);
  std::vector<uint8_t> tb(pusch_tb_bytes(d->tbs));
  PuschTransmitter tx;
  std::vector<std::span<cf_t>> two = {g0, g1};
  Status s = tx.transmit(two, tb, p);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "port_grids")) << s.message();
  std::vector<std::span<cf_t>> bad = {small};
  s = tx.transmit(bad, tb, p);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "port_grids[0]")) << s.message();
  std::vector<std::span<cf_t>> one = {g0};
  std::vector<uint8_t> short_tb(tb.size() - 1);
  s = tx.transmit(one, short_tb, p);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "tb")) << s.message();
  PuschConfig beyond = p;
  beyond.prb_start = 50;
  s = tx.transmit(one, tb, beyond);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "prb_start")) << s.message();
  EXPECT_TRUE(tx.transmit(one, tb, p).is_ok());
}

TEST(PuschReceiver, BadConfigurationIsNamed) {
  PuschReceiverConfig rc;
  rc.carrier = *nr_carrier(30, 20);
  rc.nof_rx = 5;
  auto rx = PuschReceiver::create(rc);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(mentions(rx.error().message, "nof_rx")) << rx.error().message;
  rc.nof_rx = 2;
  rc.max_layers = 3;
  rx = PuschReceiver::create(rc);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(mentions(rx.error().message, "max_layers")) << rx.error().message;
  rc.max_layers = 2;
  rc.max_prb = 60;
  rx = PuschReceiver::create(rc);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(mentions(rx.error().message, "max_prb")) << rx.error().message;
  rc.max_prb = 0;
  rc.carrier.scs_khz = 120;
  rx = PuschReceiver::create(rc);
  ASSERT_FALSE(rx);
  EXPECT_TRUE(mentions(rx.error().message, "carrier.scs_khz")) << rx.error().message;
}

TEST(PuschReceiver, BadInputIsNamed) {
  PuschReceiverConfig rc;
  rc.carrier = *nr_carrier(30, 20);
  rc.nof_rx = 2;
  rc.max_layers = 2;
  rc.max_prb = 20;
  auto made = PuschReceiver::create(rc);
  ASSERT_TRUE(made) << made.error().message;
  PuschReceiver& rx = **made;

  std::vector<cf_t> wrong(100);
  Status s = rx.set_grid(0, wrong);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "grid")) << s.message();
  s = rx.set_grid(2, wrong);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "rx")) << s.message();
  s = rx.demodulate(0, wrong, 0);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "samples")) << s.message();
  s = rx.demodulate_symbol(0, 14, wrong, 0);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "symbol")) << s.message();

  PuschConfig p = base_config();
  p.nof_layers = 3;
  p.nof_cdm_groups_without_data = 2;
  s = rx.configure_ue(0, p, 0, true);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "nof_layers")) << s.message();
  EXPECT_TRUE(mentions(s.message(), "nof_rx")) << s.message();

  p = base_config();
  p.prb_start = 48;  // PRBs beyond the carrier
  s = rx.configure_ue(0, p, 0, true);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "prb_start")) << s.message();

  p = base_config();
  p.nof_prb = 30;  // beyond max_prb
  s = rx.configure_ue(0, p, 0, true);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "max_prb")) << s.message();

  p = base_config();
  s = rx.configure_ue(1, p, 0, true);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "ue")) << s.message();
  s = rx.configure_ue(0, p, 40, true);
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "harq_id")) << s.message();
  s = rx.configure_ue(0, p, 3, false);  // nothing buffered for this process
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "new_data")) << s.message();

  // A noise-only grid (an all-zero one would decode to the all-zero TB, whose CRC is valid).
  std::vector<cf_t> noise(14 * p.carrier.n_subcarriers());
  uint32_t state = 12345;
  for (cf_t& v : noise) {
    state = state * 1664525u + 1013904223u;
    const float re = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
    state = state * 1664525u + 1013904223u;
    v = cf_t(re, static_cast<float>(state >> 8) / 16777216.0f - 0.5f);
  }
  ASSERT_TRUE(rx.set_grid(0, noise).is_ok());
  ASSERT_TRUE(rx.set_grid(1, noise).is_ok());
  // Stages out of order.
  s = rx.equalize_demap(0);
  EXPECT_FALSE(s.is_ok());
  ASSERT_TRUE(rx.configure_ue(0, p, 0, true).is_ok());
  s = rx.decode_code_block(0, 0);
  EXPECT_FALSE(s.is_ok());
  EXPECT_FALSE(rx.finish_ue(0).has_value());
  ASSERT_TRUE(rx.estimate_channel(0).is_ok());
  ASSERT_TRUE(rx.equalize_demap(0).is_ok());
  s = rx.decode_code_block(0, rx.nof_code_blocks(0));
  ASSERT_FALSE(s.is_ok());
  EXPECT_TRUE(mentions(s.message(), "cb")) << s.message();
  auto unfinished = rx.finish_ue(0);
  ASSERT_FALSE(unfinished);
  EXPECT_TRUE(mentions(unfinished.error().message, "code blocks")) << unfinished.error().message;
  // A noise-only grid runs through without failing, and without a CRC match.
  for (unsigned cb = 0; cb < rx.nof_code_blocks(0); ++cb)
    ASSERT_TRUE(rx.decode_code_block(0, cb).is_ok());
  auto res = rx.finish_ue(0);
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_FALSE(res->crc_ok);
}

}  // namespace
}  // namespace airan::phy
