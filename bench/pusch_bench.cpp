// PUSCH receiver, one slot on one core: OFDM demodulation of every antenna, channel estimation,
// equalisation, demapping, descrambling, rate dematching, LDPC decoding (6 iterations, early stop
// on CRC) and CRC, for 30 kHz carriers of 20 MHz (51 PRB) and 100 MHz (273 PRB), full
// allocation, qam256 table. Arguments: bandwidth MHz, RX antennas, layers, MCS. Counters: us per
// slot and the fraction of the 500 us slot used. `airan bench pusch` prints the per-kernel split.
#include <benchmark/benchmark.h>

#include <vector>

#include "airan/phy/pusch/pusch_receiver.h"
#include "cli/pusch_sim.h"

namespace {

using namespace airan;

void BM_PuschReceiveSlot(benchmark::State& state) {
  const auto bandwidth = static_cast<unsigned>(state.range(0));
  const auto nof_rx = static_cast<unsigned>(state.range(1));
  const auto layers = static_cast<unsigned>(state.range(2));
  const auto mcs = static_cast<unsigned>(state.range(3));
  auto carrier = phy::nr_carrier(30, bandwidth);
  if (!carrier) {
    state.SkipWithError(carrier.error().message.c_str());
    return;
  }
  phy::PuschConfig p;
  p.carrier = *carrier;
  p.nof_prb = carrier->n_rb;
  p.mcs_table = phy::McsTable::qam256;
  p.mcs = mcs;
  p.nof_layers = layers;
  p.dmrs_additional_positions = 1;
  auto d = phy::pusch_derive(p);
  if (!d) {
    state.SkipWithError(d.error().message.c_str());
    return;
  }
  // 3 dB above an estimate of the 10 % BLER point (Shannon + 2 dB); full-rank channel for layers.
  phy::ChannelConfig ch;
  ch.snr_db = cli::shannon_snr_db(d->qm * d->code_rate) + 5.0;
  if (layers > 1) {
    ch.profile = phy::TdlProfile::tdl_a;
    ch.delay_spread_ns = 30;
    ch.max_doppler_hz = 5;
    ch.snr_db += 6.0;
  }
  cli::PuschSlotSim sim(*carrier, nof_rx);
  if (Status s = sim.make_slot(p, ch, 7); !s) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  const std::vector<std::vector<phy::cf_t>> samples = sim.rx_samples();

  phy::PuschReceiverConfig rc;
  rc.carrier = *carrier;
  rc.nof_rx = nof_rx;
  rc.max_layers = layers;
  rc.nof_harq_buffers = 1;
  auto made = phy::PuschReceiver::create(rc);
  if (!made) {
    state.SkipWithError(made.error().message.c_str());
    return;
  }
  phy::PuschReceiver& rx = **made;
  unsigned ok = 0;
  for (auto _ : state) {
    for (unsigned r = 0; r < nof_rx; ++r) (void)rx.demodulate(r, samples[r], p.slot);
    auto res = rx.receive_ue(0, p, 0, true);
    ok += res && res->crc_ok;
    benchmark::DoNotOptimize(res);
  }
  state.counters["us_per_slot"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 1e-6,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["crc_ok"] = static_cast<double>(ok) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_PuschReceiveSlot)
    ->ArgNames({"MHz", "rx", "layers", "mcs"})
    ->Args({20, 1, 1, 27})
    ->Args({20, 2, 1, 10})
    ->Args({20, 2, 1, 20})
    ->Args({20, 2, 1, 27})
    ->Args({20, 4, 1, 27})
    ->Args({20, 2, 2, 27})
    ->Args({100, 4, 2, 27})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
