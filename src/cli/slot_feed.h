#pragma once
// The emulated front end as the runtime's control loop polls it (rt::Scheduler::set_front_end):
// run slot n's samples are complete at t0 + (n + 1) slot durations, when its tasks are released,
// and its task graph is handed over from its uplink grant on (handover_time): at each poll, every
// slot whose grant time has come.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "airan/rt/scheduler.h"
#include "cli/pusch_slot_source.h"
#include "cli/slot_handover.h"

namespace airan::cli {

struct SlotFeedOptions {
  rt::Clock::time_point t0;  ///< run slot n is released at t0 + (n + 1) slot durations
  uint64_t slots = 0;        ///< run slots to hand over
  unsigned k2 = kDefaultK2;  ///< uplink grant lead, slots
  double deadline_slots = 3;
  /// Every receiver busy: drop the slot (counted; it would queue behind slots already past their
  /// deadlines) or hand it over at a later poll, once one is free (every slot runs).
  bool drop_when_busy = true;
};

class SlotFeed {
 public:
  /// Feeds `source`'s slots to `scheduler`; `bank_slot(n)` picks the source slot run slot n
  /// replays. All three must outlive the feed's use.
  SlotFeed(PuschSlotSource& source, rt::Scheduler& scheduler, const SlotFeedOptions& options,
           std::function<size_t(uint64_t n)> bank_slot);

  /// The front end's poll: hands over every slot whose grant time has come; returns when the next
  /// one's comes (time_point::max() once every slot is handed over, dropped, or stop() ran). One
  /// thread at a time (the runtime's control ticks are).
  rt::Clock::time_point poll(rt::Clock::time_point now);

  /// Hands over nothing more (any thread).
  void stop() { stopped_.store(true, std::memory_order_release); }
  /// Every slot handed over or dropped, or stopped (any thread).
  bool done() const { return done_.load(std::memory_order_acquire); }
  uint64_t submitted() const { return submitted_.load(std::memory_order_relaxed); }
  /// Slots not handed over: every receiver busy, or a schedule entry the receiver rejected.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  /// The first rejection ("slot N rejected: why"); "" when none (any thread).
  std::string first_rejection() const;

 private:
  PuschSlotSource& source_;
  rt::Scheduler& scheduler_;
  SlotFeedOptions options_;
  std::function<size_t(uint64_t)> bank_slot_;
  rt::Clock::duration slot_;
  rt::Clock::duration deadline_after_;
  uint64_t next_ = 0;  // the next run slot to hand over
  std::atomic<bool> stopped_{false}, done_{false};
  std::atomic<uint64_t> submitted_{0}, dropped_{0};
  mutable std::mutex rejection_mutex_;
  std::string rejection_;
};

}  // namespace airan::cli
