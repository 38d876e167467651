#pragma once
// An epoch counter idle threads block on: a waiter reads the epoch, checks for work, and blocks
// only while the epoch is unchanged; any notify bumps the epoch, so a notify that falls between
// the check and the block is never lost. The futex syscall is made only when someone sleeps.
// wait_for() also wakes on a timer: in a VM a cross-CPU wake-up (an inter-processor interrupt)
// takes tens of microseconds, while the waiter's own CPU timer fires on time.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace airan::rt {

class WakeSignal {
 public:
  /// The current epoch, to pass to wait() after checking for work.
  uint32_t epoch() const { return epoch_.load(std::memory_order_seq_cst); }

  /// Blocks while the epoch still equals `seen`.
  void wait(uint32_t seen) { wait_for(seen, std::chrono::nanoseconds::zero()); }

  /// Blocks while the epoch still equals `seen`, at most `timeout` (zero: no limit).
  void wait_for(uint32_t seen, std::chrono::nanoseconds timeout);

  /// Wakes every waiter (and makes every epoch read before this call stale).
  void notify_all();

  /// Threads blocked (or about to block) in wait().
  uint32_t sleepers() const { return sleepers_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint32_t> epoch_{0};
  std::atomic<uint32_t> sleepers_{0};
};

}  // namespace airan::rt
