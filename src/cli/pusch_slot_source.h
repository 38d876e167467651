#pragma once
// Emulated PUSCH slots as runtime task graphs. The UE emulator's slots (schedule + received
// samples) are generated ahead of a run and kept, so several runs (one per policy) see identical
// traffic. make_slot() turns slot k into a SlotTaskGraph whose tasks call the real receiver stages:
//   ofdm_demod per antenna -> per UE: channel_estimation -> equalization (equalise + demap +
//   descramble) -> ldpc_decode per code block (in order:
//   a UE has one decoder) -> crc (finish_ue) -> one closing task.
// The PuschReceiver keeps each stage's state, so every in-flight slot owns one receiver of a
// small pool; configure_ue() of a slot's UEs runs in make_slot() (one thread, as the receiver
// requires, and it tells the number of code blocks); the closing task returns the receiver.
//
// Two ways to generate the slots:
//   ramp (load_levels empty) - `slots` consecutive slots under the 10 % -> 100 % -> 10 % profile
//                              (airan bench policies: every policy replays the same slots);
//   bank (load_levels given) - `slots` slots at each constant load level (after a few warm-up
//                              slots that fill the UEs' buffers), so a long run replays a bounded
//                              set in real time, choosing per slot the level nearest the load its
//                              profile asks for (slot_for). Keeping every slot of a 30 s run would
//                              take 60000 slots x ~240 kB.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "airan/common/expected.h"
#include "airan/phy/pusch/pusch_receiver.h"
#include "airan/ran/ue_emulator.h"
#include "airan/rt/slot_task_graph.h"

namespace airan::cli {

struct PuschSlotSourceOptions {
  ran::CellConfig cell;      ///< default: 30 kHz, 20 MHz, 2 RX
  unsigned ues = 4;          ///< emulated UEs (1..16)
  double ue_peak_mbps = 20;  ///< offered uplink rate per UE at full load
  ran::TrafficKind traffic = ran::TrafficKind::poisson;
  double snr_min_db = 12, snr_max_db = 28;  ///< SNRs of the UEs, spread evenly
  /// Ramp: slots generated (the load profile ramps 10 % -> 100 % -> 10 %). Bank: slots per level.
  unsigned slots = 400;
  /// Bank mode: constant loads (0..1) to generate `slots` slots at each; empty: ramp mode.
  std::vector<double> load_levels;
  unsigned warmup_slots = 8;  ///< bank mode: slots generated and dropped before each level
  unsigned pool = 8;          ///< receivers, i.e. slots in flight at most
  uint64_t seed = 1;
};

class PuschSlotSource {
 public:
  /// Generates every slot with the UE emulator. Error names the invalid field.
  static Expected<std::unique_ptr<PuschSlotSource>> create(const PuschSlotSourceOptions& options);
  PuschSlotSource(const PuschSlotSource&) = delete;
  PuschSlotSource& operator=(const PuschSlotSource&) = delete;

  size_t slots() const { return slots_.size(); }
  /// Bank mode: the slot to replay as run slot `n` when the profile asks for `load`: the level
  /// nearest `load`, slot n modulo the slots per level. Ramp mode: n modulo slots().
  size_t slot_for(double load, uint64_t n) const;
  /// The load level slot `k` was generated at (ramp mode: the profile's load at its time).
  double slot_load(size_t k) const { return slot_loads_[k]; }
  /// Air time of one slot.
  rt::Clock::duration slot_duration() const { return slot_duration_; }

  /// True when a receiver of the pool is free (make_slot will not fail for want of one).
  bool receiver_free() const;
  /// The task graph of slot `k` (0..slots()-1) with `release` and `deadline`. Error: no free
  /// receiver, or a schedule entry the receiver rejects (named).
  Expected<std::unique_ptr<rt::SlotTaskGraph>> make_slot(size_t k, rt::Clock::time_point release,
                                                         rt::Clock::time_point deadline) {
    return make_slot(k, release, deadline, k);
  }
  /// The same, numbering the graph's slot `slot_number` (the run's slot count, for records).
  Expected<std::unique_ptr<rt::SlotTaskGraph>> make_slot(size_t k, rt::Clock::time_point release,
                                                         rt::Clock::time_point deadline,
                                                         uint64_t slot_number);

  /// Marks every receiver free; only when no task of this source's graphs can run any more (the
  /// runtime that held them is destroyed).
  void release_all() {
    for (auto& r : pool_) r->busy.store(false, std::memory_order_release);
  }

  /// Totals over every closed slot (any thread).
  uint64_t slots_closed() const { return closed_.load(std::memory_order_relaxed); }
  uint64_t tbs() const { return tbs_.load(std::memory_order_relaxed); }
  uint64_t tbs_ok() const { return tbs_ok_.load(std::memory_order_relaxed); }
  /// Stage calls that returned an error.
  uint64_t stage_errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  PuschSlotSource() = default;
  struct Receiver {
    std::unique_ptr<phy::PuschReceiver> rx;
    std::atomic<bool> busy{false};
  };

  std::vector<ran::EmulatedSlot> slots_;
  std::vector<double> slot_loads_;
  std::vector<double> levels_;  // bank mode
  unsigned per_level_ = 0;
  phy::Carrier carrier_{};
  ran::CellConfig cell_;
  rt::Clock::duration slot_duration_{};
  std::vector<std::unique_ptr<Receiver>> pool_;
  unsigned max_ues_ = 1;  // PUSCHs a receiver takes per slot: the UEs emulated
  std::atomic<uint64_t> closed_{0}, tbs_{0}, tbs_ok_{0}, errors_{0};
};

}  // namespace airan::cli
