#pragma once
// A test-and-test-and-set spinlock for critical sections of a few hundred nanoseconds shared by
// the pinned workers (a mutex would put a contended worker to sleep for tens of microseconds).

#include <atomic>

namespace airan::rt {

/// Pause hint for spin loops.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class SpinLock {
 public:
  /// Spins until the lock is taken.
  void lock() {
    while (true) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) cpu_relax();
    }
  }
  /// Takes the lock if free; true on success.
  bool try_lock() {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace airan::rt
