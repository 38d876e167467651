// SigMF record/replay round trip, schedules in annotations, and malformed recordings.
#include "airan/ran/sigmf.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

namespace airan::ran {
namespace {

using cf = std::complex<float>;

SlotSchedule example_schedule(unsigned slot) {
  SlotSchedule s;
  s.sfn = 17;
  s.slot = slot;
  PuschAllocation a;
  a.rnti = 0x4601;
  a.prb_start = 3;
  a.nof_prb = 20;
  a.mcs_table = phy::McsTable::qam256;
  a.mcs = 19;
  a.nof_layers = 2;
  a.rv = 2;
  a.harq_id = 5;
  a.new_data = false;
  s.pusch.push_back(a);
  a.rnti = 0x4602;
  a.prb_start = 30;
  s.pusch.push_back(a);
  return s;
}

std::filesystem::path temp_base(const char* name) {
  return std::filesystem::temp_directory_path() / (std::string("airan_sigmf_") + name + "_" + std::to_string(::getpid()));
}

TEST(SlotSchedule, JsonRoundTrip) {
  const SlotSchedule s = example_schedule(3);
  auto back = slot_schedule_from_json(to_json(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(SlotSchedule, ErrorsNameTheField) {
  auto j = to_json(example_schedule(3));
  j["pusch"][1]["mcs"] = 40;
  auto r = slot_schedule_from_json(j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("schedule.pusch[1].mcs=40"), std::string::npos) << r.error().message;
  j = to_json(example_schedule(3));
  j["pusch"][0]["mcs_table"] = "qam1024";
  r = slot_schedule_from_json(j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("pusch[0].mcs_table"), std::string::npos);
  j = to_json(example_schedule(3));
  j["pusch"][0]["prb_start"] = 270;
  r = slot_schedule_from_json(j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exceeds 275"), std::string::npos);
  r = slot_schedule_from_json(nlohmann::json::array());
  ASSERT_FALSE(r);
}

TEST(Sigmf, RecordThenReplayGivesIdenticalSamplesAndSchedules) {
  const auto base = temp_base("roundtrip");
  RecordingInfo info;
  info.num_channels = 2;
  info.description = "test";
  std::mt19937 rng(1);
  std::normal_distribution<float> g;
  std::vector<std::vector<cf>> written;
  {
    auto w = SigmfWriter::create(base, info);
    ASSERT_TRUE(w) << w.error().message;
    for (unsigned slot = 0; slot < 3; ++slot) {
      std::vector<cf> a(1000 + slot), b(1000 + slot);
      for (auto& x : a) x = {g(rng), g(rng)};
      for (auto& x : b) x = {g(rng), g(rng)};
      std::span<const cf> spans[] = {a, b};
      ASSERT_TRUE(w->write_slot(spans, example_schedule(slot)));
      written.push_back(a);
      written.push_back(b);
    }
    ASSERT_TRUE(w->finish());
  }
  auto r = SigmfReader::open(base);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->info().num_channels, 2u);
  EXPECT_EQ(r->info().description, "test");
  ASSERT_EQ(r->slots().size(), 3u);
  for (unsigned slot = 0; slot < 3; ++slot) {
    EXPECT_EQ(r->slots()[slot].schedule, example_schedule(slot));
    std::vector<cf> a(r->slots()[slot].sample_count), b(a.size());
    std::span<cf> spans[] = {a, b};
    ASSERT_TRUE(r->read_slot(slot, spans));
    EXPECT_EQ(a, written[2 * slot]);
    EXPECT_EQ(b, written[2 * slot + 1]);
  }
  std::filesystem::remove(base.string() + ".sigmf-meta");
  std::filesystem::remove(base.string() + ".sigmf-data");
}

TEST(Sigmf, MalformedMetadataNamesTheFieldOrOffset) {
  const std::string good = R"({"global":{"core:datatype":"cf32_le","core:sample_rate":30720000,
    "core:num_channels":1,"airan:scs_khz":30,"airan:bandwidth_mhz":20,"airan:cell_id":1},
    "captures":[{"core:sample_start":0}],
    "annotations":[{"core:sample_start":0,"core:sample_count":100,
      "airan:schedule":{"sfn":0,"slot":0,"pusch":[]}}]})";
  ASSERT_TRUE(SigmfReader::parse_meta(good, 800));
  auto expect_error = [](const std::string& text, uint64_t bytes, const std::string& needle) {
    auto r = SigmfReader::parse_meta(text, bytes);
    ASSERT_FALSE(r) << needle;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  expect_error("{\"global\": [1,2,", 800, "byte offset");
  expect_error("222E2252221 1", 800, "invalid JSON");  // found by the fuzzer: number overflow
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  expect_error(replace("cf32_le", "ci16_le"), 800, "core:datatype=ci16_le");
  expect_error(replace("\"core:sample_rate\":30720000", "\"core:sample_rate\":\"fast\""), 800, "global.core:sample_rate");
  expect_error(replace("\"core:num_channels\":1", "\"core:num_channels\":9"), 800, "core:num_channels=9");
  expect_error(good, 796, "truncated at byte offset 792");
  expect_error(good, 400, "annotations[0].core:sample_count");
  expect_error(replace("\"slot\":0", "\"slot\":999"), 800, "annotations[0].airan:schedule.slot=999");
}

TEST(Sigmf, MissingFilesAreClearErrors) {
  auto r = SigmfReader::open(temp_base("missing"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace airan::ran
