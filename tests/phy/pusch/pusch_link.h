#pragma once
// A small PUSCH link for tests: random TB -> PuschTransmitter -> OFDM modulation per port ->
// ChannelModel -> OFDM demodulation -> PuschReceiver, one slot at a time.

#include <complex>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "airan/phy/channel/channel_model.h"
#include "airan/phy/ofdm/ofdm.h"
#include "airan/phy/pusch/pusch_receiver.h"
#include "airan/phy/pusch/pusch_transmitter.h"

namespace airan::test {

struct LinkSlotResult {
  bool ok = false;        ///< every stage ran
  bool tb_match = false;  ///< crc_ok and the decoded TB equals the sent one
  phy::PuschUeResult rx;
  std::string error;
};

class PuschLink {
 public:
  PuschLink(const phy::Carrier& carrier, unsigned nof_rx, unsigned max_layers,
            phy::PuschReceiverConfig base = {})
      : carrier_(carrier), nof_rx_(nof_rx), mod_(carrier) {
    base.carrier = carrier;
    base.nof_rx = nof_rx;
    base.max_layers = max_layers;
    auto rx = phy::PuschReceiver::create(base);
    if (rx) rx_ = std::move(*rx);
  }

  phy::PuschReceiver* receiver() { return rx_.get(); }

  /// Sends one slot of `cfg` (a fresh random TB unless `tb` is given) through `ch`.
  LinkSlotResult run(const phy::PuschConfig& cfg, const phy::ChannelConfig& ch, uint64_t tb_seed,
                     unsigned harq_id = 0, bool new_data = true,
                     const std::vector<uint8_t>* tb_in = nullptr) {
    LinkSlotResult out;
    if (!rx_) {
      out.error = "receiver not created";
      return out;
    }
    auto derived = phy::pusch_derive(cfg);
    if (!derived) {
      out.error = derived.error().message;
      return out;
    }
    std::vector<uint8_t> tb(phy::pusch_tb_bytes(derived->tbs));
    if (tb_in) {
      tb = *tb_in;
    } else {
      std::mt19937_64 rng(tb_seed);
      for (auto& b : tb) b = static_cast<uint8_t>(rng());
    }
    last_tb_ = tb;
    const size_t grid_size = static_cast<size_t>(phy::kSymbolsPerSlot) * carrier_.n_subcarriers();
    grids_.assign(cfg.nof_layers, std::vector<phy::cf_t>(grid_size));
    std::vector<std::span<phy::cf_t>> grid_spans;
    for (auto& g : grids_) grid_spans.emplace_back(g);
    if (Status s = tx_.transmit(grid_spans, tb, cfg); !s) {
      out.error = s.message();
      return out;
    }
    const size_t ns = carrier_.slot_samples(cfg.slot);
    tx_samples_.assign(cfg.nof_layers, std::vector<phy::cf_t>(ns));
    rx_samples_.assign(nof_rx_, std::vector<phy::cf_t>(ns));
    std::vector<std::span<const phy::cf_t>> tx_spans;
    std::vector<std::span<phy::cf_t>> rx_spans;
    for (unsigned p = 0; p < cfg.nof_layers; ++p) {
      (void)mod_.modulate(tx_samples_[p], grids_[p], cfg.slot);
      tx_spans.emplace_back(tx_samples_[p]);
    }
    for (auto& r : rx_samples_) rx_spans.emplace_back(r);
    phy::ChannelConfig c = ch;
    c.num_tx = cfg.nof_layers;
    c.num_rx = nof_rx_;
    if (Status s = phy::channel_config_validate(c); !s) {
      out.error = s.message();
      return out;
    }
    phy::ChannelModel model(c, carrier_.sample_rate_hz);
    if (Status s = model.propagate(tx_spans, rx_spans, 0.0); !s) {
      out.error = s.message();
      return out;
    }
    for (unsigned r = 0; r < nof_rx_; ++r) {
      if (Status s = rx_->demodulate(r, rx_samples_[r], cfg.slot); !s) {
        out.error = s.message();
        return out;
      }
    }
    auto res = rx_->receive_ue(0, cfg, harq_id, new_data);
    if (!res) {
      out.error = res.error().message;
      return out;
    }
    out.ok = true;
    out.rx = *res;
    out.tb_match = res->crc_ok && std::equal(tb.begin(), tb.end(), res->tb.begin(), res->tb.end());
    return out;
  }

  const std::vector<uint8_t>& last_tb() const { return last_tb_; }

 private:
  phy::Carrier carrier_;
  unsigned nof_rx_;
  phy::OfdmModulator mod_;
  phy::PuschTransmitter tx_;
  std::unique_ptr<phy::PuschReceiver> rx_;
  std::vector<std::vector<phy::cf_t>> grids_, tx_samples_, rx_samples_;
  std::vector<uint8_t> last_tb_;
};

}  // namespace airan::test
