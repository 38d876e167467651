// `airan bench pusch`: PUSCH receiver cost in microseconds per slot on one core (OFDM
// demodulation of every antenna through CRC), with the per-kernel breakdown, for 30 kHz carriers
// of 20 MHz (51 PRB) and 100 MHz (273 PRB), full allocation, the qam256 MCS table. The SNR is
// 3 dB above an estimate of the MCS's 10 % BLER point (its Shannon SNR + 2 dB, see
// `airan bench pusch-link`); rows run with early stop on and with a fixed 6 iterations.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "airan/phy/pusch/pusch_receiver.h"
#include "cli/commands.h"
#include "cli/pusch_sim.h"

namespace airan::cli {
namespace {

struct SpeedOptions {
  bool json = false;
  double seconds = 0.4;  // measuring time per row
  unsigned slots = 4;    // distinct slots (noise, TB) cycled through
  std::string only;      // "20" or "100": one bandwidth
};

// The 10 % BLER point's distance from the Shannon bound, qam256 table, 1 layer, 1 RX, 51 PRB
// (`airan bench pusch-link --table qam256`); the speed rows run 3 dB above it.
double bler10_gap_db(unsigned mcs) {
  switch (mcs) {
    case 10:
      return 1.72;
    case 20:
      return 2.43;
    case 27:
      return 2.87;
    default:
      return 2.5;  // the table's typical gap
  }
}

struct SpeedCase {
  unsigned bandwidth_mhz, rx, layers, mcs;
};

int run_speed(const SpeedOptions& o) {
  std::vector<SpeedCase> cases;
  for (unsigned rx : {1u, 2u, 4u}) {
    for (unsigned mcs : {10u, 20u, 27u}) cases.push_back({20, rx, 1, mcs});
  }
  cases.push_back({20, 2, 2, 27});
  for (unsigned mcs : {10u, 20u, 27u}) cases.push_back({100, 4, 2, mcs});
  cases.push_back({100, 2, 1, 27});
  if (!o.only.empty()) {
    std::erase_if(cases,
                  [&](const SpeedCase& c) { return std::to_string(c.bandwidth_mhz) != o.only; });
  }

  if (!o.json) {
    std::printf(
        "PUSCH receiver, one core, 30 kHz, full allocation, qam256 table, 14 symbols, DM-RS "
        "type 1 (symbols 2, 11); microseconds per slot (slot = 500 us)\n");
    std::printf("%4s %4s %3s %3s %4s %6s %5s %9s %8s %6s | %6s %6s %6s %6s %6s %6s %7s %5s %6s\n",
                "MHz", "prb", "rx", "lay", "mcs", "snr", "stop", "us/slot", "us_p99", "rt%", "ofdm",
                "chest", "equal", "demap", "descr", "dematc", "ldpc", "crc", "iter");
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const SpeedCase& sc : cases) {
    auto carrier = phy::nr_carrier(30, sc.bandwidth_mhz);
    if (!carrier) {
      std::fprintf(stderr, "%s\n", carrier.error().message.c_str());
      return 2;
    }
    phy::PuschConfig p;
    p.carrier = *carrier;
    p.nof_prb = carrier->n_rb;
    p.mcs_table = phy::McsTable::qam256;
    p.mcs = sc.mcs;
    p.nof_layers = sc.layers;
    p.dmrs_additional_positions = 1;
    auto d = phy::pusch_derive(p);
    if (!d) {
      std::fprintf(stderr, "%s\n", d.error().message.c_str());
      return 2;
    }
    phy::ChannelConfig ch;
    ch.snr_db = shannon_snr_db(d->qm * d->code_rate) + bler10_gap_db(sc.mcs) + 3.0;
    if (sc.layers > 1) {
      // Several layers need a channel of full rank: weakly selective Rayleigh, some margin more.
      ch.profile = phy::TdlProfile::tdl_a;
      ch.delay_spread_ns = 30;
      ch.max_doppler_hz = 5;
      ch.snr_db += 6.0;
    }
    PuschSlotSim sim(*carrier, sc.rx);
    std::vector<std::vector<std::vector<phy::cf_t>>> samples;
    std::vector<unsigned> slot_numbers;
    std::vector<std::vector<uint8_t>> tbs;
    for (unsigned s = 0; s < o.slots; ++s) {
      p.slot = s % 20;
      ch.seed = 100 + s;
      if (Status st = sim.make_slot(p, ch, 1000 + s); !st) {
        std::fprintf(stderr, "%s\n", st.message().c_str());
        return 2;
      }
      samples.push_back(sim.rx_samples());
      slot_numbers.push_back(p.slot);
      tbs.push_back(sim.tb());
    }
    for (bool early_stop : {true, false}) {
      phy::PuschReceiverConfig rc;
      rc.carrier = *carrier;
      rc.nof_rx = sc.rx;
      rc.max_layers = sc.layers;
      rc.nof_harq_buffers = 1;
      rc.max_iterations = 6;
      rc.early_stop = early_stop;
      auto made = phy::PuschReceiver::create(rc);
      if (!made) {
        std::fprintf(stderr, "%s\n", made.error().message.c_str());
        return 2;
      }
      phy::PuschReceiver& rx = **made;
      std::vector<double> per_slot;
      per_slot.reserve(100000);
      phy::PuschKernelTimes sum;
      unsigned errors = 0;
      double iterations = 0;
      const auto start = std::chrono::steady_clock::now();
      for (unsigned rep = 0;; ++rep) {
        const unsigned s = rep % o.slots;
        p.slot = slot_numbers[s];
        const auto t0 = std::chrono::steady_clock::now();
        for (unsigned r = 0; r < sc.rx; ++r) (void)rx.demodulate(r, samples[s][r], p.slot);
        auto res = rx.receive_ue(0, p, 0, true);
        const auto t1 = std::chrono::steady_clock::now();
        if (!res) {
          std::fprintf(stderr, "%s\n", res.error().message.c_str());
          return 2;
        }
        per_slot.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        phy::PuschKernelTimes k = res->times;
        k.ofdm_us = rx.take_ofdm_us();
        sum.ofdm_us += k.ofdm_us;
        sum.chest_us += k.chest_us;
        sum.equalize_us += k.equalize_us;
        sum.demap_us += k.demap_us;
        sum.descramble_us += k.descramble_us;
        sum.dematch_us += k.dematch_us;
        sum.ldpc_us += k.ldpc_us;
        sum.crc_us += k.crc_us;
        errors += !(res->crc_ok &&
                    std::equal(res->tb.begin(), res->tb.end(), tbs[s].begin(), tbs[s].end()));
        iterations += res->mean_iterations;
        const double elapsed = std::chrono::duration<double>(t1 - start).count();
        if ((elapsed >= o.seconds && per_slot.size() >= 10) || per_slot.size() >= 100000) break;
      }
      const size_t n = per_slot.size();
      std::sort(per_slot.begin(), per_slot.end());
      const double median = per_slot[n / 2];
      const double p99 = per_slot[std::min(n - 1, n * 99 / 100)];
      const double inv = 1.0 / static_cast<double>(n);
      const double slot_us = 1000.0 / carrier->slots_per_subframe();
      nlohmann::json kernels = {{"ofdm", sum.ofdm_us * inv},
                                {"chest", sum.chest_us * inv},
                                {"equalize", sum.equalize_us * inv},
                                {"demap", sum.demap_us * inv},
                                {"descramble", sum.descramble_us * inv},
                                {"dematch", sum.dematch_us * inv},
                                {"ldpc", sum.ldpc_us * inv},
                                {"crc", sum.crc_us * inv}};
      if (o.json) {
        rows.push_back({{"bandwidth_mhz", sc.bandwidth_mhz},
                        {"scs_khz", 30},
                        {"prb", p.nof_prb},
                        {"rx", sc.rx},
                        {"layers", sc.layers},
                        {"mcs", sc.mcs},
                        {"mcs_table", "qam256"},
                        {"snr_db", ch.snr_db},
                        {"early_stop", early_stop},
                        {"us_per_slot", median},
                        {"us_p99", p99},
                        {"real_time_fraction", median / slot_us},
                        {"kernels", kernels},
                        {"slots", n},
                        {"bler", errors * inv},
                        {"mean_iterations", iterations * inv},
                        {"tbs", d->tbs}});
      } else {
        std::printf(
            "%4u %4u %3u %3u %4u %6.1f %5s %9.1f %8.1f %6.1f | %6.1f %6.1f %6.1f %6.1f %6.1f "
            "%6.1f %7.1f %5.1f %6.2f\n",
            sc.bandwidth_mhz, p.nof_prb, sc.rx, sc.layers, sc.mcs, ch.snr_db,
            early_stop ? "on" : "6it", median, p99, 100.0 * median / slot_us, sum.ofdm_us * inv,
            sum.chest_us * inv, sum.equalize_us * inv, sum.demap_us * inv, sum.descramble_us * inv,
            sum.dematch_us * inv, sum.ldpc_us * inv, sum.crc_us * inv, iterations * inv);
        std::fflush(stdout);
      }
    }
  }
  if (o.json) std::printf("%s\n", rows.dump(1).c_str());
  return 0;
}

}  // namespace

void add_bench_pusch_command(CLI::App& bench) {
  static SpeedOptions o;
  auto* cmd = bench.add_subcommand(
      "pusch", "PUSCH receiver microseconds per slot (one core) with a per-kernel breakdown");
  cmd->add_option("--seconds", o.seconds, "Measuring time per row")->check(CLI::Range(0.01, 60.0));
  cmd->add_option("--slots", o.slots, "Distinct slots cycled through")->check(CLI::Range(1, 64));
  cmd->add_option("--bandwidth", o.only, "Only this bandwidth: 20 or 100 (MHz)");
  cmd->add_flag("--json", o.json,
                "JSON rows: bandwidth_mhz, scs_khz, prb, rx, layers, mcs, snr_db, early_stop, "
                "us_per_slot, us_p99, kernels");
  cmd->callback([] { std::exit(run_speed(o)); });
}

}  // namespace airan::cli
