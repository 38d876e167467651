// `airan bench pusch-link`: AWGN link curves of the whole PUSCH chain (TX -> OFDM -> AWGN ->
// OFDM demodulation -> RX), one layer, one receive antenna. For each MCS the SNR sweep stops at
// the first point with BLER <= 10 %; the 10 % SNR is interpolated (log BLER, linear SNR) and
// compared with the Shannon bound of the MCS's spectral efficiency, SNR = 2^(Qm R) - 1.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "airan/phy/pusch/pusch_receiver.h"
#include "cli/commands.h"
#include "cli/pusch_sim.h"

namespace airan::cli {
namespace {

struct LinkOptions {
  std::string table = "qam64";
  unsigned nof_prb = 51;  // the 20 MHz / 30 kHz full allocation of the speed benchmark
  unsigned mcs_first = 0;
  int mcs_last = -1;  // -1: the table's last MCS with a code rate
  unsigned max_blocks = 100;
  unsigned min_blocks = 20;
  unsigned max_errors = 20;
  double step_db = 0.5;
  // High-rate codes still gain 0.3-0.4 dB at the 10 % point from 10 to 16 iterations.
  unsigned iterations = 16;
  unsigned seed = 1;
  bool json = false;
};

struct Point {
  double snr_db = 0;
  unsigned blocks = 0, errors = 0;
  double bler() const { return blocks ? static_cast<double>(errors) / blocks : 1.0; }
};

int run_link(const LinkOptions& o) {
  const auto table = phy::mcs_table_from_name(o.table);
  if (!table) {
    std::fprintf(stderr, "--table: %s\n", table.error().message.c_str());
    return 2;
  }
  // 15 kHz / 5 MHz (25 PRB, 512-point FFT): the smallest carrier holding the allocation keeps
  // the sample-rate work (channel, FFTs) small.
  auto carrier = phy::nr_carrier(15, o.nof_prb <= 25 ? 5 : (o.nof_prb <= 52 ? 10 : 20));
  if (!carrier || o.nof_prb > carrier->n_rb) {
    std::fprintf(stderr, "--prb=%u: at most 106\n", o.nof_prb);
    return 2;
  }
  phy::PuschReceiverConfig rc;
  rc.carrier = *carrier;
  rc.nof_rx = 1;
  rc.max_layers = 1;
  rc.max_prb = o.nof_prb;
  rc.nof_harq_buffers = 1;
  rc.max_iterations = o.iterations;
  rc.time_interpolation = phy::PuschTimeInterpolation::average;  // AWGN: a static channel
  auto receiver = phy::PuschReceiver::create(rc);
  if (!receiver) {
    std::fprintf(stderr, "%s\n", receiver.error().message.c_str());
    return 2;
  }
  phy::PuschReceiver& rx = **receiver;
  PuschSlotSim sim(*carrier, 1);

  unsigned last = 0;
  for (unsigned m = 0; m < 32; ++m) {
    auto e = phy::mcs_entry(*table, m);
    if (e && !e->reserved) last = m;
  }
  if (o.mcs_last >= 0) last = std::min(last, static_cast<unsigned>(o.mcs_last));

  if (!o.json) {
    std::printf(
        "PUSCH AWGN link curves: %s, %u PRB, 14 symbols, DM-RS type 1 (symbols 2, 11), "
        "1 layer, 1 RX, %u LDPC iterations\n",
        o.table.c_str(), o.nof_prb, o.iterations);
    std::printf("%4s %3s %7s %6s %12s %11s %7s %9s  %s\n", "mcs", "qm", "rate", "se", "snr@10%(dB)",
                "shannon(dB)", "gap(dB)", "monotone", "BLER per SNR");
  }
  nlohmann::json rows = nlohmann::json::array();
  uint64_t slot_seed = o.seed;
  bool all_within = true;
  for (unsigned mcs = o.mcs_first; mcs <= last; ++mcs) {
    phy::PuschConfig p;
    p.carrier = *carrier;
    p.nof_prb = o.nof_prb;
    p.mcs_table = *table;
    p.mcs = mcs;
    p.dmrs_additional_positions = 1;
    auto d = phy::pusch_derive(p);
    if (!d) {
      std::fprintf(stderr, "mcs %u: %s\n", mcs, d.error().message.c_str());
      return 2;
    }
    const double se = d->qm * d->code_rate;
    const double shannon = shannon_snr_db(se);
    std::vector<Point> points;
    double snr = std::floor(shannon / o.step_db) * o.step_db;
    double found = NAN;
    while (snr <= shannon + 10.0) {
      Point pt;
      pt.snr_db = snr;
      while (pt.blocks < o.max_blocks &&
             !(pt.errors >= o.max_errors && pt.blocks >= o.min_blocks)) {
        p.slot = static_cast<unsigned>(slot_seed % 10);
        phy::ChannelConfig ch;
        ch.profile = phy::TdlProfile::flat;
        ch.snr_db = snr;
        ch.seed = ++slot_seed;
        if (Status s = sim.make_slot(p, ch, slot_seed * 7919); !s) {
          std::fprintf(stderr, "%s\n", s.message().c_str());
          return 2;
        }
        (void)rx.take_ofdm_us();
        if (Status s = rx.demodulate(0, sim.rx_samples()[0], p.slot); !s) {
          std::fprintf(stderr, "%s\n", s.message().c_str());
          return 2;
        }
        auto res = rx.receive_ue(0, p, 0, true);
        if (!res) {
          std::fprintf(stderr, "%s\n", res.error().message.c_str());
          return 2;
        }
        const bool ok = res->crc_ok && std::equal(res->tb.begin(), res->tb.end(), sim.tb().begin(),
                                                  sim.tb().end());
        ++pt.blocks;
        pt.errors += !ok;
      }
      points.push_back(pt);
      if (pt.bler() <= 0.1) {
        if (points.size() == 1) {
          found = pt.snr_db;  // already below 10 % at the first point
        } else {
          const Point& a = points[points.size() - 2];
          const double la = std::log10(std::max(a.bler(), 0.5 / a.blocks));
          const double lb = std::log10(std::max(pt.bler(), 0.5 / pt.blocks));
          const double t = la == lb ? 1.0 : (la - std::log10(0.1)) / (la - lb);
          found = a.snr_db + std::clamp(t, 0.0, 1.0) * (pt.snr_db - a.snr_db);
        }
        break;
      }
      snr += o.step_db;
    }
    // Monotone: no point's BLER exceeds an earlier one's by more than its statistical spread.
    bool monotone = true;
    for (size_t i = 1; i < points.size(); ++i) {
      const double prev = points[i - 1].bler();
      const double sd = std::sqrt(std::max(prev * (1 - prev), 0.01) / points[i].blocks);
      if (points[i].bler() > prev + 2 * sd) monotone = false;
    }
    const double gap = found - shannon;
    all_within = all_within && std::isfinite(gap) && gap <= 3.0;
    nlohmann::json curve = nlohmann::json::array();
    std::string text;
    for (const Point& pt : points) {
      curve.push_back({{"snr_db", pt.snr_db}, {"blocks", pt.blocks}, {"errors", pt.errors}});
      char buf[48];
      std::snprintf(buf, sizeof(buf), " %.1f:%.2f", pt.snr_db, pt.bler());
      text += buf;
    }
    if (o.json) {
      rows.push_back(
          {{"mcs", mcs},
           {"qm", d->qm},
           {"code_rate", d->code_rate},
           {"se", se},
           {"snr_at_bler10_db", std::isfinite(found) ? nlohmann::json(found) : nlohmann::json()},
           {"shannon_db", shannon},
           {"gap_db", std::isfinite(gap) ? nlohmann::json(gap) : nlohmann::json()},
           {"tbs", d->tbs},
           {"bler_monotone", monotone},
           {"points", curve}});
    } else {
      std::printf("%4u %3u %7.4f %6.3f %12.2f %11.2f %7.2f %9s %s\n", mcs, d->qm, d->code_rate, se,
                  found, shannon, gap, monotone ? "yes" : "NO", text.c_str());
      std::fflush(stdout);
    }
  }
  if (o.json) {
    std::printf("%s\n", rows.dump(1).c_str());
  } else {
    std::printf("every gap within 3 dB: %s\n", all_within ? "yes" : "no");
  }
  return 0;
}

}  // namespace

void add_bench_pusch_link_command(CLI::App& bench) {
  static LinkOptions o;
  auto* cmd = bench.add_subcommand(
      "pusch-link", "PUSCH AWGN link curves: SNR at 10 % BLER per MCS vs the Shannon bound");
  cmd->add_option("--table", o.table, "MCS table: qam64, qam256, qam64LowSE");
  cmd->add_option("--prb", o.nof_prb, "Allocated PRBs")->check(CLI::Range(1, 106));
  cmd->add_option("--mcs-first", o.mcs_first, "First MCS")->check(CLI::Range(0, 31));
  cmd->add_option("--mcs-last", o.mcs_last, "Last MCS (-1: the table's last)")
      ->check(CLI::Range(-1, 31));
  cmd->add_option("--blocks", o.max_blocks, "Most blocks per SNR point")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--errors", o.max_errors, "Stop a point after this many block errors")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--step", o.step_db, "SNR step (dB)")->check(CLI::Range(0.05, 5.0));
  cmd->add_option("--iterations", o.iterations, "LDPC iterations (early stop on CRC)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--seed", o.seed, "Seed of TBs and noise");
  cmd->add_flag("--json", o.json,
                "JSON rows {mcs, qm, code_rate, se, snr_at_bler10_db, shannon_db, gap_db}");
  cmd->callback([] { std::exit(run_link(o)); });
}

}  // namespace airan::cli
