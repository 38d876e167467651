#include "airan/rt/cpu_affinity.h"

#include <sched.h>
#ifdef __linux__
#include <sys/mman.h>
#include <sys/prctl.h>
#endif

#include <algorithm>

namespace airan::rt {

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

Status validate_cpu_list(std::span<const int> cpus, const std::string& field) {
  const std::vector<int> allowed = allowed_cpus();
  std::string allowed_text;
  for (int c : allowed) {
    if (!allowed_text.empty()) allowed_text += ',';
    allowed_text += std::to_string(c);
  }
  if (cpus.empty()) return Error{field + ": empty; give at least one of CPUs " + allowed_text};
  for (size_t i = 0; i < cpus.size(); ++i) {
    const std::string name = field + "[" + std::to_string(i) + "]";
    if (std::find(allowed.begin(), allowed.end(), cpus[i]) == allowed.end()) {
      return Error{name + ": CPU " + std::to_string(cpus[i]) +
                   " not available; allowed CPUs: " + allowed_text};
    }
    if (std::find(cpus.begin(), cpus.begin() + static_cast<ptrdiff_t>(i), cpus[i]) !=
        cpus.begin() + static_cast<ptrdiff_t>(i)) {
      return Error{name + ": CPU " + std::to_string(cpus[i]) + " listed twice"};
    }
  }
  return Status::ok();
}

bool pin_thread(pthread_t thread, int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(thread, sizeof(set), &set) == 0;
}

bool pin_current_thread(int cpu) {
  return pin_thread(pthread_self(), cpu);
}

bool lock_memory() {
#ifdef __linux__
  return mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0;
#else
  return false;
#endif
}

bool set_current_thread_realtime(int priority) {
  sched_param param{};
  param.sched_priority = priority > 0 ? priority : 0;
  return pthread_setschedparam(pthread_self(), priority > 0 ? SCHED_FIFO : SCHED_OTHER, &param) ==
         0;
}

void set_timer_slack_ns(unsigned long slack_ns) {
#ifdef __linux__
  prctl(PR_SET_TIMERSLACK, slack_ns, 0, 0, 0);
#else
  (void)slack_ns;
#endif
}

}  // namespace airan::rt
