// `airan bench jitter`: how much time this machine takes from busy real-time threads (see
// rt/host_jitter.h), with one CPU busy and with every CPU busy at once. On a shared virtual
// machine the second usually loses more: a host with other work for our physical cores, or a CPU
// quota, takes it from whichever vCPU is running when none is idle. Deadline misses of a policy
// that keeps every core busy (lending the RAN's idle time to AI) are to be read against this.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "airan/rt/cpu_affinity.h"
#include "airan/rt/host_jitter.h"
#include "cli/commands.h"
#include "cli/platform_jitter.h"

namespace airan::cli {
namespace {

struct Options {
  double seconds = 5;
  unsigned rounds = 2;
  std::vector<int> cpus;  // empty: every allowed CPU
  unsigned threshold_us = 200;
  int realtime_priority = 50;
  double duty = 0.9;
  bool json = false;
};

double per_s(uint64_t n, double s) {
  return s > 0 ? static_cast<double>(n) / s : 0;
}

int run(const Options& o) {
  rt::HostJitterOptions probe;
  probe.cpus = o.cpus.empty() ? rt::allowed_cpus() : o.cpus;
  probe.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(o.seconds));
  probe.threshold = std::chrono::microseconds(o.threshold_us);
  probe.realtime_priority = o.realtime_priority;
  probe.duty = o.duty;
  auto rows = probe_loads(probe, o.rounds);  // validates the options before any probe
  if (!rows) {
    std::fprintf(stderr, "airan bench jitter: %s\n", rows.error().message.c_str());
    return 2;
  }

  nlohmann::json out = nlohmann::json::array();
  if (!o.json) {
    std::printf(
        "Time the machine takes from busy SCHED_FIFO pollers: %u round(s) of %.1f s per load, "
        "gaps >= %u us, polling %.0f %% of every ms\n",
        o.rounds, o.seconds, o.threshold_us, o.duty * 100);
    std::printf("%-5s %4s %9s %7s %9s %8s %9s %10s %6s %4s\n", "load", "cpu", "polled_s", "gaps",
                "gaps>1ms", "gaps/s", "lost_%", "max_gap_us", "guest", "rt");
  }
  for (const LoadJitter& row : *rows) {
    const rt::CpuJitter& r = row.jitter;
    if (o.json) {
      out.push_back({{"load", row.load},
                     {"cpu", r.cpu},
                     {"polled_s", r.polled_s},
                     {"gaps", r.gaps},
                     {"gaps_over_1ms", r.gaps_over_1ms},
                     {"gaps_per_s", per_s(r.gaps, r.polled_s)},
                     {"lost_fraction", r.lost_fraction()},
                     {"max_gap_us", r.max_gap_us},
                     {"guest_preemptions", r.guest_preemptions},
                     {"period_locked_gaps", rt::periodic_gap_ends(r.gap_ends_ns).locked},
                     {"pinned", r.pinned},
                     {"realtime", r.realtime}});
    } else {
      std::printf("%-5s %4d %9.2f %7llu %9llu %8.2f %9.4f %10.0f %6llu %4s\n", row.load.c_str(),
                  r.cpu, r.polled_s, static_cast<unsigned long long>(r.gaps),
                  static_cast<unsigned long long>(r.gaps_over_1ms), per_s(r.gaps, r.polled_s),
                  100 * r.lost_fraction(), r.max_gap_us,
                  static_cast<unsigned long long>(r.guest_preemptions), r.realtime ? "yes" : "no");
    }
  }
  if (o.json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%s", platform_summary(*rows).c_str());
  std::printf(
      "guest = gaps spent mostly in this kernel's run queue (another thread here had the CPU);\n"
      "the rest are the hypervisor's (or interrupts). Gaps count in polling and in waking up\n"
      "late from the sleeps. A slot deadline 1.5 ms after release cannot survive a gap over it\n"
      "on the core that holds one of its tasks.\n");
  return 0;
}

}  // namespace

void add_bench_jitter_command(CLI::App& bench) {
  static Options o;
  auto* cmd = bench.add_subcommand(
      "jitter", "Platform: time the machine takes from busy real-time threads, one CPU vs all");
  cmd->add_option("--seconds", o.seconds, "Polling time per load and round")
      ->check(CLI::Range(0.05, 600.0));
  cmd->add_option("--rounds", o.rounds, "Rounds, each probing one CPU then all")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--cpus", o.cpus, "CPUs to probe (default: every allowed one)")->delimiter(',');
  cmd->add_option("--threshold-us", o.threshold_us, "Shortest clock jump counted as a gap")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--realtime-priority", o.realtime_priority,
                  "SCHED_FIFO priority of the pollers; 0: normal scheduling")
      ->check(CLI::Range(0, 98));
  cmd->add_option("--duty", o.duty, "Share of every ms a poller polls (it sleeps the rest)")
      ->check(CLI::Range(0.01, 1.0));
  cmd->add_flag("--json", o.json,
                "JSON rows: load, cpu, polled_s, gaps, gaps_over_1ms, gaps_per_s, lost_fraction, "
                "max_gap_us, guest_preemptions, period_locked_gaps, pinned, realtime");
  cmd->callback([] { std::exit(run(o)); });
}

}  // namespace airan::cli
