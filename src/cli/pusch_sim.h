#pragma once
// One UE's PUSCH over a simulated channel, for the PUSCH benchmarks: random TB -> transmitter ->
// OFDM modulation -> ChannelModel -> time-domain samples per receive antenna. The receiver side
// is the caller's (it times it).

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "airan/phy/channel/channel_model.h"
#include "airan/phy/ofdm/ofdm.h"
#include "airan/phy/pusch/pusch_transmitter.h"

namespace airan::cli {

class PuschSlotSim {
 public:
  PuschSlotSim(const phy::Carrier& carrier, unsigned nof_rx)
      : carrier_(carrier), nof_rx_(nof_rx), mod_(carrier) {}

  /// Makes the received samples of one slot of `cfg` through `ch` (num_tx/num_rx set here) with
  /// a TB drawn from `tb_seed`; the samples are in rx_samples(), the TB in tb().
  Status make_slot(const phy::PuschConfig& cfg, phy::ChannelConfig ch, uint64_t tb_seed) {
    auto d = phy::pusch_derive(cfg);
    if (!d) return d.error();
    tb_.resize(phy::pusch_tb_bytes(d->tbs));
    std::mt19937_64 rng(tb_seed);
    for (auto& b : tb_) b = static_cast<uint8_t>(rng());
    const size_t grid_size = static_cast<size_t>(phy::kSymbolsPerSlot) * carrier_.n_subcarriers();
    grids_.assign(cfg.nof_layers, std::vector<phy::cf_t>(grid_size));
    std::vector<std::span<phy::cf_t>> spans(grids_.begin(), grids_.end());
    if (Status s = tx_.transmit(spans, tb_, cfg); !s) return s;
    const size_t ns = carrier_.slot_samples(cfg.slot);
    tx_samples_.assign(cfg.nof_layers, std::vector<phy::cf_t>(ns));
    rx_samples_.assign(nof_rx_, std::vector<phy::cf_t>(ns));
    std::vector<std::span<const phy::cf_t>> tx_spans;
    std::vector<std::span<phy::cf_t>> rx_spans(rx_samples_.begin(), rx_samples_.end());
    for (unsigned p = 0; p < cfg.nof_layers; ++p) {
      if (Status s = mod_.modulate(tx_samples_[p], grids_[p], cfg.slot); !s) return s;
      tx_spans.emplace_back(tx_samples_[p]);
    }
    ch.num_tx = cfg.nof_layers;
    ch.num_rx = nof_rx_;
    if (Status s = phy::channel_config_validate(ch); !s) return s;
    phy::ChannelModel model(ch, carrier_.sample_rate_hz);
    return model.propagate(tx_spans, rx_spans, 0.0);
  }

  const std::vector<uint8_t>& tb() const { return tb_; }
  const std::vector<std::vector<phy::cf_t>>& rx_samples() const { return rx_samples_; }

 private:
  phy::Carrier carrier_;
  unsigned nof_rx_;
  phy::OfdmModulator mod_;
  phy::PuschTransmitter tx_;
  std::vector<uint8_t> tb_;
  std::vector<std::vector<phy::cf_t>> grids_, tx_samples_, rx_samples_;
};

/// SNR (dB) at which a Gaussian channel carries `se` bits per RE: 10 log10(2^se - 1).
inline double shannon_snr_db(double se) {
  return 10.0 * std::log10(std::pow(2.0, se) - 1.0);
}

}  // namespace airan::cli
