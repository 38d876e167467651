#include "airan/phy/pusch/pusch_receiver.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "airan/common/cpu_features.h"
#include "airan/phy/coding/code_block_segmentation.h"
#include "airan/phy/coding/ldpc_decoder.h"
#include "airan/phy/coding/ldpc_rate_matcher.h"
#include "airan/phy/coding/transport_block_coding.h"
#include "airan/phy/equalizer/mmse_equalizer.h"
#include "airan/phy/modulation/evm.h"
#include "airan/phy/modulation/soft_demapper.h"
#include "airan/phy/ofdm/ofdm.h"
#include "airan/phy/pusch/pusch_scrambling.h"
#include "airan/phy/pusch/transport_block_size.h"

namespace airan::phy {
namespace {

using Clock = std::chrono::steady_clock;
using cd = std::complex<double>;

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

std::string str(size_t v) {
  return std::to_string(v);
}

constexpr unsigned kMaxDmrsSymbols = 4;  // 1 + 3 additional (single) or 2 x 2 (double)
constexpr unsigned kMaxCdmGroups = 2;    // ports 0..3 use CDM groups 0 and 1
constexpr unsigned kMaxHarqId = 31;
// Demapper scale: the weakest bits of a symbol whose post-equalisation SINR is the lower quartile
// of the UE's get about llr_target(R) int8 units; better REs and stronger bits get more, saturating
// at +-63. (A mean SINR would let a few strong REs or layers push weak layers' LLRs to 0.) Low
// code rates want small inputs: their many check rows add up to the decoder's +-127 quickly, and
// saturated a-posteriori values stop carrying information. High rates have few checks per bit
// and gain from the finer input resolution. A curve through the measured optima (AWGN link
// curves, `airan bench pusch-link`: about 4-6 at R = 0.12, 10 at R = 0.43, 28 and up at R = 0.93).
float llr_target(double code_rate) { return static_cast<float>(4.0 + 28.0 * code_rate * code_rate); }

// Normalised min-sum factor by code rate: high rates converge better with milder normalisation
// (AWGN link curves, 10 iterations: R = 0.93 gap 3.09 dB at 0.6875, 2.94 at 0.75, 2.78 at 0.8125;
// 51 PRB, 16 iterations: R = 0.93 64QAM 3.07 dB at 0.8125, 2.97 at 0.875, 3.00 at 0.9375, while
// R = 0.80 loses 0.06 dB at 0.875; low and middle rates are best near 0.75).
float min_sum_scaling(double code_rate) {
  if (code_rate > 0.9) return 0.875f;
  return code_rate > 0.8 ? 0.8125f : 0.75f;
}
constexpr size_t kSinrSamples = 1024;  // REs sampled for the quartile

// Squared distance between neighbouring points of the unit-power constellation of order qm.
float min_distance_sq(unsigned qm) {
  switch (qm) {
    case 2:
      return 2.0f;
    case 4:
      return 0.4f;
    case 6:
      return 4.0f / 42.0f;
    case 8:
      return 4.0f / 170.0f;
    default:
      return 2.0f;
  }
}

enum class Stage : uint8_t { idle, configured, estimated, equalized };

// One antenna's share of one-layer MMSE over n contiguous REs: h = a h0 + b h1 (time
// interpolation), num += conj(h) y, den += |h|^2. Interleaved (re, im) floats; restrict lets the
// compiler vectorise without run-time alias checks.
AIRAN_VECTOR_CLONES
void mrc_accumulate(float* __restrict num, float* __restrict den, const float* __restrict p0,
                    const float* __restrict p1, const float* __restrict y, float a, float b,
                    size_t n) {
  for (size_t i = 0; i < n; ++i) {  // size_t: 2 * i cannot wrap, so the access is affine
    const float h_re = a * p0[2 * i] + b * p1[2 * i];
    const float h_im = a * p0[2 * i + 1] + b * p1[2 * i + 1];
    num[2 * i] += h_re * y[2 * i] + h_im * y[2 * i + 1];
    num[2 * i + 1] += h_re * y[2 * i + 1] - h_im * y[2 * i];
    den[i] += h_re * h_re + h_im * h_im;
  }
}

// The unbiased one-layer estimate num / den and its noise variance N0 / den, in place. The
// clamps are written as selects and the function compiled without trapping math so that they
// vectorise (den is a sum of squares: never NaN unless the samples are).
AIRAN_VECTOR_CLONES AIRAN_NO_TRAPPING_MATH
void mrc_finalize(float* __restrict num, float* __restrict den, float n0, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float inv = 1.0f / (den[i] > 1e-30f ? den[i] : 1e-30f);
    num[2 * i] *= inv;
    num[2 * i + 1] *= inv;
    const float nv = n0 * inv;
    den[i] = nv < 1e9f ? nv : 1e9f;
  }
}

struct HarqBuffer {
  bool valid = false;
  unsigned rnti = 0;
  unsigned harq_id = 0;
  size_t size = 0;  // C * N of the buffered TB
  uint64_t last_use = 0;
  int owner = -1;  // UE slot using it in this slot, or -1
};

struct PortParams {
  unsigned group = 0;
  unsigned delta = 0;
  float w_f[2] = {1, 1};
  float w_t[2] = {1, 1};
};

struct UeWork {
  Stage stage = Stage::idle;
  PuschConfig cfg;
  PuschDerived d;
  unsigned harq_id = 0;
  bool new_data = true;
  int harq_index = -1;
  CodeBlockSegmentation seg;
  TransportBlockCodingConfig coding;
  std::array<PortParams, kPuschMaxLayers> ports{};

  // DM-RS occasions (a single symbol, or the two symbols of a double-symbol DM-RS).
  unsigned n_occ = 0;
  unsigned occ_nsym = 1;
  std::array<unsigned, kMaxDmrsSymbols> occ_first{};  // index of the occasion's first symbol
  std::array<double, kMaxDmrsSymbols> occ_pos{};      // its time position (symbol units)

  std::vector<cf_t> seq, ls, praw, prefix, rot, h, hbar, y, ch, xo, x;
  std::vector<float> nvo, nv, sinr_sample;
  std::vector<uint16_t> dmrs_data_k;
  std::vector<int8_t> llr;
  std::vector<uint8_t> blocks, tb;
  std::vector<unsigned> cb_offset;
  std::vector<uint8_t> cb_done;
  unsigned cb_done_count = 0;
  std::unique_ptr<LdpcDecoder> ldpc;
  int8_t* soft = nullptr;

  float n0 = 1, n0_eq = 1, snr_db = 0, evm = 0, llr_scale = 1;
  unsigned iter_max = 0, iter_sum = 0, cb_ok = 0;
  PuschKernelTimes times;
};

}  // namespace

struct PuschReceiver::Impl {
  PuschReceiverConfig cfg;
  unsigned n_sc = 0;
  std::vector<std::unique_ptr<OfdmDemodulator>> demod;
  std::vector<cf_t> grids;          // [rx][14][n_sc]
  std::array<double, 4> ofdm_us{};  // per antenna
  std::unique_ptr<SoftDemapper> demapper;
  std::vector<UeWork> ues;
  std::vector<HarqBuffer> harq;
  std::vector<int8_t> harq_soft;
  size_t soft_capacity = 0;  // per HARQ buffer, int8 values
  size_t blocks_capacity = 0;
  size_t tb_capacity = 0;
  size_t max_cbs = 0;
  uint64_t use_counter = 0;

  std::span<cf_t> grid_of(unsigned rx) {
    const size_t n = static_cast<size_t>(kSymbolsPerSlot) * n_sc;
    return std::span<cf_t>(grids).subspan(rx * n, n);
  }

  Status check_ue(unsigned ue, Stage needed, const char* what) const {
    if (ue >= ues.size()) {
      return Error{std::string(what) + ": ue=" + str(ue) + " outside 0.." + str(ues.size() - 1)};
    }
    if (ues[ue].stage != needed) {
      return Error{std::string(what) + "(ue=" + str(ue) +
                   ") called out of order: run configure_ue, "
                   "estimate_channel, equalize_demap, decode_code_block, finish_ue in turn"};
    }
    return Status::ok();
  }

  void estimate(UeWork& w);
  void equalize(UeWork& w);
};

namespace {

// Bounds of the coding buffers of one UE: the largest TB of `max_prb` PRBs and `layers` layers,
// segmented with base graph 1 (Kcb 8448) or, for R <= 1/4 or small TBs, base graph 2 (Kcb 3840).
struct CodingBounds {
  size_t soft = 0, blocks = 0, tb_bytes = 0, max_cbs = 0;
};

CodingBounds coding_bounds(unsigned max_prb, unsigned layers) {
  auto tbs_for = [&](unsigned qm, unsigned r_x2048) {
    TbsConfig t;
    t.nof_prb = max_prb;
    t.nof_symbols = 14;
    t.nof_dmrs_prb = 0;
    t.qm = qm;
    t.r_x2048 = r_x2048;
    t.nof_layers = layers;
    const Expected<unsigned> tbs = transport_block_size(t);
    return tbs ? *tbs : kMaxTransportBlockBits;
  };
  const size_t tbs1 = tbs_for(8, 1896);  // 256QAM, R = 948/1024: the largest TB
  const size_t tbs2 = std::max<size_t>(tbs_for(2, 512), 3824);  // BG2 at R <= 1/4
  const size_t c1 = (tbs1 + 24 + 8448 - 24 - 1) / (8448 - 24) + 1;
  const size_t c2 = (tbs2 + 24 + 3840 - 24 - 1) / (3840 - 24) + 1;
  CodingBounds b;
  b.soft = std::max(c1 * 66 * 384, c2 * 50 * 384);
  b.blocks = std::max(c1 * 22 * 384, c2 * 10 * 384);
  b.tb_bytes = (tbs1 + 7) / 8 + 8;
  b.max_cbs = std::max(c1, c2);
  return b;
}

}  // namespace

Expected<std::unique_ptr<PuschReceiver>> PuschReceiver::create(const PuschReceiverConfig& cfg) {
  const Carrier& c = cfg.carrier;
  if (c.scs_khz != 15 && c.scs_khz != 30) {
    return Error{"carrier.scs_khz=" + str(c.scs_khz) + " must be 15 or 30"};
  }
  if (c.n_rb < 1 || c.n_rb > 275 || c.fft_size < c.n_subcarriers()) {
    return Error{"carrier: n_rb=" + str(c.n_rb) + ", fft_size=" + str(c.fft_size) +
                 " is not a carrier from nr_carrier()"};
  }
  if (cfg.nof_rx < 1 || cfg.nof_rx > 4) return Error{"nof_rx=" + str(cfg.nof_rx) + " outside 1..4"};
  if (cfg.max_layers < 1 || cfg.max_layers > cfg.nof_rx) {
    return Error{"max_layers=" + str(cfg.max_layers) + " outside 1.." + str(cfg.nof_rx) +
                 " (nof_rx)"};
  }
  if (cfg.max_ues < 1 || cfg.max_ues > 64) {
    return Error{"max_ues=" + str(cfg.max_ues) + " outside 1..64"};
  }
  const unsigned max_prb = cfg.max_prb == 0 ? c.n_rb : cfg.max_prb;
  if (max_prb > c.n_rb) {
    return Error{"max_prb=" + str(cfg.max_prb) + " outside 0.." + str(c.n_rb) + " (carrier.n_rb)"};
  }
  if (cfg.nof_harq_buffers < 1 || cfg.nof_harq_buffers > 256) {
    return Error{"nof_harq_buffers=" + str(cfg.nof_harq_buffers) + " outside 1..256"};
  }
  if (cfg.max_iterations < 1 || cfg.max_iterations > 64) {
    return Error{"max_iterations=" + str(cfg.max_iterations) + " outside 1..64"};
  }

  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  impl->cfg.max_prb = max_prb;
  impl->n_sc = c.n_subcarriers();
  for (unsigned r = 0; r < cfg.nof_rx; ++r) {
    impl->demod.push_back(std::make_unique<OfdmDemodulator>(c, cfg.window_advance));
  }
  impl->grids.assign(static_cast<size_t>(cfg.nof_rx) * kSymbolsPerSlot * impl->n_sc, cf_t{});
  impl->demapper = create_soft_demapper();

  const CodingBounds bounds = coding_bounds(max_prb, cfg.max_layers);
  impl->soft_capacity = bounds.soft;
  impl->blocks_capacity = bounds.blocks;
  impl->tb_capacity = bounds.tb_bytes;
  impl->max_cbs = bounds.max_cbs;
  impl->harq.resize(cfg.nof_harq_buffers);
  impl->harq_soft.assign(bounds.soft * cfg.nof_harq_buffers, 0);

  const size_t R = cfg.nof_rx, L = cfg.max_layers;
  const size_t n_alloc = static_cast<size_t>(max_prb) * kSubcarriersPerRb;
  const size_t ng = static_cast<size_t>(max_prb) * 6;  // DM-RS REs per CDM group and symbol
  const size_t np = ng / 2;
  const size_t data_re = n_alloc * kSymbolsPerSlot;
  impl->ues.resize(cfg.max_ues);
  for (UeWork& w : impl->ues) {
    w.seq.resize(ng);
    w.ls.resize(kMaxDmrsSymbols * R * kMaxCdmGroups * ng);
    w.praw.resize(kMaxDmrsSymbols * R * L * np);
    w.prefix.resize(np + 1);
    w.rot.resize(n_alloc);
    w.h.resize(kMaxDmrsSymbols * R * L * n_alloc);
    w.hbar.resize(R * L * n_alloc);
    w.y.resize(R * n_alloc);
    w.ch.resize(R * L * n_alloc);
    w.xo.resize(L * n_alloc);
    w.nvo.resize(L * n_alloc);
    w.x.resize(L * data_re);
    w.nv.resize(L * data_re);
    w.sinr_sample.resize(kSinrSamples);
    w.dmrs_data_k.resize(n_alloc);
    w.llr.resize(L * data_re * 8);
    w.blocks.resize(bounds.blocks);
    w.tb.resize(bounds.tb_bytes);
    w.cb_offset.resize(bounds.max_cbs + 1);
    w.cb_done.resize(bounds.max_cbs);
    w.ldpc = create_ldpc_decoder();
  }
  return std::unique_ptr<PuschReceiver>(new PuschReceiver(std::move(impl)));
}

PuschReceiver::PuschReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PuschReceiver::~PuschReceiver() = default;

const PuschReceiverConfig& PuschReceiver::config() const {
  return impl_->cfg;
}

Status PuschReceiver::demodulate_symbol(unsigned rx, unsigned symbol, std::span<const cf_t> samples,
                                        unsigned slot) {
  if (rx >= impl_->cfg.nof_rx) {
    return Error{"rx=" + str(rx) + " outside 0.." + str(impl_->cfg.nof_rx - 1) + " (nof_rx)"};
  }
  if (symbol >= kSymbolsPerSlot) return Error{"symbol=" + str(symbol) + " outside 0..13"};
  const Clock::time_point t0 = Clock::now();
  const Status s = impl_->demod[rx]->demodulate_symbol(
      impl_->grid_of(rx).subspan(static_cast<size_t>(symbol) * impl_->n_sc, impl_->n_sc), samples,
      slot, symbol);
  impl_->ofdm_us[rx] += us_since(t0);
  return s;
}

Status PuschReceiver::demodulate(unsigned rx, std::span<const cf_t> samples, unsigned slot) {
  for (unsigned l = 0; l < kSymbolsPerSlot; ++l) {
    if (Status s = demodulate_symbol(rx, l, samples, slot); !s) return s;
  }
  return Status::ok();
}

Status PuschReceiver::set_grid(unsigned rx, std::span<const cf_t> grid) {
  if (rx >= impl_->cfg.nof_rx) {
    return Error{"rx=" + str(rx) + " outside 0.." + str(impl_->cfg.nof_rx - 1) + " (nof_rx)"};
  }
  const std::span<cf_t> dst = impl_->grid_of(rx);
  if (grid.size() != dst.size()) {
    return Error{"grid has " + str(grid.size()) + " REs, 14 x " + str(impl_->n_sc) + " = " +
                 str(dst.size()) + " expected"};
  }
  std::copy(grid.begin(), grid.end(), dst.begin());
  return Status::ok();
}

std::span<const cf_t> PuschReceiver::grid(unsigned rx) const {
  if (rx >= impl_->cfg.nof_rx) return {};
  const size_t n = static_cast<size_t>(kSymbolsPerSlot) * impl_->n_sc;
  return std::span<const cf_t>(impl_->grids).subspan(rx * n, n);
}

double PuschReceiver::take_ofdm_us() {
  double t = 0;
  for (double& v : impl_->ofdm_us) {
    t += v;
    v = 0;
  }
  return t;
}

Status PuschReceiver::configure_ue(unsigned ue, const PuschConfig& cfg, unsigned harq_id,
                                   bool new_data) {
  Impl& m = *impl_;
  if (ue >= m.ues.size()) {
    return Error{"ue=" + str(ue) + " outside 0.." + str(m.ues.size() - 1) + " (max_ues)"};
  }
  UeWork& w = m.ues[ue];
  // Release what this UE slot held before.
  if (w.harq_index >= 0) m.harq[static_cast<size_t>(w.harq_index)].owner = -1;
  w.harq_index = -1;
  w.stage = Stage::idle;

  if (cfg.carrier.scs_khz != m.cfg.carrier.scs_khz || cfg.carrier.n_rb != m.cfg.carrier.n_rb) {
    return Error{"carrier: the PUSCH's " + str(cfg.carrier.scs_khz) + " kHz / " +
                 str(cfg.carrier.n_rb) + " PRB differs from the receiver's " +
                 str(m.cfg.carrier.scs_khz) + " kHz / " + str(m.cfg.carrier.n_rb) + " PRB"};
  }
  if (cfg.nof_layers > m.cfg.nof_rx) {
    return Error{"nof_layers=" + str(cfg.nof_layers) + " exceeds the receiver's nof_rx=" +
                 str(m.cfg.nof_rx) + " (allowed 1.." + str(m.cfg.nof_rx) + ")"};
  }
  if (cfg.nof_layers > m.cfg.max_layers) {
    return Error{"nof_layers=" + str(cfg.nof_layers) +
                 " exceeds the receiver's max_layers=" + str(m.cfg.max_layers)};
  }
  const Expected<PuschDerived> derived = pusch_derive(cfg);
  if (!derived) return derived.error();
  if (cfg.nof_prb > m.cfg.max_prb) {
    return Error{"nof_prb=" + str(cfg.nof_prb) +
                 " exceeds the receiver's max_prb=" + str(m.cfg.max_prb)};
  }
  if (harq_id > kMaxHarqId) return Error{"harq_id=" + str(harq_id) + " outside 0..31"};

  w.cfg = cfg;
  w.d = *derived;
  w.harq_id = harq_id;
  w.new_data = new_data;
  w.coding = TransportBlockCodingConfig{};
  w.coding.tbs = w.d.tbs;
  w.coding.target_code_rate = w.d.code_rate;
  w.coding.qm = w.d.qm;
  w.coding.num_layers = cfg.nof_layers;
  w.coding.g = w.d.g;
  w.coding.rv = cfg.rv;
  const Expected<CodeBlockSegmentation> seg = transport_block_segmentation(w.coding);
  if (!seg) return seg.error();
  w.seg = *seg;
  const size_t c = w.seg.num_code_blocks;
  const size_t soft_size = c * ldpc_n(w.seg.bg, w.seg.z);
  if (soft_size > m.soft_capacity || c * w.seg.k > m.blocks_capacity || c > m.max_cbs ||
      pusch_tb_bytes(w.d.tbs) > m.tb_capacity) {
    return Error{"tbs=" + str(w.d.tbs) + " exceeds the buffers sized for max_prb=" +
                 str(m.cfg.max_prb) + " and max_layers=" + str(m.cfg.max_layers)};
  }

  // HARQ soft buffer of (rnti, harq_id): the same one for a retransmission, else a free or the
  // least recently used one.
  int found = -1;
  for (size_t i = 0; i < m.harq.size(); ++i) {
    if (m.harq[i].valid && m.harq[i].rnti == cfg.rnti && m.harq[i].harq_id == harq_id) {
      found = static_cast<int>(i);
    }
  }
  if (found >= 0 && m.harq[static_cast<size_t>(found)].owner >= 0) {
    return Error{"harq_id=" + str(harq_id) + " of rnti=" + str(cfg.rnti) +
                 " is already being received by UE slot " +
                 str(static_cast<size_t>(m.harq[static_cast<size_t>(found)].owner))};
  }
  if (!new_data) {
    if (found < 0) {
      return Error{"new_data=false but no soft buffer is kept for rnti=" + str(cfg.rnti) +
                   " harq_id=" + str(harq_id) + "; send new_data=true first"};
    }
    if (m.harq[static_cast<size_t>(found)].size != soft_size) {
      return Error{"new_data=false: rnti=" + str(cfg.rnti) + " harq_id=" + str(harq_id) +
                   " buffered a TB of another size; a retransmission keeps mcs, nof_prb, "
                   "nof_symbols and nof_layers"};
    }
  } else if (found < 0) {
    for (size_t i = 0; i < m.harq.size(); ++i) {
      if (m.harq[i].owner >= 0) continue;
      if (!m.harq[i].valid) {
        found = static_cast<int>(i);
        break;
      }
      if (found < 0 || m.harq[i].last_use < m.harq[static_cast<size_t>(found)].last_use) {
        found = static_cast<int>(i);
      }
    }
    if (found < 0) {
      return Error{"nof_harq_buffers=" + str(m.harq.size()) + " are all in use in this slot"};
    }
  }
  HarqBuffer& hb = m.harq[static_cast<size_t>(found)];
  hb.valid = true;
  hb.rnti = cfg.rnti;
  hb.harq_id = harq_id;
  hb.size = soft_size;
  hb.last_use = ++m.use_counter;
  hb.owner = static_cast<int>(ue);
  w.harq_index = found;
  w.soft = m.harq_soft.data() + static_cast<size_t>(found) * m.soft_capacity;

  // Code-block E_r offsets (TS 38.212 5.4.2.1, 5.5).
  size_t offset = 0;
  for (size_t r = 0; r < c; ++r) {
    w.cb_offset[r] = static_cast<unsigned>(offset);
    offset += ldpc_code_block_e(static_cast<unsigned>(r), static_cast<unsigned>(c), w.d.g,
                                cfg.nof_layers, w.d.qm);
  }
  w.cb_offset[c] = static_cast<unsigned>(offset);
  std::fill_n(w.cb_done.begin(), c, uint8_t{0});
  w.cb_done_count = 0;

  for (unsigned j = 0; j < cfg.nof_layers; ++j) {
    const DmrsPortParams p = *pusch_dmrs_port_params(cfg.dmrs_type, j);
    w.ports[j].group = p.cdm_group;
    w.ports[j].delta = p.delta;
    for (unsigned i = 0; i < 2; ++i) {
      w.ports[j].w_f[i] = static_cast<float>(p.w_f[i]);
      w.ports[j].w_t[i] = static_cast<float>(p.w_t[i]);
    }
  }
  // DM-RS occasions: a new one at every l' = 0.
  w.n_occ = 0;
  w.occ_nsym = cfg.dmrs_double_symbol ? 2 : 1;
  for (unsigned s = 0; s < w.d.dmrs_symbols.count; ++s) {
    if (w.d.dmrs_symbols.symbols[s].l_prime != 0) continue;
    w.occ_first[w.n_occ] = s;
    w.occ_pos[w.n_occ] = w.d.dmrs_symbols.symbols[s].l + 0.5 * (w.occ_nsym - 1);
    ++w.n_occ;
  }
  // Subcarriers (in the allocation) that carry data in DM-RS symbols.
  unsigned n = 0;
  for (unsigned k = 0; k < cfg.nof_prb * kSubcarriersPerRb; ++k) {
    if ((w.d.dmrs_data_mask >> (k % kSubcarriersPerRb)) & 1u)
      w.dmrs_data_k[n++] = static_cast<uint16_t>(k);
  }
  w.times = PuschKernelTimes{};
  w.iter_max = w.iter_sum = w.cb_ok = 0;
  w.stage = Stage::configured;
  return Status::ok();
}

// Stage 2. LS estimates z = y conj(r) / beta on every DM-RS RE of the CDM groups in use; the
// common phase ramp across subcarriers (timing offset) is measured from z and removed; CDM
// despreading with w_f (and w_t) gives one estimate per port and RE pair; the noise variance
// comes from second differences of those estimates across pairs; a moving average whose length
// the data choose (the longest whose residual stays noise-like) smooths them; linear
// interpolation (and extrapolation at the edges) fills every subcarrier; the ramp is put back.
void PuschReceiver::Impl::estimate(UeWork& w) {
  const PuschConfig& c = w.cfg;
  const PuschDerived& d = w.d;
  const unsigned R = cfg.nof_rx, v = c.nof_layers;
  const unsigned n_alloc = c.nof_prb * kSubcarriersPerRb;
  const unsigned k0 = c.prb_start * kSubcarriersPerRb;
  const unsigned per_prb = d.dmrs_re_per_prb;
  const size_t ng = static_cast<size_t>(per_prb) * c.nof_prb;
  const size_t np = ng / 2;
  const bool type1 = c.dmrs_type == DmrsType::type1;
  const unsigned groups = (v + 1) / 2;  // ports 0,1 in group 0; 2,3 in group 1
  const float inv_beta = 1.0f / d.dmrs_beta;
  // Subcarrier (in the allocation) of DM-RS RE i of a group with offset delta.
  auto k_of = [type1](size_t i, unsigned delta) -> size_t {
    return type1 ? 2 * i + delta : 6 * (i / 2) + (i % 2) + delta;
  };
  auto ls_row = [&](unsigned s, unsigned r, unsigned g) {
    return w.ls.data() + ((static_cast<size_t>(s) * R + r) * kMaxCdmGroups + g) * ng;
  };

  // Least squares on every DM-RS symbol, and the lag-one-pair correlation for the phase ramp.
  cd corr = 0;
  for (unsigned s = 0; s < d.dmrs_symbols.count; ++s) {
    const unsigned l = d.dmrs_symbols.symbols[s].l;
    pusch_dmrs_sequence(std::span<cf_t>(w.seq.data(), ng),
                        pusch_dmrs_c_init(c.dmrs_scrambling_id, c.n_scid, c.slot, l),
                        static_cast<size_t>(per_prb) * c.prb_start);
    for (unsigned r = 0; r < R; ++r) {
      const cf_t* row = grids.data() + (static_cast<size_t>(r) * kSymbolsPerSlot + l) * n_sc + k0;
      for (unsigned g = 0; g < groups; ++g) {
        const unsigned delta = type1 ? g : 2 * g;
        cf_t* z = ls_row(s, r, g);
        for (size_t i = 0; i < ng; ++i) z[i] = row[k_of(i, delta)] * std::conj(w.seq[i]) * inv_beta;
        cf_t acc = 0;
        for (size_t i = 0; i + 2 < ng; ++i) acc += z[i + 2] * std::conj(z[i]);
        corr += cd(acc);
      }
    }
  }
  // Same k' in neighbouring pairs lies 4 (type 1) or 6 (type 2) subcarriers apart: a coarse
  // slope from lag-one-pair correlations, refined (kLag times the span, so kLag times less noisy)
  // from lag-kLag-pair correlations of the coarsely derotated values.
  const double pair_step = type1 ? 4.0 : 6.0;
  double phi = std::abs(corr) > 0 ? std::arg(corr) / pair_step : 0.0;
  auto make_rot = [&](double slope) {
    const cd step = std::polar(1.0, -slope);
    cd acc = 1.0;
    for (unsigned k = 0; k < n_alloc; ++k) {
      w.rot[k] = cf_t(acc);
      acc *= step;
      if ((k & 63u) == 63u) acc /= std::abs(acc);
    }
  };
  make_rot(phi);
  constexpr size_t kLag = 3;
  if (ng > 2 * kLag + 2) {
    cd fine = 0;
    for (unsigned s = 0; s < d.dmrs_symbols.count; ++s) {
      for (unsigned r = 0; r < R; ++r) {
        for (unsigned g = 0; g < groups; ++g) {
          const unsigned delta = type1 ? g : 2 * g;
          const cf_t* z = ls_row(s, r, g);
          cf_t acc = 0;
          for (size_t i = 0; i + 2 * kLag < ng; ++i) {
            acc += z[i + 2 * kLag] * w.rot[k_of(i + 2 * kLag, delta)] *
                   std::conj(z[i] * w.rot[k_of(i, delta)]);
          }
          fine += cd(acc);
        }
      }
    }
    if (std::abs(fine) > 0) {
      phi += std::arg(fine) / (pair_step * kLag);
      make_rot(phi);
    }
  }

  // Despreading per occasion, antenna and layer: one estimate per RE pair (k' = 0, 1).
  double d2_sum = 0, d1_sum = 0, p_sum = 0;
  size_t d2_n = 0, d1_n = 0, p_n = 0;
  const float despread_norm = 1.0f / (2.0f * static_cast<float>(w.occ_nsym));
  auto prow = [&](unsigned o, unsigned r, unsigned j) {
    return w.praw.data() + ((static_cast<size_t>(o) * R + r) * v + j) * np;
  };
  for (unsigned o = 0; o < w.n_occ; ++o) {
    for (unsigned r = 0; r < R; ++r) {
      for (unsigned j = 0; j < v; ++j) {
        const PortParams& pp = w.ports[j];
        cf_t* out = prow(o, r, j);
        std::fill_n(out, np, cf_t{});
        for (unsigned t = 0; t < w.occ_nsym; ++t) {
          const unsigned s = w.occ_first[o] + t;
          const float wt = pp.w_t[d.dmrs_symbols.symbols[s].l_prime];
          const cf_t* z = ls_row(s, r, pp.group);
          for (size_t n = 0; n < np; ++n) {
            const size_t i0 = 2 * n, i1 = 2 * n + 1;
            out[n] += wt * (pp.w_f[0] * z[i0] * w.rot[k_of(i0, pp.delta)] +
                            pp.w_f[1] * z[i1] * w.rot[k_of(i1, pp.delta)]);
          }
        }
        for (size_t n = 0; n < np; ++n) {
          out[n] *= despread_norm;
          p_sum += std::norm(out[n]);
        }
        p_n += np;
        for (size_t n = 1; n + 1 < np; ++n) {
          d2_sum += std::norm(out[n] - 0.5f * (out[n - 1] + out[n + 1]));
        }
        d2_n += np >= 2 ? np - 2 : 0;
        for (size_t n = 1; n < np; ++n) d1_sum += std::norm(out[n] - out[n - 1]);
        d1_n += np - 1;
      }
    }
  }
  // A pair estimate has noise variance sigma_p^2 = N0 / (2 beta^2 nsym); its second difference
  // 1.5 sigma_p^2, its first difference 2 sigma_p^2.
  const double beta2 = static_cast<double>(d.dmrs_beta) * d.dmrs_beta;
  const double pair_var = d2_n > 0 ? d2_sum / d2_n / 1.5 : (d1_n > 0 ? d1_sum / d1_n / 2.0 : 0.0);
  const double signal_raw = p_n > 0 ? p_sum / p_n : 0.0;
  double n0 = pair_var * 2.0 * beta2 * w.occ_nsym;
  n0 = std::max({n0, signal_raw * 1e-6, 1e-20});
  const double sigma_p2 = n0 / (2.0 * beta2 * w.occ_nsym);
  const double signal = std::max(signal_raw - sigma_p2, 1e-30);
  w.n0 = static_cast<float>(n0);
  w.snr_db = static_cast<float>(10.0 * std::log10(std::max(signal / n0, 1e-3)));

  // Smoothing length: the longest half-width whose residual power exceeds the noise-only
  // expectation sigma_p^2 (1 - 1/(2w+1)) by at most the noise power left after averaging,
  // sigma_p^2 / (2w+1) (so the bias costs at most as much as the averaging gains).
  auto smooth = [&](const cf_t* in, unsigned half, cf_t* out_row) {
    w.prefix[0] = 0;
    for (size_t n = 0; n < np; ++n) w.prefix[n + 1] = w.prefix[n] + in[n];
    for (size_t n = 0; n < np; ++n) {
      const size_t lo = n >= half ? n - half : 0;
      const size_t hi = std::min(np, n + half + 1);
      out_row[n] = (w.prefix[hi] - w.prefix[lo]) / static_cast<float>(hi - lo);
    }
  };
  unsigned half = 0;
  for (unsigned cand : {32u, 16u, 8u, 4u, 2u, 1u}) {
    if (np < 2 * static_cast<size_t>(cand) + 3) continue;
    double res = 0;
    size_t cnt = 0;
    for (unsigned o = 0; o < w.n_occ; ++o) {
      for (unsigned r = 0; r < R; ++r) {
        for (unsigned j = 0; j < v; ++j) {
          const cf_t* in = prow(o, r, j);
          cf_t* tmp = w.h.data();  // scratch: h is written only after the choice
          smooth(in, cand, tmp);
          for (size_t n = cand; n + cand < np; ++n) res += std::norm(in[n] - tmp[n]);
          cnt += np - 2 * cand;
        }
      }
    }
    // Accept unless the excess residual is both larger than the averaging gain and
    // statistically significant (two standard deviations of the mean of cnt |.|^2 values).
    const double width = 2.0 * cand + 1.0;
    const double expected = sigma_p2 * (1.0 - 1.0 / width);
    const double spread = 2.0 * expected / std::sqrt(static_cast<double>(std::max<size_t>(cnt, 1)));
    if (cnt > 0 && res / cnt <= expected + std::max(sigma_p2 / width, spread)) {
      half = cand;
      break;
    }
  }
  const double est_var = sigma_p2 / (2.0 * half + 1.0) /
                         (cfg.time_interpolation == PuschTimeInterpolation::average ? w.n_occ : 1);
  w.n0_eq = static_cast<float>(n0 + v * est_var);

  // Smoothed pair estimates, interpolated to every subcarrier, with the phase ramp restored.
  const double spacing = type1 ? 4.0 : 6.0;
  for (unsigned o = 0; o < w.n_occ; ++o) {
    for (unsigned r = 0; r < R; ++r) {
      for (unsigned j = 0; j < v; ++j) smooth(prow(o, r, j), half, prow(o, r, j));  // in place
    }
  }
  for (unsigned j = 0; j < v; ++j) {
    const double c0 = type1 ? w.ports[j].delta + 1.0 : w.ports[j].delta + 0.5;
    for (unsigned k = 0; k < n_alloc; ++k) {
      // Segment floor(pos) (pos > -2, so the int conversion of pos + 2 floors it) and weight;
      // the same for every occasion and antenna.
      const double pos = (k - c0) / spacing;
      const long seg = std::clamp<long>(static_cast<long>(pos + 2.0) - 2, 0, static_cast<long>(np) - 2);
      const float t = static_cast<float>(pos - static_cast<double>(seg));
      const cf_t rot = std::conj(w.rot[k]);
      for (unsigned o = 0; o < w.n_occ; ++o) {
        for (unsigned r = 0; r < R; ++r) {
          const cf_t* in = prow(o, r, j);
          const cf_t a = in[seg], b = in[seg + 1];
          w.h[((static_cast<size_t>(o) * R + r) * v + j) * n_alloc + k] = (a + t * (b - a)) * rot;
        }
      }
    }
  }
}

Status PuschReceiver::estimate_channel(unsigned ue) {
  if (Status s = impl_->check_ue(ue, Stage::configured, "estimate_channel"); !s) return s;
  UeWork& w = impl_->ues[ue];
  const Clock::time_point t0 = Clock::now();
  impl_->estimate(w);
  w.times.chest_us += us_since(t0);
  w.stage = Stage::estimated;
  return Status::ok();
}

// Stage 3, equalisation: per data symbol, the channel of each data RE (interpolated in time),
// then MMSE; results go to codeword order, symbol index i*v + j for layer j (TS 38.211 6.3.1.3).
void PuschReceiver::Impl::equalize(UeWork& w) {
  const PuschConfig& c = w.cfg;
  const PuschDerived& d = w.d;
  const unsigned R = cfg.nof_rx, v = c.nof_layers;
  const unsigned n_alloc = c.nof_prb * kSubcarriersPerRb;
  const unsigned k0 = c.prb_start * kSubcarriersPerRb;
  const size_t plane = static_cast<size_t>(R) * v * n_alloc;  // one occasion of h
  const bool average = cfg.time_interpolation == PuschTimeInterpolation::average || w.n_occ == 1;
  if (average) {
    const float inv = 1.0f / static_cast<float>(w.n_occ);
    for (size_t i = 0; i < plane; ++i) {
      cf_t acc = 0;
      for (unsigned o = 0; o < w.n_occ; ++o) acc += w.h[o * plane + i];
      w.hbar[i] = acc * inv;
    }
  }
  const float n0 = w.n0_eq;
  size_t base = 0;  // layer-symbol index of the first RE of the symbol
  unsigned n_dmrs_data = 0;
  for (unsigned k = 0; k < n_alloc; ++k) n_dmrs_data += (d.dmrs_data_mask >> (k % 12)) & 1u;
  for (unsigned l = c.start_symbol; l < c.start_symbol + c.nof_symbols; ++l) {
    const bool dmrs = d.dmrs_symbols.contains(l);
    const unsigned nre = dmrs ? n_dmrs_data : n_alloc;
    if (nre == 0) continue;
    // Time interpolation weights between occasions o0 and o1.
    const cf_t* h0 = w.hbar.data();
    const cf_t* h1 = w.hbar.data();
    float a = 1.0f, b = 0.0f;
    if (!average) {
      unsigned o = 0;
      while (o + 1 < w.n_occ && w.occ_pos[o + 1] <= l) ++o;
      h0 = w.h.data() + o * plane;
      h1 = h0;
      if (l > w.occ_pos[o] && o + 1 < w.n_occ) {
        h1 = w.h.data() + (o + 1) * plane;
        b = static_cast<float>((l - w.occ_pos[o]) / (w.occ_pos[o + 1] - w.occ_pos[o]));
        a = 1.0f - b;
      }
    }
    auto k_at = [&](unsigned i) -> unsigned { return dmrs ? w.dmrs_data_k[i] : i; };
    if (v == 1) {
      // One layer: the unbiased MMSE estimate is h^H y / |h|^2 with noise variance N0 / |h|^2.
      // Antenna by antenna, h^H y accumulates in x and |h|^2 in nv (flat float arrays, so the
      // loops vectorise; std::complex products would go through the NaN-checking library call).
      float* num = reinterpret_cast<float*>(w.x.data() + base);
      float* den = w.nv.data() + base;
      std::fill(num, num + 2 * static_cast<size_t>(nre), 0.0f);
      std::fill(den, den + nre, 0.0f);
      for (unsigned r = 0; r < R; ++r) {
        const float* p0 = reinterpret_cast<const float*>(h0 + static_cast<size_t>(r) * n_alloc);
        const float* p1 = reinterpret_cast<const float*>(h1 + static_cast<size_t>(r) * n_alloc);
        const float* y = reinterpret_cast<const float*>(
            grids.data() + (static_cast<size_t>(r) * kSymbolsPerSlot + l) * n_sc + k0);
        const auto accumulate = [&](unsigned i, unsigned k) {
          const float h_re = a * p0[2 * k] + b * p1[2 * k];
          const float h_im = a * p0[2 * k + 1] + b * p1[2 * k + 1];
          num[2 * i] += h_re * y[2 * k] + h_im * y[2 * k + 1];
          num[2 * i + 1] += h_re * y[2 * k + 1] - h_im * y[2 * k];
          den[i] += h_re * h_re + h_im * h_im;
        };
        if (dmrs) {
          for (unsigned i = 0; i < nre; ++i) accumulate(i, w.dmrs_data_k[i]);
        } else {
          mrc_accumulate(num, den, p0, p1, y, a, b, nre);
        }
      }
      mrc_finalize(num, den, n0, nre);
    } else {
      for (unsigned r = 0; r < R; ++r) {
        const cf_t* row = grids.data() + (static_cast<size_t>(r) * kSymbolsPerSlot + l) * n_sc + k0;
        for (unsigned i = 0; i < nre; ++i) w.y[static_cast<size_t>(r) * nre + i] = row[k_at(i)];
        for (unsigned j = 0; j < v; ++j) {
          const size_t src = (static_cast<size_t>(r) * v + j) * n_alloc;
          cf_t* dst = w.ch.data() + (static_cast<size_t>(r) * v + j) * nre;
          for (unsigned i = 0; i < nre; ++i) {
            const unsigned k = k_at(i);
            dst[i] = a * h0[src + k] + b * h1[src + k];
          }
        }
      }
      EqualizerDims dims;
      dims.num_rx = R;
      dims.num_layers = v;
      dims.num_re = nre;
      (void)mmse_equalize(std::span<cf_t>(w.xo.data(), static_cast<size_t>(v) * nre),
                          std::span<float>(w.nvo.data(), static_cast<size_t>(v) * nre),
                          std::span<const cf_t>(w.y.data(), static_cast<size_t>(R) * nre),
                          std::span<const cf_t>(w.ch.data(), static_cast<size_t>(R) * v * nre),
                          dims, std::max(n0, 1e-20f));
      for (unsigned j = 0; j < v; ++j) {
        for (unsigned i = 0; i < nre; ++i) {
          w.x[(base + i) * v + j] = w.xo[static_cast<size_t>(j) * nre + i];
          w.nv[(base + i) * v + j] = w.nvo[static_cast<size_t>(j) * nre + i];
        }
      }
    }
    base += nre;
  }
}

Status PuschReceiver::equalize_demap(unsigned ue) {
  if (Status s = impl_->check_ue(ue, Stage::estimated, "equalize_demap"); !s) return s;
  UeWork& w = impl_->ues[ue];
  const size_t nsym = w.d.g / w.d.qm;
  Clock::time_point t0 = Clock::now();
  impl_->equalize(w);
  // EVM against the nearest constellation point, and the lower quartile of the post-equalisation
  // SINR (1 / noise variance) over evenly spaced REs.
  w.evm = qam_evm_percent(std::span<const cf_t>(w.x.data(), nsym), w.d.qm);
  const size_t n_sample = std::min(nsym, kSinrSamples);
  for (size_t i = 0; i < n_sample; ++i) {
    w.sinr_sample[i] = 1.0f / std::max(w.nv[i * nsym / n_sample], 1e-12f);
  }
  const auto quartile = w.sinr_sample.begin() + static_cast<long>(n_sample / 4);
  std::nth_element(w.sinr_sample.begin(), quartile,
                   w.sinr_sample.begin() + static_cast<long>(n_sample));
  w.llr_scale = static_cast<float>(std::clamp(
      llr_target(w.d.code_rate) / (min_distance_sq(w.d.qm) * static_cast<double>(*quartile)),
      1e-6, 1e6));
  w.times.equalize_us += us_since(t0);

  t0 = Clock::now();
  const std::span<int8_t> llr(w.llr.data(), w.d.g);
  const Status s = impl_->demapper->demap(llr, std::span<const cf_t>(w.x.data(), nsym),
                                          std::span<const float>(w.nv.data(), nsym), w.d.modulation,
                                          w.llr_scale);
  if (!s) return s;
  w.times.demap_us += us_since(t0);

  t0 = Clock::now();
  if (Status ds = pusch_descramble(llr, llr, w.d.scrambling_c_init); !ds) return ds;
  w.times.descramble_us += us_since(t0);
  w.stage = Stage::equalized;
  return Status::ok();
}

unsigned PuschReceiver::nof_code_blocks(unsigned ue) const {
  if (ue >= impl_->ues.size() || impl_->ues[ue].stage == Stage::idle) return 0;
  return impl_->ues[ue].seg.num_code_blocks;
}

Status PuschReceiver::decode_code_block(unsigned ue, unsigned cb) {
  if (Status s = impl_->check_ue(ue, Stage::equalized, "decode_code_block"); !s) return s;
  UeWork& w = impl_->ues[ue];
  const CodeBlockSegmentation& seg = w.seg;
  if (cb >= seg.num_code_blocks) {
    return Error{"cb=" + str(cb) + " outside 0.." + str(seg.num_code_blocks - 1)};
  }
  if (w.cb_done[cb]) return Error{"cb=" + str(cb) + " of ue=" + str(ue) + " already decoded"};
  const size_t n = ldpc_n(seg.bg, seg.z);
  LdpcRateMatchConfig rm;
  rm.bg = seg.bg;
  rm.z = seg.z;
  rm.filler = seg.filler;
  rm.rv = w.cfg.rv;
  rm.qm = w.d.qm;
  rm.e = w.cb_offset[cb + 1] - w.cb_offset[cb];
  const std::span<int8_t> soft(w.soft + cb * n, n);

  Clock::time_point t0 = Clock::now();
  if (Status s = ldpc_rate_dematch(
          soft, std::span<const int8_t>(w.llr.data() + w.cb_offset[cb], rm.e), rm, !w.new_data);
      !s) {
    return s;
  }
  w.times.dematch_us += us_since(t0);

  t0 = Clock::now();
  LdpcDecoder::Configuration dc;
  dc.bg = seg.bg;
  dc.z = seg.z;
  dc.max_iterations = impl_->cfg.max_iterations;
  dc.early_stop =
      impl_->cfg.early_stop ? LdpcDecoder::EarlyStop::crc : LdpcDecoder::EarlyStop::none;
  dc.crc = seg.has_cb_crc() ? CrcType::crc24b : seg.tb_crc;
  dc.k_prime = seg.k_prime;
  dc.scaling = min_sum_scaling(w.d.code_rate);
  auto decoded = w.ldpc->decode(
      std::span<uint8_t>(w.blocks.data() + static_cast<size_t>(cb) * seg.k, seg.k), soft, dc);
  if (!decoded) return decoded.error();
  w.times.ldpc_us += us_since(t0);
  w.cb_ok += decoded->success;
  w.iter_max = std::max(w.iter_max, decoded->iterations);
  w.iter_sum += decoded->iterations;
  w.cb_done[cb] = 1;
  ++w.cb_done_count;
  return Status::ok();
}

Expected<PuschUeResult> PuschReceiver::finish_ue(unsigned ue) {
  if (Status s = impl_->check_ue(ue, Stage::equalized, "finish_ue"); !s) return Error{s.message()};
  UeWork& w = impl_->ues[ue];
  const CodeBlockSegmentation& seg = w.seg;
  if (w.cb_done_count != seg.num_code_blocks) {
    return Error{"finish_ue(ue=" + str(ue) + "): " + str(w.cb_done_count) + " of " +
                 str(seg.num_code_blocks) + " code blocks decoded"};
  }
  const Clock::time_point t0 = Clock::now();
  const std::span<uint8_t> tb(w.tb.data(), pusch_tb_bytes(seg.tbs));
  auto crc = ldpc_desegment_transport_block(
      tb,
      std::span<const uint8_t>(w.blocks.data(), static_cast<size_t>(seg.num_code_blocks) * seg.k),
      seg);
  if (!crc) return crc.error();
  w.times.crc_us += us_since(t0);

  PuschUeResult res;
  res.crc_ok = crc->tb_crc_ok && crc->code_blocks_crc_ok == seg.num_code_blocks;
  res.tbs = seg.tbs;
  res.tb = tb;
  res.code_blocks = seg.num_code_blocks;
  res.code_blocks_ok = w.cb_ok;
  res.max_iterations = w.iter_max;
  res.mean_iterations = static_cast<double>(w.iter_sum) / seg.num_code_blocks;
  res.snr_db = w.snr_db;
  res.evm_percent = w.evm;
  res.noise_var = w.n0;
  res.llr_scale = w.llr_scale;
  res.times = w.times;
  w.stage = Stage::idle;
  if (w.harq_index >= 0) impl_->harq[static_cast<size_t>(w.harq_index)].owner = -1;
  w.harq_index = -1;
  return res;
}

Expected<PuschUeResult> PuschReceiver::receive_ue(unsigned ue, const PuschConfig& cfg,
                                                  unsigned harq_id, bool new_data) {
  if (Status s = configure_ue(ue, cfg, harq_id, new_data); !s) return Error{s.message()};
  if (Status s = estimate_channel(ue); !s) return Error{s.message()};
  if (Status s = equalize_demap(ue); !s) return Error{s.message()};
  const unsigned c = nof_code_blocks(ue);
  for (unsigned cb = 0; cb < c; ++cb) {
    if (Status s = decode_code_block(ue, cb); !s) return Error{s.message()};
  }
  return finish_ue(ue);
}

}  // namespace airan::phy
