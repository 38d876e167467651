#pragma once
// The lock of the runtime's short critical sections (a few hundred nanoseconds) shared by pinned
// workers, the scheduler and the slot submitter. It spins first: a futex sleep would cost a
// contended worker tens of microseconds. It blocks when spinning does not pay: those threads run
// at different real-time priorities, and a waiter that spins forever on the CPU of a holder it
// preempted would never let that holder finish (a livelock until the kernel's RT throttling).

#include <atomic>
#include <cstdint>

namespace airan::rt {

/// Pause hint for spin loops.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class SpinLock {
 public:
  /// Spins a little, then blocks until the lock is taken.
  void lock() {
    uint32_t expected = kFree;
    if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire)) return;
    for (int i = 0; i < kSpins; ++i) {
      cpu_relax();
      expected = kFree;
      if (state_.load(std::memory_order_relaxed) == kFree &&
          state_.compare_exchange_weak(expected, kLocked, std::memory_order_acquire)) {
        return;
      }
    }
    // Mark the lock contended so that unlock() wakes us; sleep while someone else holds it.
    while (state_.exchange(kContended, std::memory_order_acquire) != kFree) {
      state_.wait(kContended, std::memory_order_relaxed);
    }
  }
  /// Takes the lock if free; true on success.
  bool try_lock() {
    uint32_t expected = kFree;
    return state_.load(std::memory_order_relaxed) == kFree &&
           state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire);
  }
  void unlock() {
    if (state_.exchange(kFree, std::memory_order_release) == kContended) state_.notify_one();
  }

 private:
  static constexpr uint32_t kFree = 0, kLocked = 1, kContended = 2;
  // About 10-40 µs of pause instructions: longer than any critical section that runs unpreempted.
  static constexpr int kSpins = 256;
  std::atomic<uint32_t> state_{kFree};
};

}  // namespace airan::rt
