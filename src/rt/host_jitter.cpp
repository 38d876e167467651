#include "airan/rt/host_jitter.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "airan/rt/cpu_affinity.h"

namespace airan::rt {
namespace {

int64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

// Time the calling thread has been runnable but waiting for its CPU in this kernel's run queue
// (schedstat's run_delay, ns); -1 where the kernel does not report it.
int64_t guest_run_delay_ns(int fd) {
  char text[96];
  const ssize_t n = fd >= 0 ? pread(fd, text, sizeof(text) - 1, 0) : -1;
  if (n <= 0) return -1;
  text[n] = '\0';
  unsigned long long on_cpu = 0, waiting = 0;
  if (std::sscanf(text, "%llu %llu", &on_cpu, &waiting) != 2) return -1;
  return static_cast<int64_t>(waiting);
}

void poll_cpu(int cpu, const HostJitterOptions& o, int64_t start_ns, CpuJitter& out) {
  out.cpu = cpu;
  out.pinned = pin_current_thread(cpu);
  const RealtimeScope realtime(o.realtime_priority);
  out.realtime = realtime.granted();
  set_timer_slack_ns(1);                 // wake-ups as asked: their lateness is measured
  constexpr int64_t kBurst = 1'000'000;  // one duty cycle, ns
  const auto poll_ns = static_cast<int64_t>(o.duty * kBurst);
  const int64_t threshold = o.threshold.count();
  const int64_t end = start_ns + o.duration.count();
  // Every poller starts at the same instant, so that "all busy" means busy at once.
  while (now_ns() < start_ns) {
  }
  int64_t polled = 0, lost = 0, max_gap = 0;
  const int schedstat = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  int64_t run_delay = guest_run_delay_ns(schedstat);
  const auto account = [&](int64_t gap_end, int64_t span) {  // the poller wanted to run `span` ns
    polled += span;
    if (span < threshold) return;
    ++out.gaps;
    out.gaps_over_1ms += span >= 1'000'000 ? 1 : 0;
    lost += span;
    max_gap = std::max(max_gap, span);
    if (out.gap_ends_ns.size() < 100'000) out.gap_ends_ns.push_back(gap_end);
    // Most of the gap spent in this kernel's run queue: another thread here had the CPU.
    const int64_t after = guest_run_delay_ns(schedstat);
    out.guest_preemptions += run_delay >= 0 && after - run_delay >= span / 2 ? 1 : 0;
    run_delay = after;
  };
  int64_t last = now_ns();
  while (last < end) {
    const int64_t burst_end = last + poll_ns;
    while (last < burst_end && last < end) {
      const int64_t t = now_ns();
      account(t, t - last);
      last = t;
    }
    if (poll_ns < kBurst && last < end) {
      // A wake-up later than asked is time taken too (a RAN worker also waits for its work).
      const int64_t wake_at = last + (kBurst - poll_ns);
      const timespec at{static_cast<time_t>(wake_at / 1'000'000'000),
                        static_cast<long>(wake_at % 1'000'000'000)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
      }
      last = now_ns();
      account(last, std::max<int64_t>(0, last - wake_at));
    }
  }
  if (schedstat >= 0) close(schedstat);
  out.polled_s = static_cast<double>(polled) * 1e-9;
  out.lost_s = static_cast<double>(lost) * 1e-9;
  out.max_gap_us = static_cast<double>(max_gap) * 1e-3;
}

}  // namespace

PeriodicGaps periodic_gap_ends(const std::vector<int64_t>& ends_ns, std::chrono::nanoseconds period,
                               std::chrono::nanoseconds tolerance) {
  const int64_t p = period.count(), tol = std::min(tolerance.count(), p / 2);
  std::vector<int64_t> phases;
  phases.reserve(ends_ns.size());
  for (int64_t e : ends_ns) phases.push_back(((e % p) + p) % p);
  std::sort(phases.begin(), phases.end());
  // Phases in [lo, hi], lo <= hi, within one period.
  const auto count_in = [&](int64_t lo, int64_t hi) {
    return static_cast<size_t>(std::upper_bound(phases.begin(), phases.end(), hi) -
                               std::lower_bound(phases.begin(), phases.end(), lo));
  };
  PeriodicGaps best;
  for (int64_t x : phases) {
    size_t near = count_in(std::max<int64_t>(0, x - tol), std::min(p - 1, x + tol));
    if (x - tol < 0) near += count_in(p + (x - tol), p - 1);  // the window wraps below 0
    if (x + tol >= p) near += count_in(0, x + tol - p);       // ... or past the period
    if (near > best.locked) best = {near, x};
  }
  return best;
}

Status validate(const HostJitterOptions& o) {
  if (Status s = validate_cpu_list(o.cpus); !s) return s;
  if (o.duration <= std::chrono::nanoseconds::zero()) return Error{"duration: must be > 0"};
  if (o.threshold < std::chrono::microseconds(1) || o.threshold > std::chrono::seconds(1)) {
    return Error{"threshold: " + std::to_string(o.threshold.count()) + " ns not in [1 us, 1 s]"};
  }
  if (o.realtime_priority < 0 || o.realtime_priority > 98) {
    return Error{"realtime_priority: " + std::to_string(o.realtime_priority) + " not in [0, 98]"};
  }
  if (!(o.duty >= 0.01 && o.duty <= 1.0)) {
    return Error{"duty: " + std::to_string(o.duty) + " not in [0.01, 1]"};
  }
  return Status::ok();
}

Expected<std::vector<CpuJitter>> probe_host_jitter(const HostJitterOptions& options) {
  if (Status s = validate(options); !s) return Error{s.message()};
  std::vector<CpuJitter> rows(options.cpus.size());
  const int64_t start = now_ns() + 20'000'000;  // time for every poller to be pinned and ready
  std::vector<std::thread> pollers;
  for (size_t i = 0; i < options.cpus.size(); ++i) {
    pollers.emplace_back(poll_cpu, options.cpus[i], std::cref(options), start, std::ref(rows[i]));
  }
  for (std::thread& t : pollers) t.join();
  return rows;
}

}  // namespace airan::rt
