#pragma once
// How much time the machine takes from a busy real-time thread (a cyclictest-style probe of the
// platform). A slot deadline can be met only by a thread that runs: on a virtual machine the host
// may take a vCPU away for milliseconds, and no scheduling inside the guest can finish a task whose
// vCPU is gone. This probe measures those gaps per CPU, alone or with every probed CPU busy at
// once, so that a deadline-miss rate can be set against what the platform itself loses.

#include <chrono>
#include <cstdint>
#include <vector>

#include "airan/common/expected.h"

namespace airan::rt {

struct HostJitterOptions {
  std::vector<int> cpus;  ///< one polling thread pinned to each, all at once
  std::chrono::nanoseconds duration = std::chrono::seconds(5);
  /// A jump of the clock between two consecutive polls at least this long counts as a gap.
  std::chrono::nanoseconds threshold = std::chrono::microseconds(200);
  /// SCHED_FIFO priority of the pollers (0: normal scheduling), as the RAN workers run.
  int realtime_priority = 50;
  /// Share of every millisecond a poller polls; it sleeps the rest. Below 0.95 so that Linux's
  /// real-time throttling (950 ms of every second by default) never idles a poller.
  double duty = 0.9;
};

/// What one CPU's poller saw.
struct CpuJitter {
  int cpu = 0;
  bool pinned = false, realtime = false;
  double polled_s = 0;         ///< time spent polling (gaps included)
  uint64_t gaps = 0;           ///< clock jumps >= threshold while polling
  uint64_t gaps_over_1ms = 0;  ///< of which >= 1 ms
  double lost_s = 0;           ///< Σ gap lengths
  double max_gap_us = 0;
  /// Gaps spent mostly waiting in this kernel's run queue (schedstat run_delay): another thread
  /// here had the CPU. The others are time the poller was runnable but did not run: the hypervisor
  /// took the vCPU (or an interrupt ran).
  uint64_t guest_preemptions = 0;
  double lost_fraction() const { return polled_s > 0 ? lost_s / polled_s : 0; }
  std::vector<int64_t> gap_ends_ns;  ///< when each gap ended (steady clock), the first 100000
};

/// Gaps that end at one phase of a fixed period: what a host CPU quota does (Linux CFS bandwidth
/// control throttles a group that spent its quota until the period's refill, 100 ms by default),
/// unlike random preemption.
struct PeriodicGaps {
  size_t locked = 0;     ///< gaps ending within the tolerance of `phase_ns`
  int64_t phase_ns = 0;  ///< the phase, mod the period, most gap ends are near
};

/// The phase (mod `period`) that the most of `ends_ns` lie within `tolerance` of.
PeriodicGaps periodic_gap_ends(const std::vector<int64_t>& ends_ns,
                               std::chrono::nanoseconds period = std::chrono::milliseconds(100),
                               std::chrono::nanoseconds tolerance = std::chrono::milliseconds(1));

/// Checks the options; the error names the field.
Status validate(const HostJitterOptions& options);

/// Polls every CPU of `options.cpus` at once for `options.duration`; one row per CPU, in order.
Expected<std::vector<CpuJitter>> probe_host_jitter(const HostJitterOptions& options);

}  // namespace airan::rt
