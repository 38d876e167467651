#include "cli/slot_feed.h"

#include <limits>
#include <thread>

#include "airan/rt/cpu_affinity.h"

namespace airan::cli {

SlotFeed::SlotFeed(PuschSlotSource& source, rt::Scheduler& scheduler,
                   const SlotFeedOptions& options, std::function<size_t(uint64_t n)> bank_slot)
    : source_(source),
      scheduler_(scheduler),
      options_(options),
      bank_slot_(std::move(bank_slot)),
      slot_(source.slot_duration()),
      deadline_after_(
          std::chrono::duration_cast<rt::Clock::duration>(slot_ * options.deadline_slots)) {
  // Nothing is late before the feeder's first hand-over.
  next_due_ns_.store(std::numeric_limits<int64_t>::max(), std::memory_order_release);
  if (options_.slots == 0) done_.store(true, std::memory_order_release);
}

rt::Clock::time_point SlotFeed::hand_over_due(rt::Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  return hand_over_locked(now);
}

void SlotFeed::hand_over_late(rt::Clock::time_point now) {
  if (rt::to_ns(now) - options_.backup_after.count() <
      next_due_ns_.load(std::memory_order_acquire)) {
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // the feeder is at it
  const uint64_t before = submitted();
  hand_over_locked(now);
  if (submitted() != before) backups_.fetch_add(1, std::memory_order_relaxed);
}

rt::Clock::time_point SlotFeed::hand_over_locked(rt::Clock::time_point now) {
  while (!done_.load(std::memory_order_relaxed)) {
    if (next_ >= options_.slots || stopped_.load(std::memory_order_acquire)) {
      done_.store(true, std::memory_order_release);
      break;
    }
    const uint64_t n = next_;
    const rt::Clock::time_point release = t0_ + slot_ * static_cast<int64_t>(n + 1);
    // Slots go over kHandoverSlots at a time, when the first of them is due.
    const rt::Clock::time_point due = handover_time(
        release - slot_ * static_cast<int64_t>(n % kHandoverSlots), slot_, options_.k2);
    next_due_ns_.store(rt::to_ns(due), std::memory_order_release);
    if (due > now) return due;
    if (!source_.receiver_free() && !options_.drop_when_busy) return now;
    ++next_;
    auto graph = source_.make_slot(bank_slot_(n), release, release + deadline_after_, n);
    if (!graph) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard<std::mutex> lock(rejection_mutex_);
      if (rejection_.empty()) {
        rejection_ = "slot " + std::to_string(n) + " rejected: " + graph.error().message;
      }
      continue;
    }
    scheduler_.submit(std::move(*graph));
    submitted_.fetch_add(1, std::memory_order_relaxed);
  }
  next_due_ns_.store(std::numeric_limits<int64_t>::max(), std::memory_order_release);
  return rt::Clock::time_point::max();
}

std::string SlotFeed::first_rejection() const {
  std::lock_guard<std::mutex> lock(rejection_mutex_);
  return rejection_;
}

void run_feeder(SlotFeed& feed, int realtime_priority, const std::function<bool()>& between) {
  // A slot handed over late is released late: the feeder runs at real-time priority too.
  const rt::RealtimeScope realtime(rt::RealtimePriorities::from_base(realtime_priority).submitter);
  rt::set_timer_slack_ns(1);
  rt::Clock::time_point busy_since{};
  while (true) {
    const rt::Clock::time_point now = rt::Clock::now();
    const rt::Clock::time_point next = feed.hand_over_due(now);
    if (next == rt::Clock::time_point::max()) return;
    if (!between()) {
      feed.stop();
      return;
    }
    if (next > now) {
      busy_since = {};
      std::this_thread::sleep_until(next);
      continue;
    }
    // Every receiver busy: wait for a slot to close (sleeping: never spin at real-time priority).
    if (busy_since == rt::Clock::time_point{}) busy_since = now;
    if (now - busy_since > std::chrono::seconds(10)) {
      feed.stop();
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

}  // namespace airan::cli
