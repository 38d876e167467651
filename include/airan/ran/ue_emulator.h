#pragma once
// The UE emulator: per slot, the uplink scheduler's allocations become real PUSCH transmissions
// (random transport blocks through the PUSCH transmitter and OFDM), each UE through its own
// fading channel, summed at the gNB's receive antennas with thermal noise. Also the cell-side
// receiver that turns a slot's samples and schedule back into transport blocks.

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

#include "airan/common/expected.h"
#include "airan/phy/channel/channel_model.h"
#include "airan/phy/ofdm/ofdm.h"
#include "airan/phy/pusch/pusch_config.h"
#include "airan/phy/pusch/pusch_receiver.h"
#include "airan/phy/pusch/pusch_transmitter.h"
#include "airan/ran/slot_schedule.h"
#include "airan/ran/ue_scheduler.h"

namespace airan::ran {

struct CellConfig {
  unsigned scs_khz = 30;
  unsigned bandwidth_mhz = 20;
  unsigned nof_rx = 2;   ///< gNB receive antennas 1..4
  unsigned cell_id = 1;  ///< data scrambling identity and DM-RS scrambling id, 0..1007
  phy::TdlProfile profile = phy::TdlProfile::tdl_a;
  double delay_spread_ns = 30.0;
  double max_doppler_hz = 10.0;
};

/// The PUSCH parameters of `a` in slot `slot` of the cell (DM-RS type 1, one front-loaded symbol,
/// two CDM groups without data, as the emulator's scheduler assumes for its TBS).
phy::PuschConfig pusch_config_for(const PuschAllocation& a, const phy::Carrier& carrier,
                                  unsigned slot, unsigned cell_id);

/// One emulated slot: its schedule, the received samples of every antenna, and the transport
/// blocks the UEs sent (in schedule order), so a receiver's output can be checked.
struct EmulatedSlot {
  SlotSchedule schedule;
  std::vector<std::vector<std::complex<float>>> samples;  ///< [rx][sample]
  std::vector<std::vector<uint8_t>> sent_tbs;
  double time_s = 0;  ///< run time of the slot start
};

class UeEmulator {
 public:
  /// Error names the invalid field (carrier, antennas, scheduler or UE configuration).
  static Expected<std::unique_ptr<UeEmulator>> create(const CellConfig& cell,
                                                      const UplinkSchedulerConfig& sched,
                                                      std::vector<EmulatedUeConfig> ues,
                                                      const LoadProfile& load, uint64_t seed);

  /// Produces the next slot into `out` (buffers reused across calls).
  Status next_slot(EmulatedSlot& out);

  /// HARQ feedback from the receiver for an allocation of an earlier slot.
  void on_crc(const PuschAllocation& a, bool crc_ok) { scheduler_.on_crc(a, crc_ok); }

  const phy::Carrier& carrier() const { return carrier_; }
  const UplinkScheduler& scheduler() const { return scheduler_; }
  const CellConfig& cell() const { return cell_; }

 private:
  UeEmulator(const CellConfig& cell, const phy::Carrier& carrier, UplinkScheduler scheduler)
      : cell_(cell), carrier_(carrier), scheduler_(std::move(scheduler)), modulator_(carrier) {}

  CellConfig cell_;
  phy::Carrier carrier_;
  UplinkScheduler scheduler_;
  std::vector<EmulatedUeConfig> ues_;
  std::vector<std::unique_ptr<phy::ChannelModel>>
      channels_;  // per UE, persistent (fading continues)
  phy::PuschTransmitter transmitter_;
  phy::OfdmModulator modulator_;
  std::mt19937_64 rng_;
  uint64_t slot_count_ = 0;
  std::vector<std::vector<phy::cf_t>> grids_, tx_samples_, ue_rx_;
  std::vector<std::vector<uint8_t>>
      harq_tbs_;  // [ue * 16 + harq_id]: the TB a retransmission repeats
};

/// What the cell receiver made of one UE of a slot.
struct UeOutcome {
  PuschAllocation allocation;
  bool crc_ok = false;
  unsigned tbs = 0;
  float snr_db = 0;
  float evm_percent = 0;
  double mean_iterations = 0;
  std::vector<uint8_t> tb;
};

/// The gNB side: OFDM demodulation of every antenna, then each scheduled UE's PUSCH.
class CellReceiver {
 public:
  /// Error names the invalid field.
  static Expected<std::unique_ptr<CellReceiver>> create(const CellConfig& cell, unsigned max_ues);
  /// Receives one slot; outcomes in schedule order. Error names the schedule entry that is wrong.
  Expected<std::vector<UeOutcome>> receive(
      const SlotSchedule& schedule, const std::vector<std::vector<std::complex<float>>>& samples);

 private:
  CellReceiver(const CellConfig& cell, const phy::Carrier& carrier,
               std::unique_ptr<phy::PuschReceiver> rx)
      : cell_(cell), carrier_(carrier), rx_(std::move(rx)) {}
  CellConfig cell_;
  phy::Carrier carrier_;
  std::unique_ptr<phy::PuschReceiver> rx_;
};

}  // namespace airan::ran
