#include "airan/ran/ue_scheduler.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "airan/phy/pusch/transport_block_size.h"

namespace airan::ran {
namespace {

// NR redundancy-version order of retransmissions (38.214 6.1.4: 0, 2, 3, 1).
constexpr unsigned kRvSequence[4] = {0, 2, 3, 1};

}  // namespace

Expected<UplinkScheduler> UplinkScheduler::create(const UplinkSchedulerConfig& cfg,
                                                  std::vector<EmulatedUeConfig> ues,
                                                  const LoadProfile& load, uint64_t seed) {
  if (cfg.n_rb < 1 || cfg.n_rb > 275) return Error{"n_rb=" + std::to_string(cfg.n_rb) + " outside 1..275"};
  if (cfg.min_prbs < 1 || cfg.min_prbs > cfg.n_rb) {
    return Error{"min_prbs=" + std::to_string(cfg.min_prbs) + " outside 1..n_rb"};
  }
  if (cfg.max_ues_per_slot < 1) return Error{"max_ues_per_slot must be >= 1"};
  if (cfg.nof_symbols < 4 || cfg.nof_symbols > 14) {
    return Error{"nof_symbols=" + std::to_string(cfg.nof_symbols) + " outside 4..14"};
  }
  if (cfg.max_transmissions < 1 || cfg.max_transmissions > 4) {
    return Error{"max_transmissions=" + std::to_string(cfg.max_transmissions) + " outside 1..4"};
  }
  if (ues.empty()) return Error{"ues: at least one UE is needed"};
  UplinkScheduler s(cfg, load);
  std::set<uint16_t> rntis;
  for (size_t i = 0; i < ues.size(); ++i) {
    const auto& u = ues[i];
    if (!rntis.insert(u.rnti).second) return Error{"ues[" + std::to_string(i) + "].rnti=" + std::to_string(u.rnti) + " is used twice"};
    if (u.nof_layers < 1 || u.nof_layers > 4) {
      return Error{"ues[" + std::to_string(i) + "].nof_layers=" + std::to_string(u.nof_layers) + " outside 1..4"};
    }
    s.ues_.push_back({u, UeTraffic(u.traffic, seed * 7919 + i), 0, 0, std::vector<HarqProcess>(16)});
  }
  return s;
}

unsigned UplinkScheduler::tbs_bits(unsigned nof_prb, unsigned mcs, unsigned layers) const {
  phy::TbsConfig base;
  base.nof_prb = nof_prb;
  base.nof_symbols = cfg_.nof_symbols;
  base.nof_dmrs_prb = cfg_.dmrs_re_per_prb;
  base.nof_layers = layers;
  auto tc = phy::tbs_config_from_mcs(cfg_.mcs_table, mcs, base);
  if (!tc) return 0;
  auto tbs = phy::transport_block_size(*tc);
  return tbs ? *tbs : 0;
}

unsigned UplinkScheduler::mcs_for_snr(double snr_db) const {
  const double se_max = std::log2(1.0 + std::pow(10.0, (snr_db - cfg_.link_margin_db) / 10.0));
  unsigned best = 0;
  for (unsigned m = 0; m < 32; ++m) {
    auto e = phy::mcs_entry(cfg_.mcs_table, m);
    if (!e || e->reserved) continue;
    if (e->spectral_efficiency() <= se_max) best = m;
  }
  return best;
}

SlotSchedule UplinkScheduler::schedule(uint32_t sfn, unsigned slot, double t_s) {
  const double dt = std::max(0.0, t_s - last_t_s_);
  last_t_s_ = t_s;
  const double load = load_.load_at(t_s);
  for (auto& ue : ues_) {
    const uint64_t arrived = ue.traffic.advance(dt, load);
    // Full buffer keeps a bounded backlog instead of an ever-growing counter.
    ue.buffer_bytes = ue.cfg.traffic.kind == TrafficKind::full_buffer ? arrived : ue.buffer_bytes + arrived;
    stats_.offered_bytes += ue.cfg.traffic.kind == TrafficKind::full_buffer ? 0 : arrived;
  }
  SlotSchedule out;
  out.sfn = sfn;
  out.slot = slot;
  unsigned next_prb = 0;
  // 1. HARQ retransmissions, same size and MCS, next redundancy version.
  for (auto& ue : ues_) {
    for (auto& h : ue.harq) {
      if (!h.waiting_retx || out.pusch.size() >= cfg_.max_ues_per_slot) continue;
      if (next_prb + h.allocation.nof_prb > cfg_.n_rb) continue;
      PuschAllocation a = h.allocation;
      a.prb_start = next_prb;
      a.rv = kRvSequence[h.transmissions % 4];
      a.new_data = false;
      next_prb += a.nof_prb;
      h.allocation = a;
      h.waiting_retx = false;
      ++h.transmissions;
      ++stats_.retransmissions;
      out.pusch.push_back(a);
    }
  }
  // 2. New data: share what is left among UEs with a backlog, round robin over who goes first.
  std::vector<size_t> candidates;
  for (size_t k = 0; k < ues_.size(); ++k) {
    const size_t i = (round_robin_ + k) % ues_.size();
    bool busy = false;
    for (const auto& a : out.pusch) busy |= a.rnti == ues_[i].cfg.rnti;
    if (ues_[i].buffer_bytes > 0 && !busy) candidates.push_back(i);
  }
  round_robin_ = (round_robin_ + 1) % ues_.size();
  const size_t slots_left = cfg_.max_ues_per_slot - std::min<size_t>(cfg_.max_ues_per_slot, out.pusch.size());
  candidates.resize(std::min(candidates.size(), slots_left));
  for (size_t c = 0; c < candidates.size(); ++c) {
    Ue& ue = ues_[candidates[c]];
    const unsigned free_prbs = cfg_.n_rb - next_prb;
    const unsigned share = free_prbs / static_cast<unsigned>(candidates.size() - c);
    if (share < cfg_.min_prbs) break;
    const unsigned mcs = mcs_for_snr(ue.cfg.snr_db);
    // Fewest PRBs within the share whose TBS carries the backlog.
    unsigned prbs = cfg_.min_prbs;
    while (prbs < share && tbs_bits(prbs, mcs, ue.cfg.nof_layers) < ue.buffer_bytes * 8) ++prbs;
    const unsigned tbs = tbs_bits(prbs, mcs, ue.cfg.nof_layers);
    if (tbs == 0) continue;
    PuschAllocation a;
    a.rnti = ue.cfg.rnti;
    a.prb_start = next_prb;
    a.nof_prb = prbs;
    a.nof_symbols = cfg_.nof_symbols;
    a.mcs_table = cfg_.mcs_table;
    a.mcs = mcs;
    a.nof_layers = ue.cfg.nof_layers;
    a.rv = 0;
    a.harq_id = ue.next_harq;
    a.new_data = true;
    HarqProcess& h = ue.harq[ue.next_harq];
    h = {false, a, 1};
    ue.next_harq = (ue.next_harq + 1) % 16;
    next_prb += prbs;
    const uint64_t carried = std::min<uint64_t>(ue.buffer_bytes, tbs / 8);
    ue.buffer_bytes -= carried;
    stats_.scheduled_bytes += carried;
    ++stats_.new_tbs;
    out.pusch.push_back(a);
  }
  return out;
}

void UplinkScheduler::on_crc(const PuschAllocation& allocation, bool crc_ok) {
  for (auto& ue : ues_) {
    if (ue.cfg.rnti != allocation.rnti) continue;
    HarqProcess& h = ue.harq[allocation.harq_id % 16];
    if (crc_ok) return;
    if (h.transmissions >= cfg_.max_transmissions) {
      ++stats_.tbs_lost;
      return;
    }
    h.waiting_retx = true;
    return;
  }
}

}  // namespace airan::ran
