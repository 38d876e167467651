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

/// Lets the calling thread's timed sleeps wake within `slack_ns` (Linux timer slack; default 50
/// µs).
void set_timer_slack_ns(unsigned long slack_ns);

}  // namespace airan::rt
