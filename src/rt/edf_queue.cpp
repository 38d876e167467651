#include "airan/rt/edf_queue.h"

#include <algorithm>
#include <mutex>

namespace airan::rt {
namespace {

// std heaps are max-heaps: "less" means later key (then later push), so the top is the earliest.
bool later(const auto& a, const auto& b) {
  return a.key_ns != b.key_ns ? a.key_ns > b.key_ns : a.seq > b.seq;
}

}  // namespace

EdfQueue::EdfQueue(size_t capacity) {
  pending_.reserve(capacity);
  ready_.reserve(capacity);
}

void EdfQueue::push(RanTask* task) {
  std::lock_guard<SpinLock> guard(lock_);
  pending_.push_back({to_ns(task->release), seq_++, task});
  std::push_heap(pending_.begin(), pending_.end(),
                 [](const Entry& a, const Entry& b) { return later(a, b); });
  publish_counts_locked();
}

RanTask* EdfQueue::pop(Clock::time_point now) {
  const int64_t now_ns = to_ns(now);
  if (ready_count_.load(std::memory_order_acquire) == 0 &&
      next_release_ns_.load(std::memory_order_acquire) > now_ns) {
    return nullptr;
  }
  std::lock_guard<SpinLock> guard(lock_);
  release_locked(now_ns);
  RanTask* task = nullptr;
  if (!ready_.empty()) {
    std::pop_heap(ready_.begin(), ready_.end(),
                  [](const Entry& a, const Entry& b) { return later(a, b); });
    task = ready_.back().task;
    ready_.pop_back();
  }
  publish_counts_locked();
  return task;
}

size_t EdfQueue::release_due(Clock::time_point now) {
  const int64_t now_ns = to_ns(now);
  if (next_release_ns_.load(std::memory_order_acquire) > now_ns) return ready_size();
  std::lock_guard<SpinLock> guard(lock_);
  release_locked(now_ns);
  publish_counts_locked();
  return ready_.size();
}

void EdfQueue::release_locked(int64_t now_ns) {
  const auto cmp = [](const Entry& a, const Entry& b) { return later(a, b); };
  while (!pending_.empty() && pending_.front().key_ns <= now_ns) {
    std::pop_heap(pending_.begin(), pending_.end(), cmp);
    Entry e = pending_.back();
    pending_.pop_back();
    e.key_ns = to_ns(e.task->deadline);
    ready_.push_back(e);
    std::push_heap(ready_.begin(), ready_.end(), cmp);
  }
}

void EdfQueue::publish_counts_locked() {
  ready_count_.store(ready_.size(), std::memory_order_release);
  pending_count_.store(pending_.size(), std::memory_order_release);
  next_release_ns_.store(pending_.empty() ? INT64_MAX : pending_.front().key_ns,
                         std::memory_order_release);
}

}  // namespace airan::rt
