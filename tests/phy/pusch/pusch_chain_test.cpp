// PUSCH loopback TX -> OFDM -> channel -> OFDM demodulation -> RX: bit-exact decoding at high SNR
// over every MCS of the qam64 and qam256 tables, 1-4 layers, DM-RS types 1 and 2 with additional
// positions, several allocations and bandwidths; HARQ combining; 2 RX beats 1 RX on TDL-C.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "phy/pusch/pusch_link.h"

namespace airan::phy {
namespace {

Carrier carrier(unsigned scs, unsigned bw) {
  auto c = nr_carrier(scs, bw);
  EXPECT_TRUE(c);
  return c ? *c : Carrier{};
}

struct DmrsVariant {
  DmrsType type;
  unsigned additional;
  unsigned cdm_groups;
};

std::string describe(const PuschConfig& p) {
  return std::string(mcs_table_name(p.mcs_table)) + " mcs " + std::to_string(p.mcs) + ", PRB " +
         std::to_string(p.prb_start) + "+" + std::to_string(p.nof_prb) + ", layers " +
         std::to_string(p.nof_layers) + ", DM-RS type " +
         std::to_string(static_cast<unsigned>(p.dmrs_type)) + " add " +
         std::to_string(p.dmrs_additional_positions) + " cdm " +
         std::to_string(p.nof_cdm_groups_without_data) + ", symbols " +
         std::to_string(p.start_symbol) + "+" + std::to_string(p.nof_symbols);
}

ChannelConfig awgn(double snr_db, int timing_offset, uint64_t seed) {
  ChannelConfig ch;
  ch.profile = TdlProfile::flat;
  ch.snr_db = snr_db;
  ch.timing_offset_samples = timing_offset;
  ch.seed = seed;
  return ch;
}

// Every MCS of both tables, one layer, one antenna, 30 kHz / 20 MHz; the allocation, DM-RS
// configuration and timing offset rotate from MCS to MCS.
TEST(PuschLoopback, EveryMcsBothTablesDecodesBitExactly) {
  const Carrier c = carrier(30, 20);
  test::PuschLink link(c, 1, 1);
  ASSERT_NE(link.receiver(), nullptr);
  const std::vector<std::pair<unsigned, unsigned>> allocs = {
      {0, 51}, {7, 20}, {50, 1}, {13, 5}, {1, 48}};
  const std::vector<DmrsVariant> dmrs = {{DmrsType::type1, 0, 2}, {DmrsType::type1, 1, 1},
                                         {DmrsType::type2, 2, 2}, {DmrsType::type2, 3, 1},
                                         {DmrsType::type2, 1, 3}, {DmrsType::type1, 2, 2}};
  unsigned n = 0;
  for (McsTable table : {McsTable::qam64, McsTable::qam256}) {
    const unsigned last = table == McsTable::qam64 ? 28 : 27;
    for (unsigned mcs = 0; mcs <= last; ++mcs, ++n) {
      PuschConfig p;
      p.carrier = c;
      p.slot = n % 20;
      p.rnti = 100 + n;
      p.n_id = n * 37 % 1024;
      p.prb_start = allocs[n % allocs.size()].first;
      p.nof_prb = allocs[n % allocs.size()].second;
      const DmrsVariant& dv = dmrs[n % dmrs.size()];
      p.dmrs_type = dv.type;
      p.dmrs_additional_positions = dv.additional;
      p.nof_cdm_groups_without_data = dv.cdm_groups;
      p.dmrs_scrambling_id = 1000 + n;
      p.n_scid = n % 2;
      p.mcs_table = table;
      p.mcs = mcs;
      const auto r = link.run(p, awgn(45.0, static_cast<int>(n % 9), n + 1), n);
      ASSERT_TRUE(r.ok) << describe(p) << ": " << r.error;
      EXPECT_TRUE(r.tb_match) << describe(p) << ": snr " << r.rx.snr_db << " dB, evm "
                              << r.rx.evm_percent << " %";
      EXPECT_GT(r.rx.snr_db, 30.0f) << describe(p);
    }
  }
}

// 15 kHz / 10 MHz and 30 kHz / 100 MHz, mapping type B and a short allocation.
TEST(PuschLoopback, OtherBandwidths) {
  {
    const Carrier c = carrier(15, 10);
    test::PuschLink link(c, 2, 2);
    for (unsigned mcs : {0u, 14u, 27u}) {
      PuschConfig p;
      p.carrier = c;
      p.slot = 3;
      p.prb_start = mcs == 14 ? 10 : 0;
      p.nof_prb = mcs == 14 ? 30 : 52;
      p.mcs = mcs;
      p.nof_layers = mcs == 14 ? 2 : 1;
      p.dmrs_additional_positions = 1;
      ChannelConfig ch = awgn(40.0, 3, mcs + 7);
      if (p.nof_layers == 2) {
        ch.profile = TdlProfile::tdl_a;
        ch.delay_spread_ns = 30;
        ch.max_doppler_hz = 5;
      }
      const auto r = link.run(p, ch, mcs);
      ASSERT_TRUE(r.ok) << describe(p) << ": " << r.error;
      EXPECT_TRUE(r.tb_match) << "15 kHz 10 MHz, " << describe(p);
    }
    // Mapping type B: 7 symbols from symbol 4, DM-RS on the first of them.
    PuschConfig b;
    b.carrier = c;
    b.mapping = PuschMappingType::type_b;
    b.start_symbol = 4;
    b.nof_symbols = 7;
    b.prb_start = 20;
    b.nof_prb = 12;
    b.mcs = 20;
    const auto r = link.run(b, awgn(40.0, 0, 3), 99);
    ASSERT_TRUE(r.ok) << describe(b) << ": " << r.error;
    EXPECT_TRUE(r.tb_match) << "type B, " << describe(b);
  }
  {
    // 273 PRB: the largest TBs (heaviest case, so only two slots).
    const Carrier c = carrier(30, 100);
    ASSERT_EQ(c.n_rb, 273u);
    test::PuschLink link(c, 4, 4);
    PuschConfig p;
    p.carrier = c;
    p.nof_prb = 273;
    p.mcs_table = McsTable::qam256;
    p.mcs = 27;
    p.dmrs_additional_positions = 1;
    auto r = link.run(p, awgn(45.0, 5, 11), 1);
    ASSERT_TRUE(r.ok) << describe(p) << ": " << r.error;
    EXPECT_TRUE(r.tb_match) << "100 MHz, " << describe(p);

    p.nof_layers = 4;
    p.mcs = 14;
    p.prb_start = 17;
    p.nof_prb = 200;
    ChannelConfig ch = awgn(40.0, 0, 12);
    ch.profile = TdlProfile::tdl_a;
    ch.delay_spread_ns = 30;
    ch.max_doppler_hz = 5;
    r = link.run(p, ch, 2);
    ASSERT_TRUE(r.ok) << describe(p) << ": " << r.error;
    EXPECT_TRUE(r.tb_match) << "100 MHz, " << describe(p);
  }
}

// 1-4 layers on 4 receive antennas through a weakly frequency-selective Rayleigh channel
// (TDL-A, 30 ns), DM-RS types 1 and 2 with 0-3 additional positions.
TEST(PuschLoopback, OneToFourLayersBothDmrsTypes) {
  const Carrier c = carrier(30, 20);
  test::PuschLink link(c, 4, 4);
  unsigned n = 0;
  for (DmrsType type : {DmrsType::type1, DmrsType::type2}) {
    for (unsigned layers = 1; layers <= 4; ++layers) {
      for (unsigned mcs : {9u, 19u}) {
        PuschConfig p;
        p.carrier = c;
        p.slot = n % 20;
        p.rnti = 0x4601 + n;
        p.prb_start = (n * 3) % 10;
        p.nof_prb = 40;
        p.dmrs_type = type;
        p.dmrs_additional_positions = n % 4;
        p.nof_cdm_groups_without_data = (type == DmrsType::type2 && n % 3 == 0) ? 3 : 2;
        p.mcs_table = McsTable::qam256;
        p.mcs = mcs;
        p.nof_layers = layers;
        ChannelConfig ch;
        ch.profile = TdlProfile::tdl_a;
        ch.delay_spread_ns = 30;
        ch.max_doppler_hz = 5;
        ch.snr_db = 42;
        ch.seed = 500 + n;
        const auto r = link.run(p, ch, n);
        ++n;
        ASSERT_TRUE(r.ok) << describe(p) << ": " << r.error;
        EXPECT_TRUE(r.tb_match) << describe(p) << ": snr " << r.rx.snr_db << " dB, evm "
                                << r.rx.evm_percent << " %";
      }
    }
  }
}

// A TB too weak to decode once decodes after HARQ retransmissions are combined, and does not
// when each transmission is decoded on its own.
TEST(PuschHarq, RetransmissionsCombine) {
  const Carrier c = carrier(30, 20);
  test::PuschLink link(c, 1, 1);
  PuschConfig p;
  p.carrier = c;
  p.nof_prb = 20;
  p.mcs = 16;  // 16QAM R = 0.64: about 9 dB for 10 % BLER
  p.dmrs_additional_positions = 1;
  const double snr = 4.0;
  const unsigned rvs[] = {0, 2, 3, 1};
  bool combined_ok = false, single_ok = false;
  std::vector<uint8_t> tb;
  for (unsigned t = 0; t < 4; ++t) {
    p.rv = rvs[t];
    const auto r = link.run(p, awgn(snr, 0, 900 + t), 77, 5, t == 0, t == 0 ? nullptr : &tb);
    ASSERT_TRUE(r.ok) << r.error;
    if (t == 0) {
      tb = link.last_tb();
      EXPECT_FALSE(r.tb_match) << "first transmission should fail at " << snr << " dB";
    }
    if (r.tb_match) combined_ok = true;
    if (r.tb_match) break;
  }
  EXPECT_TRUE(combined_ok);
  for (unsigned t = 0; t < 4; ++t) {
    p.rv = rvs[t];
    const auto r = link.run(p, awgn(snr, 0, 900 + t), 77, 6, true, &tb);
    ASSERT_TRUE(r.ok) << r.error;
    single_ok = single_ok || r.tb_match;
  }
  EXPECT_FALSE(single_ok);
}

// AWGN link curves (the points `airan bench pusch-link` sweeps): one modulation order each, 20 MHz
// full allocation, 1 RX, 16 iterations. Block errors fall as the SNR rises, and at 3 dB above the
// Shannon bound of the MCS's spectral efficiency fewer than 10 % of the blocks fail.
TEST(PuschAwgn, BlerFallsWithSnrAndIsBelowTenPercentThreeDbAboveShannon) {
  const Carrier c = carrier(30, 20);
  PuschReceiverConfig rc;
  rc.max_iterations = 16;
  test::PuschLink link(c, 1, 1, rc);
  const std::pair<McsTable, unsigned> cases[] = {
      {McsTable::qam64, 4}, {McsTable::qam64, 13}, {McsTable::qam64, 22}, {McsTable::qam256, 24}};
  constexpr unsigned kBlocks = 30;
  for (const auto& [table, mcs] : cases) {
    PuschConfig p;
    p.carrier = c;
    p.nof_prb = 51;
    p.mcs_table = table;
    p.mcs = mcs;
    p.dmrs_additional_positions = 1;
    auto d = pusch_derive(p);
    ASSERT_TRUE(d) << d.error().message;
    const double shannon_db = 10.0 * std::log10(std::exp2(d->qm * d->code_rate) - 1.0);
    unsigned errors[3] = {};
    for (unsigned k = 0; k < 3; ++k) {
      const double snr = shannon_db + 1.0 + k;
      for (unsigned b = 0; b < kBlocks; ++b) {
        const auto r = link.run(p, awgn(snr, 0, 7000 + 100 * k + b), 31 * b + mcs);
        ASSERT_TRUE(r.ok) << r.error;
        errors[k] += !r.tb_match;
      }
    }
    SCOPED_TRACE(describe(p) + ", Shannon " + std::to_string(shannon_db) + " dB");
    EXPECT_GE(errors[0], errors[1]);
    EXPECT_GE(errors[1], errors[2]);
    EXPECT_GT(errors[0], errors[2]);
    EXPECT_LT(errors[2] * 10, kBlocks) << errors[2] << " of " << kBlocks << " blocks failed";
  }
}

// TDL-C: two receive antennas give a lower EVM and no more block errors than one.
TEST(PuschTdl, TwoRxBeatOneRx) {
  const Carrier c = carrier(30, 20);
  test::PuschLink one(c, 1, 1), two(c, 2, 1);
  PuschConfig p;
  p.carrier = c;
  p.nof_prb = 24;
  p.mcs = 10;
  p.dmrs_additional_positions = 1;
  double evm1 = 0, evm2 = 0;
  unsigned err1 = 0, err2 = 0;
  const unsigned slots = 12;
  for (unsigned s = 0; s < slots; ++s) {
    ChannelConfig ch;
    ch.profile = TdlProfile::tdl_c;
    ch.delay_spread_ns = 300;
    ch.max_doppler_hz = 20;
    ch.snr_db = 5;
    ch.seed = 4000 + s;  // antenna 0 fades identically in both links
    const auto r1 = one.run(p, ch, s);
    const auto r2 = two.run(p, ch, s);
    ASSERT_TRUE(r1.ok && r2.ok) << r1.error << r2.error;
    evm1 += r1.rx.evm_percent;
    evm2 += r2.rx.evm_percent;
    err1 += !r1.tb_match;
    err2 += !r2.tb_match;
  }
  EXPECT_LT(evm2, 0.85 * evm1) << "mean EVM 1 RX " << evm1 / slots << " %, 2 RX " << evm2 / slots;
  EXPECT_LE(err2, err1);
  EXPECT_GT(err1, 0u) << "the SNR should stress one antenna";
  EXPECT_LT(err2, slots);
}

}  // namespace
}  // namespace airan::phy
