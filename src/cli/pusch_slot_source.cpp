#include "cli/pusch_slot_source.h"

#include <cmath>
#include <string>
#include <utility>

namespace airan::cli {
namespace {

constexpr unsigned kMaxUes = 16;

}  // namespace

Expected<std::unique_ptr<PuschSlotSource>> PuschSlotSource::create(
    const PuschSlotSourceOptions& options) {
  if (options.ues == 0 || options.ues > kMaxUes) return Error{"ues: must be in 1..16"};
  if (options.slots == 0) return Error{"slots: must be >= 1"};
  if (options.pool == 0) return Error{"pool: must be >= 1"};
  auto carrier = phy::nr_carrier(options.cell.scs_khz, options.cell.bandwidth_mhz);
  if (!carrier) return carrier.error();
  for (double l : options.load_levels) {
    if (!(l >= 0 && l <= 1)) return Error{"load_levels: " + std::to_string(l) + " not in 0..1"};
  }
  if (!(options.snr_min_db <= options.snr_max_db)) return Error{"snr_min_db: above snr_max_db"};
  std::vector<ran::EmulatedUeConfig> ues;
  for (unsigned i = 0; i < options.ues; ++i) {
    ran::EmulatedUeConfig u;
    u.rnti = static_cast<uint16_t>(0x4601 + i);
    u.snr_db = options.ues > 1 ? options.snr_min_db + (options.snr_max_db - options.snr_min_db) *
                                                          i / (options.ues - 1)
                               : options.snr_max_db;
    u.traffic.kind = options.traffic;
    u.traffic.peak_rate_bps = options.ue_peak_mbps * 1e6;
    ues.push_back(u);
  }
  const unsigned slots_per_s = 1000 * carrier->slots_per_subframe();

  std::unique_ptr<PuschSlotSource> src(new PuschSlotSource());
  src->carrier_ = *carrier;
  src->cell_ = options.cell;
  src->slot_duration_ = std::chrono::duration_cast<rt::Clock::duration>(
      std::chrono::duration<double>(1.0 / slots_per_s));
  // No HARQ feedback: the runs must see the same traffic whatever they decode, so every
  // allocation is new data (a pool receiver holds no soft buffer of an earlier slot).
  const auto generate = [&](ran::UeEmulator& emu, ran::EmulatedSlot& slot) -> Status {
    if (Status s = emu.next_slot(slot); !s) return Error{"UE emulator: " + s.message()};
    for (auto& a : slot.schedule.pusch) a.new_data = true;
    return Status::ok();
  };
  if (options.load_levels.empty()) {
    const double day = static_cast<double>(options.slots) / slots_per_s;
    const ran::LoadProfile profile = ran::LoadProfile::ramp_up_down(day);
    auto emu = ran::UeEmulator::create(options.cell, {}, ues, profile, options.seed);
    if (!emu) return emu.error();
    src->slots_.resize(options.slots);
    for (auto& slot : src->slots_) {
      if (Status s = generate(**emu, slot); !s) return Error{s.message()};
      src->slot_loads_.push_back(profile.load_at(slot.time_s));
    }
  } else {
    src->levels_ = options.load_levels;
    src->per_level_ = options.slots;
    src->slots_.resize(options.load_levels.size() * options.slots);
    ran::EmulatedSlot warmup;
    for (size_t l = 0; l < options.load_levels.size(); ++l) {
      const double load = options.load_levels[l];
      auto profile = ran::LoadProfile::create({{0, load}, {24, load}}, 1.0);
      if (!profile) return profile.error();
      auto emu = ran::UeEmulator::create(options.cell, {}, ues, *profile, options.seed + 7919 * l);
      if (!emu) return emu.error();
      for (unsigned w = 0; w < options.warmup_slots; ++w) {
        if (Status s = generate(**emu, warmup); !s) return Error{s.message()};
      }
      for (unsigned k = 0; k < options.slots; ++k) {
        if (Status s = generate(**emu, src->slots_[l * options.slots + k]); !s)
          return Error{s.message()};
        src->slot_loads_.push_back(load);
      }
    }
  }
  phy::PuschReceiverConfig rc;
  rc.carrier = *carrier;
  rc.nof_rx = options.cell.nof_rx;
  rc.max_layers = options.cell.nof_rx;
  // Sized for the UEs emulated, not the most allowed: each receiver of the pool holds a work area
  // per UE and a soft buffer per HARQ buffer (at 16 UEs and 32 buffers, 27 MB a receiver).
  rc.max_ues = options.ues;
  rc.nof_harq_buffers = 2 * options.ues;
  src->max_ues_ = options.ues;
  for (unsigned i = 0; i < options.pool; ++i) {
    auto rx = phy::PuschReceiver::create(rc);
    if (!rx) return Error{"receiver: " + rx.error().message};
    auto r = std::make_unique<Receiver>();
    r->rx = std::move(*rx);
    src->pool_.push_back(std::move(r));
  }
  return src;
}

bool PuschSlotSource::receiver_free() const {
  for (const auto& r : pool_) {
    if (!r->busy.load(std::memory_order_acquire)) return true;
  }
  return false;
}

size_t PuschSlotSource::slot_for(double load, uint64_t n) const {
  if (levels_.empty()) return static_cast<size_t>(n % slots_.size());
  size_t best = 0;
  for (size_t l = 1; l < levels_.size(); ++l) {
    if (std::abs(levels_[l] - load) < std::abs(levels_[best] - load)) best = l;
  }
  return best * per_level_ + static_cast<size_t>(n % per_level_);
}

Expected<std::unique_ptr<rt::SlotTaskGraph>> PuschSlotSource::make_slot(
    size_t k, rt::Clock::time_point release, rt::Clock::time_point deadline, uint64_t slot_number) {
  if (k >= slots_.size()) return Error{"slot " + std::to_string(k) + " beyond the generated ones"};
  Receiver* rcv = nullptr;
  for (auto& r : pool_) {
    bool expected = false;
    if (r->busy.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
      rcv = r.get();
      break;
    }
  }
  if (rcv == nullptr) return Error{"no free receiver (all slots of the pool in flight)"};
  const ran::EmulatedSlot& es = slots_[k];
  const unsigned nslot = es.schedule.slot % (10 * carrier_.slots_per_subframe());
  phy::PuschReceiver* rx = rcv->rx.get();

  // configure_ue on this thread: the receiver is ours, and it tells the code blocks per UE.
  const size_t n_ue = std::min<size_t>(es.schedule.pusch.size(), max_ues_);
  std::vector<phy::PuschConfig> cfgs(n_ue);
  for (size_t u = 0; u < n_ue; ++u) {
    const ran::PuschAllocation& a = es.schedule.pusch[u];
    cfgs[u] = ran::pusch_config_for(a, carrier_, nslot, cell_.cell_id);
    if (Status s = rx->configure_ue(static_cast<unsigned>(u), cfgs[u], a.harq_id, true); !s) {
      rcv->busy.store(false, std::memory_order_release);
      return Error{"slot " + std::to_string(k) + " pusch[" + std::to_string(u) +
                   "]: " + s.message()};
    }
  }

  auto g = std::make_unique<rt::SlotTaskGraph>(0, slot_number, release, deadline);
  auto count_error = [this](const Status& s) {
    if (!s) errors_.fetch_add(1, std::memory_order_relaxed);
  };
  auto features = [&](const phy::PuschConfig* c) {
    rt::TaskFeatures f = predict::missing_features();
    f[predict::index_of(predict::Feature::rx_ports)] = static_cast<float>(cell_.nof_rx);
    f[predict::index_of(predict::Feature::prbs)] =
        static_cast<float>(c ? c->nof_prb : carrier_.n_rb);
    if (c) {
      f[predict::index_of(predict::Feature::mcs)] = static_cast<float>(c->mcs);
      f[predict::index_of(predict::Feature::layers)] = static_cast<float>(c->nof_layers);
    }
    return f;
  };

  std::vector<uint32_t> demods;
  for (unsigned r = 0; r < cell_.nof_rx; ++r) {
    demods.push_back(
        g->add(rt::RanTaskType::ofdm_demod, features(nullptr), [rx, r, &es, nslot, count_error] {
          count_error(rx->demodulate(r, es.samples[r], nslot));
        }));
  }
  // Results of the slot's UEs, filled by the crc tasks, read by the closing task.
  auto ok = std::make_shared<std::vector<uint8_t>>(n_ue, 0);
  std::vector<uint32_t> finishes;
  for (size_t uu = 0; uu < n_ue; ++uu) {
    const auto u = static_cast<unsigned>(uu);
    const phy::PuschConfig* c = &cfgs[uu];
    const uint32_t est = g->add(rt::RanTaskType::channel_estimation, features(c),
                                [rx, u, count_error] { count_error(rx->estimate_channel(u)); });
    for (uint32_t d : demods) (void)g->depend(d, est);
    const uint32_t eq = g->add(rt::RanTaskType::equalization, features(c),
                               [rx, u, count_error] { count_error(rx->equalize_demap(u)); });
    (void)g->depend(est, eq);
    const unsigned n_cb = rx->nof_code_blocks(u);
    std::vector<uint32_t> decodes;
    for (unsigned cb = 0; cb < n_cb; ++cb) {
      rt::TaskFeatures f = features(c);
      f[predict::index_of(predict::Feature::code_blocks)] = 1.0f;
      const uint32_t dec = g->add(rt::RanTaskType::ldpc_decode, f, [rx, u, cb, count_error] {
        count_error(rx->decode_code_block(u, cb));
      });
      // One LDPC decoder and one set of counters per UE: its code blocks decode one at a time.
      (void)g->depend(decodes.empty() ? eq : decodes.back(), dec);
      decodes.push_back(dec);
    }
    rt::TaskFeatures f = features(c);
    f[predict::index_of(predict::Feature::code_blocks)] = static_cast<float>(n_cb);
    const uint32_t fin = g->add(rt::RanTaskType::crc, f, [this, rx, u, ok] {
      auto res = rx->finish_ue(u);
      if (!res) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      (*ok)[u] = res->crc_ok ? 1 : 0;
    });
    (void)g->depend(decodes.empty() ? eq : decodes.back(), fin);
    finishes.push_back(fin);
  }
  const uint32_t close = g->add(rt::RanTaskType::other, features(nullptr), [this, rcv, ok] {
    uint64_t good = 0;
    for (uint8_t v : *ok) good += v;
    tbs_.fetch_add(ok->size(), std::memory_order_relaxed);
    tbs_ok_.fetch_add(good, std::memory_order_relaxed);
    closed_.fetch_add(1, std::memory_order_relaxed);
    rcv->busy.store(false, std::memory_order_release);
  });
  if (finishes.empty()) {
    for (uint32_t d : demods) (void)g->depend(d, close);
  }
  for (uint32_t f : finishes) (void)g->depend(f, close);
  return g;
}

}  // namespace airan::cli
