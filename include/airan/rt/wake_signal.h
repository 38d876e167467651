#pragma once
// An epoch counter idle threads block on: a waiter reads the epoch, checks for work, and blocks
// only while the epoch is unchanged; any notify bumps the epoch, so a notify that falls between
// the check and the block is never lost. The futex syscall is made only when someone sleeps.

#include <atomic>
#include <cstdint>

namespace airan::rt {

class WakeSignal {
 public:
  /// The current epoch, to pass to wait() after checking for work.
  uint32_t epoch() const { return epoch_.load(std::memory_order_seq_cst); }

  /// Blocks while the epoch still equals `seen`.
  void wait(uint32_t seen) {
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    epoch_.wait(seen, std::memory_order_seq_cst);
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
  }

  /// Wakes every waiter (and makes every epoch read before this call stale).
  void notify_all() {
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0) epoch_.notify_all();
  }

  /// Threads blocked (or about to block) in wait().
  uint32_t sleepers() const { return sleepers_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint32_t> epoch_{0};
  std::atomic<uint32_t> sleepers_{0};
};

}  // namespace airan::rt
