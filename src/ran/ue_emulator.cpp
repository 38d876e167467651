#include "airan/ran/ue_emulator.h"

#include <cmath>
#include <string>

namespace airan::ran {

phy::PuschConfig pusch_config_for(const PuschAllocation& a, const phy::Carrier& carrier,
                                  unsigned slot, unsigned cell_id) {
  phy::PuschConfig c;
  c.carrier = carrier;
  c.slot = slot;
  c.rnti = a.rnti;
  c.n_id = cell_id;
  c.prb_start = a.prb_start;
  c.nof_prb = a.nof_prb;
  c.start_symbol = a.start_symbol;
  c.nof_symbols = a.nof_symbols;
  c.dmrs_scrambling_id = cell_id;
  c.nof_cdm_groups_without_data = 2;
  c.mcs_table = a.mcs_table;
  c.mcs = a.mcs;
  c.nof_layers = a.nof_layers;
  c.rv = a.rv;
  return c;
}

Expected<std::unique_ptr<UeEmulator>> UeEmulator::create(const CellConfig& cell,
                                                         const UplinkSchedulerConfig& sched,
                                                         std::vector<EmulatedUeConfig> ues,
                                                         const LoadProfile& load, uint64_t seed) {
  auto carrier = phy::nr_carrier(cell.scs_khz, cell.bandwidth_mhz);
  if (!carrier) return carrier.error();
  if (cell.nof_rx < 1 || cell.nof_rx > 4)
    return Error{"nof_rx=" + std::to_string(cell.nof_rx) + " outside 1..4"};
  UplinkSchedulerConfig s = sched;
  s.n_rb = carrier->n_rb;
  s.slots_per_second = 1000 * carrier->slots_per_subframe();
  for (size_t i = 0; i < ues.size(); ++i) {
    if (ues[i].nof_layers > cell.nof_rx) {
      return Error{"ues[" + std::to_string(i) +
                   "].nof_layers=" + std::to_string(ues[i].nof_layers) +
                   " exceeds nof_rx=" + std::to_string(cell.nof_rx)};
    }
  }
  auto scheduler = UplinkScheduler::create(s, ues, load, seed);
  if (!scheduler) return scheduler.error();
  std::unique_ptr<UeEmulator> e(new UeEmulator(cell, *carrier, std::move(*scheduler)));
  e->ues_ = std::move(ues);
  e->rng_.seed(seed);
  e->harq_tbs_.resize(e->ues_.size() * 16);
  for (size_t i = 0; i < e->ues_.size(); ++i) {
    phy::ChannelConfig ch;
    ch.profile = cell.profile;
    ch.delay_spread_ns = cell.delay_spread_ns;
    ch.max_doppler_hz = cell.max_doppler_hz;
    ch.num_tx = e->ues_[i].nof_layers;
    ch.num_rx = cell.nof_rx;
    ch.snr_db = 100.0;  // noise is added once at the antennas, below
    ch.timing_offset_samples = static_cast<int>(i % 4);  // UEs arrive a little apart, within the CP
    ch.seed = seed * 1000003 + i;
    if (Status st = phy::channel_config_validate(ch); !st)
      return Error{"ues[" + std::to_string(i) + "]: " + st.message()};
    e->channels_.push_back(std::make_unique<phy::ChannelModel>(ch, carrier->sample_rate_hz));
  }
  return e;
}

Status UeEmulator::next_slot(EmulatedSlot& out) {
  const unsigned slots_per_frame = 10 * carrier_.slots_per_subframe();
  const unsigned slot = static_cast<unsigned>(slot_count_ % slots_per_frame);
  const auto sfn = static_cast<uint32_t>((slot_count_ / slots_per_frame) % 1024);
  const double t = static_cast<double>(slot_count_) * 1e-3 / carrier_.slots_per_subframe();
  ++slot_count_;
  out.time_s = t;
  out.schedule = scheduler_.schedule(sfn, slot, t);
  const size_t ns = carrier_.slot_samples(slot);
  out.samples.assign(cell_.nof_rx, std::vector<phy::cf_t>(ns, phy::cf_t{}));
  out.sent_tbs.clear();
  const size_t grid_size = static_cast<size_t>(phy::kSymbolsPerSlot) * carrier_.n_subcarriers();
  for (const PuschAllocation& a : out.schedule.pusch) {
    size_t ue = 0;
    while (ue < ues_.size() && ues_[ue].rnti != a.rnti) ++ue;
    if (ue == ues_.size()) return Error{"schedule names unknown rnti " + std::to_string(a.rnti)};
    const phy::PuschConfig cfg = pusch_config_for(a, carrier_, slot, cell_.cell_id);
    auto derived = phy::pusch_derive(cfg);
    if (!derived) return derived.error();
    // New data draws a random TB; a retransmission repeats the TB of its HARQ process.
    std::vector<uint8_t>& tb = harq_tbs_[ue * 16 + a.harq_id % 16];
    if (a.new_data || tb.size() != phy::pusch_tb_bytes(derived->tbs)) {
      tb.resize(phy::pusch_tb_bytes(derived->tbs));
      for (auto& b : tb) b = static_cast<uint8_t>(rng_());
    }
    // The UE's own grids and waveform, then its own channel.
    grids_.assign(a.nof_layers, std::vector<phy::cf_t>(grid_size, phy::cf_t{}));
    std::vector<std::span<phy::cf_t>> grid_spans(grids_.begin(), grids_.end());
    if (Status s = transmitter_.transmit(grid_spans, tb, cfg); !s) return s;
    tx_samples_.assign(a.nof_layers, std::vector<phy::cf_t>(ns));
    std::vector<std::span<const phy::cf_t>> tx_spans;
    for (unsigned l = 0; l < a.nof_layers; ++l) {
      if (Status s = modulator_.modulate(tx_samples_[l], grids_[l], slot); !s) return s;
      tx_spans.emplace_back(tx_samples_[l]);
    }
    ue_rx_.assign(cell_.nof_rx, std::vector<phy::cf_t>(ns));
    std::vector<std::span<phy::cf_t>> rx_spans(ue_rx_.begin(), ue_rx_.end());
    if (Status s = channels_[ue]->propagate(tx_spans, rx_spans, t); !s) return s;
    // Unit noise per RE below, so the UE's amplitude sets its SNR per RE and antenna.
    const auto gain = static_cast<float>(std::pow(10.0, ues_[ue].snr_db / 20.0));
    for (unsigned r = 0; r < cell_.nof_rx; ++r) {
      for (size_t i = 0; i < ns; ++i) out.samples[r][i] += gain * ue_rx_[r][i];
    }
    out.sent_tbs.push_back(tb);
  }
  std::normal_distribution<float> noise(0.0f, std::sqrt(0.5f));
  for (auto& antenna : out.samples) {
    for (auto& s : antenna) s += phy::cf_t(noise(rng_), noise(rng_));
  }
  return Status::ok();
}

Expected<std::unique_ptr<CellReceiver>> CellReceiver::create(const CellConfig& cell,
                                                             unsigned max_ues) {
  auto carrier = phy::nr_carrier(cell.scs_khz, cell.bandwidth_mhz);
  if (!carrier) return carrier.error();
  phy::PuschReceiverConfig rc;
  rc.carrier = *carrier;
  rc.nof_rx = cell.nof_rx;
  rc.max_layers = cell.nof_rx;
  rc.max_ues = max_ues;
  rc.nof_harq_buffers = 16 * max_ues;
  auto rx = phy::PuschReceiver::create(rc);
  if (!rx) return rx.error();
  return std::unique_ptr<CellReceiver>(new CellReceiver(cell, *carrier, std::move(*rx)));
}

Expected<std::vector<UeOutcome>> CellReceiver::receive(
    const SlotSchedule& schedule, const std::vector<std::vector<std::complex<float>>>& samples) {
  if (samples.size() != cell_.nof_rx) {
    return Error{"samples has " + std::to_string(samples.size()) +
                 " antennas, nof_rx=" + std::to_string(cell_.nof_rx)};
  }
  const unsigned slot = schedule.slot % (10 * carrier_.slots_per_subframe());
  for (unsigned r = 0; r < cell_.nof_rx; ++r) {
    if (Status s = rx_->demodulate(r, samples[r], slot); !s)
      return Error{"antenna " + std::to_string(r) + ": " + s.message()};
  }
  std::vector<UeOutcome> out;
  for (size_t u = 0; u < schedule.pusch.size(); ++u) {
    const PuschAllocation& a = schedule.pusch[u];
    auto res =
        rx_->receive_ue(static_cast<unsigned>(u % rx_->config().max_ues),
                        pusch_config_for(a, carrier_, slot, cell_.cell_id), a.harq_id, a.new_data);
    if (!res)
      return Error{"schedule.pusch[" + std::to_string(u) + "] (rnti " + std::to_string(a.rnti) +
                   "): " + res.error().message};
    UeOutcome o;
    o.allocation = a;
    o.crc_ok = res->crc_ok;
    o.tbs = res->tbs;
    o.snr_db = res->snr_db;
    o.evm_percent = res->evm_percent;
    o.mean_iterations = res->mean_iterations;
    o.tb.assign(res->tb.begin(), res->tb.end());
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace airan::ran
