// The one-CPU / every-CPU platform probe shared by `bench jitter` and `bench policies`: rows in
// load then CPU order, summed over rounds, and the summary that names what they show.
#include "cli/platform_jitter.h"

#include <gtest/gtest.h>

#include "airan/rt/cpu_affinity.h"

namespace airan::cli {
namespace {

TEST(PlatformJitter, OneCpuAloneThenEveryCpuSummedOverRounds) {
  rt::HostJitterOptions probe;
  probe.cpus = rt::allowed_cpus();
  if (probe.cpus.size() > 2) probe.cpus.resize(2);
  probe.duration = std::chrono::milliseconds(100);
  auto rows = probe_loads(probe, 2);
  ASSERT_TRUE(rows) << rows.error().message;
  const size_t expected = probe.cpus.size() > 1 ? 1 + probe.cpus.size() : 1;
  ASSERT_EQ(rows->size(), expected);
  EXPECT_EQ((*rows)[0].load, "one");
  EXPECT_EQ((*rows)[0].jitter.cpu, probe.cpus[0]);
  for (size_t i = 1; i < rows->size(); ++i) {
    EXPECT_EQ((*rows)[i].load, "all");
    EXPECT_EQ((*rows)[i].jitter.cpu, probe.cpus[i - 1]);
  }
  for (const LoadJitter& r : *rows) {
    // Two rounds of 100 ms, polling 90 % of each: more than one round's worth.
    EXPECT_GT(r.jitter.polled_s, 0.1);
    EXPECT_LE(r.jitter.polled_s, 0.2);
    EXPECT_EQ(r.jitter.gap_ends_ns.size(), r.jitter.gaps);
  }
  const std::string summary = platform_summary(*rows);
  EXPECT_NE(summary.find("gaps ended within 1 ms of one phase"), std::string::npos) << summary;
  if (probe.cpus.size() > 1) {
    EXPECT_NE(summary.find("with every CPU busy"), std::string::npos) << summary;
  }
}

TEST(PlatformJitter, BadOptionsAreNamed) {
  rt::HostJitterOptions probe;
  probe.cpus = rt::allowed_cpus();
  probe.duty = 2;
  auto rows = probe_loads(probe, 1);
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().message.find("duty"), std::string::npos) << rows.error().message;
}

}  // namespace
}  // namespace airan::cli
