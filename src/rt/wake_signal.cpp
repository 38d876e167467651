#include "airan/rt/wake_signal.h"

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#else
#include <thread>
#endif

namespace airan::rt {

// The futex is called on the epoch word directly (std::atomic::wait has no timeout, and its notify
// would not wake a raw futex waiter).
void WakeSignal::wait_for(uint32_t seen, std::chrono::nanoseconds timeout) {
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
#ifdef __linux__
  if (timeout.count() > 0) {
    const timespec ts{static_cast<time_t>(timeout.count() / 1'000'000'000),
                      static_cast<long>(timeout.count() % 1'000'000'000)};
    if (epoch_.load(std::memory_order_seq_cst) == seen) {
      syscall(SYS_futex, reinterpret_cast<uint32_t*>(&epoch_), FUTEX_WAIT_PRIVATE, seen, &ts,
              nullptr, 0);
    }
  } else {
    while (epoch_.load(std::memory_order_seq_cst) == seen) {
      syscall(SYS_futex, reinterpret_cast<uint32_t*>(&epoch_), FUTEX_WAIT_PRIVATE, seen, nullptr,
              nullptr, 0);
    }
  }
#else
  if (timeout.count() > 0) {
    std::this_thread::sleep_for(timeout);
  } else {
    epoch_.wait(seen, std::memory_order_seq_cst);
  }
#endif
  sleepers_.fetch_sub(1, std::memory_order_seq_cst);
}

void WakeSignal::notify_all() {
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) == 0) return;
#ifdef __linux__
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&epoch_), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr,
          nullptr, 0);
#else
  epoch_.notify_all();
#endif
}

}  // namespace airan::rt
