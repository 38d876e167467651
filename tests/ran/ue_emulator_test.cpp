// The UE emulator end to end: scheduled UEs' PUSCH through their channels, received and decoded
// by the cell receiver; HARQ retransmissions; SigMF record and replay of the same slots.
#include "airan/ran/ue_emulator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "airan/ran/sigmf.h"

namespace airan::ran {
namespace {

std::vector<EmulatedUeConfig> make_ues(unsigned n, double snr_db) {
  std::vector<EmulatedUeConfig> v;
  for (unsigned i = 0; i < n; ++i) {
    EmulatedUeConfig u;
    u.rnti = static_cast<uint16_t>(0x4601 + i);
    u.snr_db = snr_db + 3.0 * i;
    u.traffic.kind = TrafficKind::full_buffer;
    v.push_back(u);
  }
  return v;
}

TEST(UeEmulator, EveryScheduledTransportBlockDecodesAtGoodSnr) {
  CellConfig cell;
  auto emu = UeEmulator::create(cell, {}, make_ues(3, 22.0), LoadProfile::ramp_up_down(1.0), 5);
  ASSERT_TRUE(emu) << emu.error().message;
  auto rx = CellReceiver::create(cell, 4);
  ASSERT_TRUE(rx) << rx.error().message;
  EmulatedSlot slot;
  unsigned decoded = 0;
  for (int n = 0; n < 6; ++n) {
    ASSERT_TRUE((*emu)->next_slot(slot));
    ASSERT_FALSE(slot.schedule.pusch.empty());
    auto out = (*rx)->receive(slot.schedule, slot.samples);
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_EQ(out->size(), slot.sent_tbs.size());
    for (size_t u = 0; u < out->size(); ++u) {
      EXPECT_TRUE((*out)[u].crc_ok) << "slot " << n << " ue " << u;
      EXPECT_EQ((*out)[u].tb, slot.sent_tbs[u]);
      EXPECT_GT((*out)[u].snr_db, 10.0f);
      decoded += (*out)[u].crc_ok;
      (*emu)->on_crc((*out)[u].allocation, (*out)[u].crc_ok);
    }
  }
  EXPECT_GE(decoded, 12u);
}

TEST(UeEmulator, AggressiveLinkAdaptationIsRescuedByHarq) {
  CellConfig cell;
  cell.nof_rx = 1;
  UplinkSchedulerConfig sched;
  sched.link_margin_db =
      0.0;  // MCS at the Shannon SE of the UE: beyond what one transmission decodes
  auto emu = UeEmulator::create(cell, sched, make_ues(1, 8.0), LoadProfile::ramp_up_down(1.0), 9);
  ASSERT_TRUE(emu);
  auto rx = CellReceiver::create(cell, 4);
  ASSERT_TRUE(rx);
  EmulatedSlot slot;
  unsigned first_fail = 0, retx_ok = 0;
  for (int n = 0; n < 16; ++n) {
    ASSERT_TRUE((*emu)->next_slot(slot));
    auto out = (*rx)->receive(slot.schedule, slot.samples);
    ASSERT_TRUE(out) << out.error().message;
    for (size_t u = 0; u < out->size(); ++u) {
      const auto& o = (*out)[u];
      if (o.allocation.new_data && !o.crc_ok) ++first_fail;
      if (!o.allocation.new_data && o.crc_ok) {
        ++retx_ok;
        EXPECT_EQ(o.tb, slot.sent_tbs[u]);
      }
      (*emu)->on_crc(o.allocation, o.crc_ok);
    }
  }
  EXPECT_GT(first_fail, 0u);
  EXPECT_GT(retx_ok, 0u) << "first transmissions failed: " << first_fail;
  EXPECT_GT((*emu)->scheduler().stats().retransmissions, 0u);
}

TEST(UeEmulator, RecordedSlotsReplayToTheSameDecodedBits) {
  CellConfig cell;
  auto emu = UeEmulator::create(cell, {}, make_ues(2, 20.0), LoadProfile::ramp_up_down(1.0), 3);
  ASSERT_TRUE(emu);
  const auto base =
      std::filesystem::temp_directory_path() / ("airan_emu_" + std::to_string(::getpid()));
  RecordingInfo info;
  info.sample_rate_hz = (*emu)->carrier().sample_rate_hz;
  info.num_channels = cell.nof_rx;
  info.cell_id = cell.cell_id;
  std::vector<std::vector<std::vector<uint8_t>>> live;
  {
    auto w = SigmfWriter::create(base, info);
    ASSERT_TRUE(w);
    auto rx = CellReceiver::create(cell, 4);
    ASSERT_TRUE(rx);
    EmulatedSlot slot;
    for (int n = 0; n < 3; ++n) {
      ASSERT_TRUE((*emu)->next_slot(slot));
      std::vector<std::span<const std::complex<float>>> spans(slot.samples.begin(),
                                                              slot.samples.end());
      ASSERT_TRUE(w->write_slot(spans, slot.schedule));
      auto out = (*rx)->receive(slot.schedule, slot.samples);
      ASSERT_TRUE(out);
      live.emplace_back();
      for (const auto& o : *out) live.back().push_back(o.tb);
    }
    ASSERT_TRUE(w->finish());
  }
  auto r = SigmfReader::open(base);
  ASSERT_TRUE(r) << r.error().message;
  auto rx = CellReceiver::create(cell, 4);
  ASSERT_TRUE(rx);
  ASSERT_EQ(r->slots().size(), 3u);
  for (size_t n = 0; n < 3; ++n) {
    std::vector<std::vector<std::complex<float>>> samples(
        cell.nof_rx, std::vector<std::complex<float>>(r->slots()[n].sample_count));
    std::vector<std::span<std::complex<float>>> spans(samples.begin(), samples.end());
    ASSERT_TRUE(r->read_slot(n, spans));
    auto out = (*rx)->receive(r->slots()[n].schedule, samples);
    ASSERT_TRUE(out);
    ASSERT_EQ(out->size(), live[n].size());
    for (size_t u = 0; u < out->size(); ++u) EXPECT_EQ((*out)[u].tb, live[n][u]);
  }
  std::filesystem::remove(base.string() + ".sigmf-meta");
  std::filesystem::remove(base.string() + ".sigmf-data");
}

TEST(UeEmulator, RejectsBadConfigurations) {
  CellConfig cell;
  cell.bandwidth_mhz = 7;
  auto e = UeEmulator::create(cell, {}, make_ues(1, 10), LoadProfile::ramp_up_down(1.0), 1);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("bandwidth_mhz=7"), std::string::npos);
  cell.bandwidth_mhz = 20;
  auto ues = make_ues(1, 10);
  ues[0].nof_layers = 4;  // only 2 receive antennas
  e = UeEmulator::create(cell, {}, ues, LoadProfile::ramp_up_down(1.0), 1);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("nof_layers=4"), std::string::npos);
}

}  // namespace
}  // namespace airan::ran
