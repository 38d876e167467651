#pragma once
// The emulated front end: run slot n's samples are complete at t0 + (n + 1) slot durations, when
// its tasks are released, and its task graph is handed to the runtime from its uplink grant on
// (handover_time), kHandoverSlots at a time.
//
// A feeder thread of its own hands the slots over (hand_over_due, then sleep until the next). Its
// timer fires only when its vCPU runs, and this VM's host takes a vCPU away for milliseconds at a
// time (traced: hand-overs 3-7 ms late), so the runtime's control ticks, which move to the other
// core when the keeper's vCPU goes, take over a hand-over the feeder is late with
// (hand_over_late). The ticks only back the feeder up: as the only feeder they were worse (they
// are late when the RAN is: a normal-priority keeper, a saturated core).

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
  uint64_t slots = 0;        ///< run slots to hand over
  unsigned k2 = kDefaultK2;  ///< uplink grant lead, slots
  double deadline_slots = 3;
  /// Every receiver busy: drop the slot (counted; it would queue behind slots already past their
  /// deadlines) or hand it over later, once one is free (every slot runs).
  bool drop_when_busy = true;
  /// The ticks hand over what the feeder is this late with.
  std::chrono::nanoseconds backup_after{std::chrono::microseconds(500)};
};

class SlotFeed {
 public:
  /// Feeds `source`'s slots to `scheduler`; `bank_slot(n)` picks the source slot run slot n
  /// replays. All three must outlive the feed's use.
  SlotFeed(PuschSlotSource& source, rt::Scheduler& scheduler, const SlotFeedOptions& options,
           std::function<size_t(uint64_t n)> bank_slot);

  /// Starts the run's clock: slot n is released at t0 + (n + 1) slot durations. Before the first
  /// hand_over_due (the ticks hand over nothing before it).
  void begin(rt::Clock::time_point t0) { t0_ = t0; }

  /// The feeder: hands over every slot due at `now` and returns when the next is due (`now` when
  /// one waits for a receiver; time_point::max() once every slot is handed over or dropped, or
  /// stop() ran).
  rt::Clock::time_point hand_over_due(rt::Clock::time_point now);
  /// The control ticks' backup: the same, only when the feeder is `backup_after` late and not
  /// handing over right now. One atomic load when it is not late.
  void hand_over_late(rt::Clock::time_point now);

  /// Hands over nothing more (any thread).
  void stop() { stopped_.store(true, std::memory_order_release); }
  /// Every slot handed over or dropped, or stopped (any thread).
  bool done() const { return done_.load(std::memory_order_acquire); }
  uint64_t submitted() const { return submitted_.load(std::memory_order_relaxed); }
  /// Slots not handed over: every receiver busy, or a schedule entry the receiver rejected.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  /// Hand-overs the ticks made for a late feeder.
  uint64_t backups() const { return backups_.load(std::memory_order_relaxed); }
  /// The first rejection ("slot N rejected: why"); "" when none (any thread).
  std::string first_rejection() const;

 private:
  // hand_over_due's work; mutex_ held.
  rt::Clock::time_point hand_over_locked(rt::Clock::time_point now);

  PuschSlotSource& source_;
  rt::Scheduler& scheduler_;
  SlotFeedOptions options_;
  std::function<size_t(uint64_t)> bank_slot_;
  rt::Clock::duration slot_;
  rt::Clock::duration deadline_after_;
  rt::Clock::time_point t0_{};
  std::mutex mutex_;                     // one hand-over at a time (make_slot configures receivers)
  uint64_t next_ = 0;                    // the next run slot to hand over
  std::atomic<int64_t> next_due_ns_{0};  // when it is due (ns since the clock's epoch)
  std::atomic<bool> stopped_{false}, done_{false};
  std::atomic<uint64_t> submitted_{0}, dropped_{0}, backups_{0};
  mutable std::mutex rejection_mutex_;
  std::string rejection_;
};

/// The feeder thread's loop, on the calling thread at the front end's real-time priority (one
/// above the RAN workers' `realtime_priority`; 0: normal): hands over what is due, runs `between`
/// (false: stop feeding), sleeps until the next is due. Returns once the feed is done; every
/// receiver busy for 10 s stops it.
void run_feeder(SlotFeed& feed, int realtime_priority, const std::function<bool()>& between);

}  // namespace airan::cli
