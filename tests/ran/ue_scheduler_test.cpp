// Traffic models, load profile and the uplink scheduler of the UE emulator.
#include "airan/ran/ue_scheduler.h"

#include <gtest/gtest.h>

#include <set>

namespace airan::ran {
namespace {

TEST(LoadProfile, InterpolatesAndWraps) {
  const auto lp = LoadProfile::ramp_up_down(60.0);
  EXPECT_NEAR(lp.load_at(0.0), 0.1, 1e-9);
  EXPECT_NEAR(lp.load_at(30.0), 1.0, 1e-9);
  EXPECT_NEAR(lp.load_at(15.0), 0.55, 1e-9);
  EXPECT_NEAR(lp.load_at(75.0), 0.55, 1e-9);  // the next day
  auto bad = LoadProfile::create({{0, 0.1}, {0, 0.5}}, 10);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("point 1"), std::string::npos);
  EXPECT_FALSE(LoadProfile::create({{0, 0.1}, {5, 1.5}}, 10));
  EXPECT_FALSE(LoadProfile::create({{0, 0.1}, {5, 0.5}}, 0));
}

TEST(Traffic, PoissonAndBurstyMeansFollowTheLoad) {
  for (TrafficKind kind : {TrafficKind::poisson, TrafficKind::bursty}) {
    UeTrafficConfig cfg;
    cfg.kind = kind;
    cfg.peak_rate_bps = 8e6;  // 1 MB/s at load 1
    cfg.burst_on_s = 0.005;   // short periods, so 100 s hold thousands of bursts
    cfg.burst_off_s = 0.02;
    UeTraffic t(cfg, 3);
    uint64_t full = 0, half = 0;
    // 100 s each: bursty on/off periods average out slowly.
    for (int i = 0; i < 200000; ++i) full += t.advance(0.0005, 1.0);
    for (int i = 0; i < 200000; ++i) half += t.advance(0.0005, 0.5);
    EXPECT_NEAR(full / 100.0, 1e6, 0.1e6) << static_cast<int>(kind);
    EXPECT_NEAR(half / 100.0, 0.5e6, 0.05e6) << static_cast<int>(kind);
  }
  EXPECT_FALSE(traffic_kind_from_name("cbr"));
}

std::vector<EmulatedUeConfig> ues(unsigned n, TrafficKind kind) {
  std::vector<EmulatedUeConfig> v;
  for (unsigned i = 0; i < n; ++i) {
    EmulatedUeConfig u;
    u.rnti = static_cast<uint16_t>(0x100 + i);
    u.snr_db = 5.0 + 5.0 * i;
    u.traffic.kind = kind;
    v.push_back(u);
  }
  return v;
}

TEST(UplinkScheduler, AllocationsAreDisjointAndWithinTheCarrier) {
  UplinkSchedulerConfig cfg;
  auto s = UplinkScheduler::create(cfg, ues(6, TrafficKind::full_buffer), LoadProfile::ramp_up_down(1.0), 1);
  ASSERT_TRUE(s) << s.error().message;
  for (unsigned n = 0; n < 200; ++n) {
    auto sched = s->schedule(n / 20, n % 20, n * 0.0005);
    EXPECT_LE(sched.pusch.size(), cfg.max_ues_per_slot);
    std::vector<bool> used(cfg.n_rb, false);
    std::set<uint16_t> rntis;
    for (const auto& a : sched.pusch) {
      EXPECT_TRUE(rntis.insert(a.rnti).second);
      ASSERT_LE(a.prb_start + a.nof_prb, cfg.n_rb);
      for (unsigned p = a.prb_start; p < a.prb_start + a.nof_prb; ++p) {
        EXPECT_FALSE(used[p]);
        used[p] = true;
      }
    }
    EXPECT_FALSE(sched.pusch.empty());
  }
}

TEST(UplinkScheduler, LinkAdaptationFollowsSnr) {
  auto s = UplinkScheduler::create({}, ues(1, TrafficKind::poisson), LoadProfile::ramp_up_down(1.0), 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->mcs_for_snr(-10.0), 0u);
  EXPECT_LT(s->mcs_for_snr(5.0), s->mcs_for_snr(15.0));
  EXPECT_EQ(s->mcs_for_snr(40.0), 28u);  // the top of qam64
}

TEST(UplinkScheduler, FailedCrcTriggersRetransmissionsWithTheRvSequence) {
  auto s = UplinkScheduler::create({}, ues(1, TrafficKind::full_buffer), LoadProfile::ramp_up_down(1.0), 1);
  ASSERT_TRUE(s);
  auto first = s->schedule(0, 0, 0.0);
  ASSERT_EQ(first.pusch.size(), 1u);
  PuschAllocation a = first.pusch[0];
  EXPECT_EQ(a.rv, 0u);
  EXPECT_TRUE(a.new_data);
  std::vector<unsigned> rvs;
  for (int k = 0; k < 4; ++k) {
    s->on_crc(a, false);
    auto next = s->schedule(0, k + 1, 0.0005 * (k + 1));
    ASSERT_FALSE(next.pusch.empty());
    if (next.pusch[0].new_data) break;
    a = next.pusch[0];
    rvs.push_back(a.rv);
    EXPECT_EQ(a.harq_id, first.pusch[0].harq_id);
    EXPECT_EQ(a.nof_prb, first.pusch[0].nof_prb);
  }
  EXPECT_EQ(rvs, (std::vector<unsigned>{2, 3, 1}));
  EXPECT_EQ(s->stats().retransmissions, 3u);
  EXPECT_EQ(s->stats().tbs_lost, 1u);
}

TEST(UplinkScheduler, LoadDrivesTheScheduledVolume) {
  UplinkSchedulerConfig cfg;
  auto ue_cfgs = ues(8, TrafficKind::poisson);
  for (auto& u : ue_cfgs) u.traffic.peak_rate_bps = 4e6;
  auto s = UplinkScheduler::create(cfg, ue_cfgs, LoadProfile::ramp_up_down(2.0), 7);
  ASSERT_TRUE(s);
  // PRBs used in the low-load first tenth versus the peak around the middle of the day.
  double low = 0, peak = 0;
  for (unsigned n = 0; n < 4000; ++n) {
    const double t = n * 0.0005;
    unsigned prbs = 0;
    for (const auto& a : s->schedule(n / 20, n % 20, t).pusch) prbs += a.nof_prb;
    if (t < 0.2) low += prbs;
    if (t > 0.9 && t < 1.1) peak += prbs;
  }
  EXPECT_GT(peak, 2.0 * low);
}

TEST(UplinkScheduler, RejectsBadConfigurations) {
  UplinkSchedulerConfig cfg;
  cfg.n_rb = 300;
  auto s = UplinkScheduler::create(cfg, ues(1, TrafficKind::poisson), LoadProfile::ramp_up_down(1.0), 1);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("n_rb=300"), std::string::npos);
  auto dup = ues(2, TrafficKind::poisson);
  dup[1].rnti = dup[0].rnti;
  auto d = UplinkScheduler::create({}, dup, LoadProfile::ramp_up_down(1.0), 1);
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("used twice"), std::string::npos);
}

}  // namespace
}  // namespace airan::ran
