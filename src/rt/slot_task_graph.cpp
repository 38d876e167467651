#include "airan/rt/slot_task_graph.h"

#include <algorithm>
#include <string>

namespace airan::rt {

SlotTaskGraph::SlotTaskGraph(uint32_t cell, uint64_t slot, Clock::time_point release,
                             Clock::time_point deadline)
    : cell_(cell), slot_(slot), release_(release), deadline_(deadline) {}

uint32_t SlotTaskGraph::add(RanTaskType type, const TaskFeatures& features,
                            std::function<void()> run) {
  RanTask t;
  t.type = type;
  t.features = features;
  t.release = release_;
  t.deadline = deadline_;
  t.run = std::move(run);
  t.graph = this;
  t.cell = cell_;
  t.slot = slot_;
  t.index = static_cast<uint32_t>(tasks_.size());
  tasks_.push_back(std::move(t));
  return tasks_.back().index;
}

Status SlotTaskGraph::depend(uint32_t before, uint32_t after) {
  if (after >= tasks_.size()) {
    return Error{"after: task index " + std::to_string(after) + " not in [0, " +
                 std::to_string(tasks_.size()) + ")"};
  }
  if (before >= after) {
    return Error{"before: task index " + std::to_string(before) + " must be < after (" +
                 std::to_string(after) + ")"};
  }
  auto& succ = tasks_[before].successors;
  if (std::find(succ.begin(), succ.end(), after) != succ.end()) return Status::ok();
  succ.push_back(after);
  ++tasks_[after].n_predecessors;
  return Status::ok();
}

Clock::time_point SlotTaskGraph::deadline() const {
  Clock::time_point d = deadline_;
  for (const RanTask& t : tasks_) d = std::min(d, t.deadline);
  return d;
}

void SlotTaskGraph::arm() {
  unmet_ = std::make_unique<std::atomic<uint32_t>[]>(tasks_.size());
  int64_t predicted = 0;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    unmet_[i].store(tasks_[i].n_predecessors, std::memory_order_relaxed);
    predicted += tasks_[i].predicted_ns;
  }
  remaining_predicted_ns_.store(predicted, std::memory_order_relaxed);
  done_.store(tasks_.empty(), std::memory_order_relaxed);
  finish_ = release_;
  remaining_.store(static_cast<uint32_t>(tasks_.size()), std::memory_order_release);
}

}  // namespace airan::rt
