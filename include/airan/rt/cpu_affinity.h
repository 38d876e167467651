#pragma once
// CPU lists and thread pinning. Pinning can be refused (containers, restricted cpusets); callers
// then run unpinned and report it, they do not fail.

#include <pthread.h>

#include <span>
#include <string>
#include <vector>

#include "airan/common/expected.h"

namespace airan::rt {

/// CPUs this process may run on (sched_getaffinity), ascending.
std::vector<int> allowed_cpus();

/// Checks that `cpus` is non-empty, has no duplicates and names only allowed CPUs; the error names
/// `field`[i] and the allowed CPUs.
Status validate_cpu_list(std::span<const int> cpus, const std::string& field = "cpus");

/// Pins `thread` to `cpu`; false when the OS refuses (the thread then stays unpinned).
bool pin_thread(pthread_t thread, int cpu);

/// Pins the calling thread to `cpu`; false when the OS refuses.
bool pin_current_thread(int cpu);

/// Real-time priorities of the runtime's threads (SCHED_FIFO, 1..99; 0 = normal scheduling). The
/// RAN threads run above every normal thread, so neither the AI workers nor another process on the
/// machine can delay a RAN task by more than a wake-up; they block when idle, so they never starve
/// the rest.
struct RealtimePriorities {
  int ran_worker = 0;  ///< the RAN workers, which also run the scheduler's ticks
  int submitter = 0;   ///< the thread that hands slots to the runtime as their samples complete
  /// The priorities for `base` (0: all normal): workers at base, the submitter at base + 1 (a
  /// slot handed over late is released late).
  static RealtimePriorities from_base(int base) {
    if (base <= 0) return {};
    return {base, base + 1};
  }
};

/// Sets the calling thread to SCHED_FIFO at `priority` (1..99), or back to normal scheduling for
/// 0; false when the OS refuses (no CAP_SYS_NICE / RLIMIT_RTPRIO): the thread keeps its policy.
bool set_current_thread_realtime(int priority);

/// Locks the process's memory, present and future, as pages are touched (mlockall with
/// MCL_ONFAULT: nothing is prefaulted). A real-time process must not page: a page the kernel
/// evicted (here a DAMON pageout scheme reclaims cold file pages every few seconds, the binary's
/// own code among them) costs its next access a read from disk, milliseconds. False when refused.
bool lock_memory();

/// The calling thread at SCHED_FIFO `priority` (0: unchanged) for the scope's lifetime, back to
/// normal scheduling after (e.g. the slot feeder of a run, whose thread then writes the report).
class RealtimeScope {
 public:
  explicit RealtimeScope(int priority)
      : granted_(priority > 0 && set_current_thread_realtime(priority)) {}
  ~RealtimeScope() {
    if (granted_) set_current_thread_realtime(0);
  }
  RealtimeScope(const RealtimeScope&) = delete;
  RealtimeScope& operator=(const RealtimeScope&) = delete;
  bool granted() const { return granted_; }

 private:
  bool granted_;
};

/// Lets the calling thread's timed sleeps wake within `slack_ns` (Linux timer slack; default 50
/// µs).
void set_timer_slack_ns(unsigned long slack_ns);

}  // namespace airan::rt
