#pragma once
// The RAN ready queue: earliest deadline first among released tasks. A pushed task waits in a
// release-time heap until its release time, then moves to the deadline heap. Several workers pop
// at once; a short spinlock guards both heaps, and an empty queue is seen without taking it.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "airan/rt/ran_task.h"
#include "airan/rt/spin_lock.h"

namespace airan::rt {

class EdfQueue {
 public:
  /// A queue with room for `capacity` tasks before its heaps grow (growing allocates).
  explicit EdfQueue(size_t capacity = 4096);

  /// Adds `task` (not owned; must outlive its pop); it becomes poppable at task->release.
  void push(RanTask* task);

  /// The released task with the earliest deadline at `now` (ties: first pushed), or nullptr.
  RanTask* pop(Clock::time_point now);

  /// Moves every task released by `now` to the deadline heap; returns the ready count.
  size_t release_due(Clock::time_point now);

  /// Released tasks waiting to run (as of the last push/pop/release_due).
  size_t ready_size() const { return ready_count_.load(std::memory_order_relaxed); }
  /// Tasks whose release time had not come (as of the last push/pop/release_due).
  size_t pending_size() const { return pending_count_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    int64_t key_ns;  // release (pending heap) or deadline (ready heap), ns since the clock's epoch
    uint64_t seq;    // push order, for ties
    RanTask* task;
  };
  void release_locked(int64_t now_ns);
  void publish_counts_locked();

  SpinLock lock_;
  std::vector<Entry> pending_;  // min-heap on release
  std::vector<Entry> ready_;    // min-heap on deadline
  uint64_t seq_ = 0;
  std::atomic<size_t> ready_count_{0};
  std::atomic<size_t> pending_count_{0};
  std::atomic<int64_t> next_release_ns_{INT64_MAX};
};

/// ns since the steady clock's epoch.
inline int64_t to_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace airan::rt
