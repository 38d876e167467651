#pragma once
// The uplink scheduler of the UE emulator: every slot it advances each UE's traffic, serves HARQ
// retransmissions first (rv sequence 0, 2, 3, 1), then shares the PRBs among UEs with data, with
// an MCS chosen from each UE's SNR. Output is the slot's SlotSchedule.

#include <cstdint>
#include <vector>

#include "airan/common/expected.h"
#include "airan/phy/pusch/mcs_table.h"
#include "airan/ran/slot_schedule.h"
#include "airan/ran/traffic.h"

namespace airan::ran {

struct EmulatedUeConfig {
  uint16_t rnti = 1;
  double snr_db = 20.0;  ///< average SNR the link adaptation sees
  unsigned nof_layers = 1;
  UeTrafficConfig traffic;
};

struct UplinkSchedulerConfig {
  unsigned n_rb = 51;                 ///< PRBs of the carrier
  unsigned slots_per_second = 2000;   ///< 30 kHz SCS
  unsigned max_ues_per_slot = 4;
  unsigned min_prbs = 4;              ///< smallest allocation worth scheduling
  phy::McsTable mcs_table = phy::McsTable::qam64;
  unsigned nof_symbols = 14;
  unsigned dmrs_re_per_prb = 12;      ///< N_DMRS^PRB: one type-1 DM-RS symbol, 2 CDM groups without data
  double link_margin_db = 4.0;        ///< SNR backoff of link adaptation (receiver gap + fading)
  unsigned max_transmissions = 4;     ///< HARQ: the first transmission plus 3 retransmissions
};

/// Counters of what the scheduler did (since construction).
struct SchedulerStats {
  uint64_t new_tbs = 0, retransmissions = 0, tbs_lost = 0;
  uint64_t offered_bytes = 0, scheduled_bytes = 0;
};

class UplinkScheduler {
 public:
  /// Error: an invalid field (names it), duplicate RNTIs or no UEs.
  static Expected<UplinkScheduler> create(const UplinkSchedulerConfig& cfg,
                                          std::vector<EmulatedUeConfig> ues, const LoadProfile& load,
                                          uint64_t seed);

  /// The schedule of slot (sfn, slot) at run time `t_s`.
  SlotSchedule schedule(uint32_t sfn, unsigned slot, double t_s);

  /// HARQ feedback for an allocation of an earlier schedule: a failed CRC queues a retransmission
  /// with the next redundancy version, until max_transmissions.
  void on_crc(const PuschAllocation& allocation, bool crc_ok);

  /// Highest MCS of the table whose spectral efficiency fits `snr_db` minus the margin (0 if none).
  unsigned mcs_for_snr(double snr_db) const;

  const SchedulerStats& stats() const { return stats_; }
  double load_at(double t_s) const { return load_.load_at(t_s); }

 private:
  struct HarqProcess {
    bool waiting_retx = false;
    PuschAllocation allocation;  // of the last transmission
    unsigned transmissions = 0;
  };
  struct Ue {
    EmulatedUeConfig cfg;
    UeTraffic traffic;
    uint64_t buffer_bytes = 0;
    unsigned next_harq = 0;
    std::vector<HarqProcess> harq;
  };
  UplinkScheduler(const UplinkSchedulerConfig& cfg, const LoadProfile& load) : cfg_(cfg), load_(load) {}
  unsigned tbs_bits(unsigned nof_prb, unsigned mcs, unsigned layers) const;

  UplinkSchedulerConfig cfg_;
  LoadProfile load_;
  std::vector<Ue> ues_;
  size_t round_robin_ = 0;
  double last_t_s_ = 0;
  SchedulerStats stats_;
};

}  // namespace airan::ran
