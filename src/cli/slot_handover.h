#pragma once
// When the emulated front end hands slots to the runtime: a slot's task graph is known from its
// uplink grant on, and its tasks are released when its samples are complete.

#include <chrono>
#include <cmath>
#include <cstdint>

#include "airan/rt/ran_task.h"

namespace airan::cli {

/// Slots the emulated front end hands to the runtime per wake-up. One wake-up a slot cost the
/// lent core it lands on about 25 µs (a timer wake-up in this VM), 5 % of that core.
inline constexpr unsigned kHandoverSlots = 2;

/// Default uplink grant lead k2, in slots: the MAC grants a PUSCH slot k2 slots ahead (38.214
/// 6.1.2.1, k2 0..32), so its task graph is known from then on.
inline constexpr unsigned kDefaultK2 = 7;

/// When the emulated front end hands a slot's task graph to the runtime: at the start of its grant
/// slot, k2 slots before the PUSCH slot, i.e. (k2 + 1) slots before `release` (its samples
/// complete; the runtime holds the tasks until then). Handed over this early, a feeder held off
/// for less than the lead (its vCPU descheduled by the host for milliseconds, as seen in this
/// VM) delays no slot.
inline rt::Clock::time_point handover_time(rt::Clock::time_point release, rt::Clock::duration slot,
                                           unsigned k2) {
  return release - slot * static_cast<int64_t>(k2 + 1);
}

/// Receivers a run needs: slots handed over and not yet released (k2 + 1, and the rest of a
/// hand-over batch), released ones until their deadline, and a margin for late ones.
inline unsigned receivers_needed(unsigned k2, double deadline_slots) {
  return k2 + 1 + kHandoverSlots + static_cast<unsigned>(std::ceil(deadline_slots)) + 4;
}

}  // namespace airan::cli
