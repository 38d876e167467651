// The platform probe: rows add up, bad options are named, and a thread that takes a poller's CPU
// is seen as a gap of its length, attributed to this kernel.
#include "airan/rt/host_jitter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "airan/rt/cpu_affinity.h"

namespace airan::rt {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

std::vector<int> probe_cpus() {
  std::vector<int> cpus = allowed_cpus();
  if (cpus.size() > 2) cpus.resize(2);
  return cpus;
}

TEST(HostJitter, OneRowPerCpuThatAddsUp) {
  HostJitterOptions o;
  o.cpus = probe_cpus();
  o.duration = milliseconds(200);
  auto rows = probe_host_jitter(o);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), o.cpus.size());
  for (size_t i = 0; i < rows->size(); ++i) {
    const CpuJitter& r = (*rows)[i];
    EXPECT_EQ(r.cpu, o.cpus[i]);
    // Polls 90 % of every ms of the 200 ms; the sleeps' wake-ups may eat into it, never add.
    EXPECT_GT(r.polled_s, 0.05);
    EXPECT_LE(r.polled_s, 0.2 * 0.9 + 0.01);
    EXPECT_LE(r.gaps_over_1ms, r.gaps);
    EXPECT_LE(r.guest_preemptions, r.gaps);
    EXPECT_LE(r.lost_s, r.polled_s);
    EXPECT_LE(r.max_gap_us * 1e-6, r.lost_s + 1e-9);
    EXPECT_GE(r.lost_s, static_cast<double>(r.gaps) * 200e-6);
  }
}

TEST(HostJitter, BadOptionsAreNamed) {
  HostJitterOptions o;
  o.cpus = probe_cpus();
  o.duty = 0;
  EXPECT_NE(validate(o).message().find("duty"), std::string::npos);
  o.duty = 0.9;
  o.threshold = std::chrono::nanoseconds(10);
  EXPECT_NE(validate(o).message().find("threshold"), std::string::npos);
  o.threshold = microseconds(200);
  o.duration = std::chrono::nanoseconds(0);
  EXPECT_NE(validate(o).message().find("duration"), std::string::npos);
  o.duration = milliseconds(10);
  o.realtime_priority = 99;
  EXPECT_NE(validate(o).message().find("realtime_priority"), std::string::npos);
  o.realtime_priority = 50;
  o.cpus = {CPU_SETSIZE - 1};
  auto rows = probe_host_jitter(o);
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().message.find("cpus[0]"), std::string::npos) << rows.error().message;
}

// A higher-priority thread spins 5 ms on the poller's CPU: the poller must report a gap at least
// that long, and know that its own kernel took the CPU.
TEST(HostJitter, SeesAThreadThatTakesItsCpu) {
  if (!set_current_thread_realtime(1)) GTEST_SKIP() << "SCHED_FIFO not permitted here";
  set_current_thread_realtime(0);
  HostJitterOptions o;
  o.cpus = {probe_cpus().front()};
  o.duration = milliseconds(300);
  o.realtime_priority = 10;
  std::atomic<bool> spun{false};
  std::thread intruder([&] {
    pin_current_thread(o.cpus.front());
    std::this_thread::sleep_for(milliseconds(120));  // past the probe's 20 ms start
    const RealtimeScope above(20);
    const auto until = std::chrono::steady_clock::now() + milliseconds(5);
    while (std::chrono::steady_clock::now() < until) {
    }
    spun = above.granted();
  });
  auto rows = probe_host_jitter(o);
  intruder.join();
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_TRUE(spun);
  const CpuJitter& r = rows->front();
  ASSERT_TRUE(r.pinned && r.realtime);
  EXPECT_GE(r.gaps, 1u);
  EXPECT_GE(r.max_gap_us, 4000);
  EXPECT_GE(r.guest_preemptions, 1u);
}

// Ten gaps ending 24.4 ms (± 0.3 ms) into successive 100 ms periods among five elsewhere: the
// phase of a quota's refill is found, and the gaps near it counted; a window across the period's
// end counts both sides.
TEST(HostJitter, GapsEndingAtOnePhaseOfAPeriodAreFound) {
  std::vector<int64_t> ends;
  for (int k = 0; k < 10; ++k) {
    ends.push_back(int64_t{k} * 100'000'000 + 24'400'000 + (k % 3 - 1) * 300'000);
  }
  for (int64_t other : {3'000'000, 51'000'000, 67'500'000, 80'000'000, 91'200'000}) {
    ends.push_back(1'000'000'000 + other);
  }
  PeriodicGaps p = periodic_gap_ends(ends);
  EXPECT_EQ(p.locked, 10u);
  EXPECT_NEAR(static_cast<double>(p.phase_ns), 24.4e6, 0.31e6);

  const std::vector<int64_t> wrapping = {99'800'000, 200'300'000, 300'100'000, 450'000'000};
  p = periodic_gap_ends(wrapping);
  EXPECT_EQ(p.locked, 3u);
  EXPECT_EQ(periodic_gap_ends({}).locked, 0u);
}

}  // namespace
}  // namespace airan::rt
