#include "cli/slot_feed.h"

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
  if (options_.slots == 0) done_.store(true, std::memory_order_release);
}

rt::Clock::time_point SlotFeed::poll(rt::Clock::time_point now) {
  while (!done_.load(std::memory_order_relaxed)) {
    if (next_ >= options_.slots || stopped_.load(std::memory_order_acquire)) {
      done_.store(true, std::memory_order_release);
      break;
    }
    const uint64_t n = next_;
    const rt::Clock::time_point release = options_.t0 + slot_ * static_cast<int64_t>(n + 1);
    const rt::Clock::time_point handover = handover_time(release, slot_, options_.k2);
    if (handover > now) return handover;
    if (!source_.receiver_free() && !options_.drop_when_busy) return now;  // the next poll
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
  return rt::Clock::time_point::max();
}

std::string SlotFeed::first_rejection() const {
  std::lock_guard<std::mutex> lock(rejection_mutex_);
  return rejection_;
}

}  // namespace airan::cli
