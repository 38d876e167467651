#pragma once
// The tasks of one cell's slot and the order among them (decode after demap, ...). Edges always
// point from a lower to a higher task index, so a graph is acyclic by construction. The runtime
// admits a whole graph at once, releases the tasks without predecessors at their release time and
// each other task when its last predecessor completes.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "airan/common/expected.h"
#include "airan/rt/ran_task.h"

namespace airan::rt {

class SlotTaskGraph {
 public:
  /// An empty graph for `cell`'s slot `slot`; tasks default to this release time and deadline.
  SlotTaskGraph(uint32_t cell, uint64_t slot, Clock::time_point release,
                Clock::time_point deadline);
  SlotTaskGraph(const SlotTaskGraph&) = delete;
  SlotTaskGraph& operator=(const SlotTaskGraph&) = delete;

  /// Adds a task with the slot's release time and deadline; returns its index.
  uint32_t add(RanTaskType type, const TaskFeatures& features, std::function<void()> run);

  /// Declares that task `after` may start only once task `before` has completed. Fails naming
  /// `before`/`after` unless before < after < size().
  Status depend(uint32_t before, uint32_t after);

  uint32_t cell() const { return cell_; }
  uint64_t slot() const { return slot_; }
  Clock::time_point release() const { return release_; }
  /// The earliest deadline of any task (the slot's deadline unless a task was given an earlier
  /// one).
  Clock::time_point deadline() const;
  size_t size() const { return tasks_.size(); }
  RanTask& task(uint32_t i) { return tasks_[i]; }
  const RanTask& task(uint32_t i) const { return tasks_[i]; }

  // Runtime side (after admission; called by the runtime only).

  /// Resets the completion counters; call once before the first task is released.
  void arm();
  /// Marks task `i` complete at `end`: calls on_ready(task) for each successor whose last
  /// predecessor this was. The graph must not be touched after the call that completes it.
  template <typename OnReady>
  void complete(uint32_t i, Clock::time_point end, OnReady&& on_ready) {
    RanTask& t = tasks_[i];
    for (uint32_t s : t.successors) {
      if (unmet_[s].fetch_sub(1, std::memory_order_acq_rel) == 1) on_ready(tasks_[s]);
    }
    remaining_predicted_ns_.fetch_sub(t.predicted_ns, std::memory_order_relaxed);
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      finish_ = end;
      done_.store(true, std::memory_order_release);
    }
  }
  /// Tasks not yet completed.
  uint32_t remaining() const { return remaining_.load(std::memory_order_acquire); }
  /// True once every task has completed; finish_time() is valid then.
  bool done() const { return done_.load(std::memory_order_acquire); }
  /// When the last task completed.
  Clock::time_point finish_time() const { return finish_; }
  /// Σ predicted duration of the tasks not yet completed, ns.
  int64_t remaining_predicted_ns() const {
    return remaining_predicted_ns_.load(std::memory_order_relaxed);
  }
  /// Control tick only: notes that some task of this slot missed its deadline.
  void mark_missed() { missed_ = true; }
  /// Control tick only: true once mark_missed() was called.
  bool missed() const { return missed_; }

 private:
  uint32_t cell_;
  uint64_t slot_;
  Clock::time_point release_, deadline_;
  std::vector<RanTask> tasks_;
  std::unique_ptr<std::atomic<uint32_t>[]> unmet_;  // predecessors not yet completed, per task
  std::atomic<uint32_t> remaining_{0};
  std::atomic<int64_t> remaining_predicted_ns_{0};
  std::atomic<bool> done_{false};
  Clock::time_point finish_{};
  bool missed_ = false;
};

}  // namespace airan::rt
