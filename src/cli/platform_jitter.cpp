#include "cli/platform_jitter.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace airan::cli {
namespace {

void accumulate(rt::CpuJitter& sum, const rt::CpuJitter& r) {
  sum.cpu = r.cpu;
  sum.pinned = r.pinned;
  sum.realtime = r.realtime;
  sum.polled_s += r.polled_s;
  sum.gaps += r.gaps;
  sum.gaps_over_1ms += r.gaps_over_1ms;
  sum.lost_s += r.lost_s;
  sum.max_gap_us = std::max(sum.max_gap_us, r.max_gap_us);
  sum.guest_preemptions += r.guest_preemptions;
  sum.gap_ends_ns.insert(sum.gap_ends_ns.end(), r.gap_ends_ns.begin(), r.gap_ends_ns.end());
}

const LoadJitter* find(const std::vector<LoadJitter>& rows, const std::string& load, int cpu) {
  for (const LoadJitter& r : rows) {
    if (r.load == load && r.jitter.cpu == cpu) return &r;
  }
  return nullptr;
}

}  // namespace

Expected<std::vector<LoadJitter>> probe_loads(const rt::HostJitterOptions& probe, unsigned rounds) {
  if (Status s = rt::validate(probe); !s) return Error{s.message()};
  std::vector<std::pair<std::string, std::vector<int>>> loads = {{"one", {probe.cpus.front()}}};
  if (probe.cpus.size() > 1) loads.emplace_back("all", probe.cpus);
  std::vector<LoadJitter> rows;
  for (const auto& [load, cpus] : loads) {
    for (int cpu : cpus) {
      LoadJitter row;
      row.load = load;
      row.jitter.cpu = cpu;
      rows.push_back(std::move(row));
    }
  }
  for (unsigned round = 0; round < rounds; ++round) {
    for (const auto& [load, cpus] : loads) {
      rt::HostJitterOptions one = probe;
      one.cpus = cpus;
      auto measured = rt::probe_host_jitter(one);
      if (!measured) return Error{measured.error().message};
      for (const rt::CpuJitter& m : *measured) {
        for (LoadJitter& r : rows) {
          if (r.load == load && r.jitter.cpu == m.cpu) accumulate(r.jitter, m);
        }
      }
    }
  }
  return rows;
}

std::string platform_summary(const std::vector<LoadJitter>& rows) {
  std::string text;
  char line[256];
  if (rows.empty()) return text;
  const int cpu = rows.front().jitter.cpu;
  const LoadJitter* one = find(rows, "one", cpu);
  const LoadJitter* all = find(rows, "all", cpu);
  if (one != nullptr && all != nullptr) {
    std::snprintf(line, sizeof(line),
                  "cpu %d lost %.4f %% of its time with every CPU busy, %.4f %% alone", cpu,
                  100 * all->jitter.lost_fraction(), 100 * one->jitter.lost_fraction());
    text += line;
    if (one->jitter.lost_s > 0) {
      std::snprintf(line, sizeof(line), " (%.1fx)",
                    all->jitter.lost_fraction() / one->jitter.lost_fraction());
      text += line;
    }
    text += '\n';
  }
  std::vector<int64_t> ends;
  for (const LoadJitter& r : rows) {
    ends.insert(ends.end(), r.jitter.gap_ends_ns.begin(), r.jitter.gap_ends_ns.end());
  }
  const rt::PeriodicGaps periodic = rt::periodic_gap_ends(ends);
  std::snprintf(line, sizeof(line),
                "%zu of %zu gaps ended within 1 ms of one phase (%.1f ms) of a 100 ms period%s\n",
                periodic.locked, ends.size(), static_cast<double>(periodic.phase_ns) * 1e-6,
                ends.size() >= 10 && periodic.locked * 2 > ends.size()
                    ? ": a host CPU quota throttles this machine (CFS bandwidth control)"
                    : "");
  text += line;
  return text;
}

}  // namespace airan::cli
