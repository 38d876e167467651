// `airan run`: airan's main job. Until the shared-compute runtime exists, it runs the most
// complete thing there is: the NR UL-SCH coding chain end to end over an SNR sweep.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "airan/common/cpu_features.h"
#include "airan/phy/coding/transport_block_coding.h"
#include "cli/commands.h"

namespace airan::cli {
namespace {

struct RunOptions {
  unsigned tbs = 25104;  // bits; 3 code blocks of BG1
  double code_rate = 0.5;
  unsigned qm = 2;  // QPSK
  unsigned num_layers = 1;
  double snr_from_db = 0.0, snr_to_db = 4.0, snr_step_db = 0.5;
  unsigned tbs_per_point = 200;
  unsigned max_iterations = 6;
  unsigned seed = 1;
};

// Gray-mapped square QAM per axis over AWGN with Es = 1, max-log LLRs quantised to int8 and
// clamped to +-63 as the decoder expects. The quantiser is scaled so the mean |LLR| is 16 quanta,
// as a fixed-point receiver's gain control does; a fixed scale saturates at high SNR.
void modulate_awgn_demodulate(std::span<int8_t> llrs, std::span<const uint8_t> bits, unsigned qm,
                              double snr_db, std::mt19937& rng) {
  static thread_local std::vector<double> soft;
  soft.resize(bits.size());
  const double n0 = std::pow(10.0, -snr_db / 10.0);
  std::normal_distribution<double> noise(0.0, std::sqrt(n0 / 2.0));
  const unsigned bits_per_axis = std::max(1u, qm / 2);
  const double levels = std::pow(2.0, bits_per_axis);
  const double scale = qm == 1 ? 1.0 : std::sqrt(1.5 / (levels * levels - 1.0));  // unit Es
  for (size_t i = 0; i < bits.size(); i += bits_per_axis) {
    // PAM per axis: Gray bits -> amplitude, then per-bit max-log LLR from the distance to the
    // nearest point with that bit 0 / 1.
    int gray = 0;
    for (unsigned b = 0; b < bits_per_axis; ++b) gray = (gray << 1) | bits[i + b];
    int index = gray;
    for (int shift = 1; shift < static_cast<int>(bits_per_axis); shift <<= 1) index ^= index >> shift;
    const double amp = scale * (levels - 1.0 - 2.0 * index);
    const double y = amp + noise(rng);
    for (unsigned b = 0; b < bits_per_axis; ++b) {
      double d0 = 1e9, d1 = 1e9;
      for (int p = 0; p < static_cast<int>(levels); ++p) {
        const int g = p ^ (p >> 1);
        const double a = scale * (levels - 1.0 - 2.0 * p);
        const double dist = (y - a) * (y - a);
        ((g >> (bits_per_axis - 1 - b)) & 1 ? d1 : d0) = std::min(((g >> (bits_per_axis - 1 - b)) & 1 ? d1 : d0), dist);
      }
      soft[i + b] = (d1 - d0) / n0;
    }
  }
  double mean_abs = 0;
  for (double v : soft) mean_abs += std::abs(v);
  mean_abs /= static_cast<double>(soft.size());
  const double quanta = 16.0 / std::max(mean_abs, 1e-9);
  for (size_t i = 0; i < soft.size(); ++i) {
    llrs[i] = static_cast<int8_t>(std::clamp<long>(std::lround(soft[i] * quanta), -63, 63));
  }
}

int run(const RunOptions& o) {
  phy::TransportBlockCodingConfig cfg;
  cfg.tbs = o.tbs;
  cfg.target_code_rate = o.code_rate;
  cfg.qm = o.qm;
  cfg.num_layers = o.num_layers;
  const unsigned unit = o.qm * o.num_layers;
  cfg.g = static_cast<unsigned>(std::ceil(o.tbs / o.code_rate / unit)) * unit;
  auto seg = phy::transport_block_segmentation(cfg);
  if (!seg) {
    std::fprintf(stderr, "airan run: %s\n", seg.error().message.c_str());
    return 2;
  }
  std::printf("airan run: NR UL-SCH coding chain (the node runtime is not built yet)\n");
  std::printf("TB %u bits, BG%d, %u code blocks of K=%u (Z=%u), G=%u coded bits, Qm=%u, %u layer(s), "
              "LDPC %s, %u iterations max\n\n",
              o.tbs, static_cast<int>(seg->bg), seg->num_code_blocks, seg->k, seg->z, cfg.g, o.qm,
              o.num_layers, std::string(simd_level_name(detected_simd_level())).c_str(), o.max_iterations);
  std::printf("%8s %8s %10s %10s %12s\n", "SNR dB", "TBs", "TB BLER", "mean iter", "decode Mbps");
  std::mt19937 rng(o.seed);
  phy::TransportBlockEncoder encoder;
  phy::TransportBlockDecoder decoder({o.max_iterations});
  std::vector<uint8_t> tb((o.tbs + 7) / 8), out(tb.size()), coded(cfg.g);
  std::vector<int8_t> llrs(cfg.g);
  for (double snr = o.snr_from_db; snr <= o.snr_to_db + 1e-9; snr += o.snr_step_db) {
    unsigned errors = 0;
    double iterations = 0, decode_s = 0;
    for (unsigned t = 0; t < o.tbs_per_point; ++t) {
      for (auto& b : tb) b = static_cast<uint8_t>(rng());
      if (o.tbs % 8) tb.back() &= static_cast<uint8_t>(0xff << (8 - o.tbs % 8));
      if (Status s = encoder.encode(coded, tb, cfg); !s) {
        std::fprintf(stderr, "airan run: %s\n", s.message().c_str());
        return 1;
      }
      modulate_awgn_demodulate(llrs, coded, o.qm, snr, rng);
      const auto t0 = std::chrono::steady_clock::now();
      auto res = decoder.decode(out, llrs, cfg, true);
      decode_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!res) {
        std::fprintf(stderr, "airan run: %s\n", res.error().message.c_str());
        return 1;
      }
      errors += !(res->crc_ok && out == tb);
      iterations += res->mean_iterations;
    }
    std::printf("%8.2f %8u %10.4f %10.2f %12.1f\n", snr, o.tbs_per_point,
                static_cast<double>(errors) / o.tbs_per_point, iterations / o.tbs_per_point,
                o.tbs * static_cast<double>(o.tbs_per_point) / decode_s / 1e6);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app) {
  static RunOptions o;
  auto* run_cmd = app.add_subcommand("run", "airan's main job (today: the UL-SCH coding chain over an SNR sweep)");
  run_cmd->add_option("--tbs", o.tbs, "Transport block size (bits)")->check(CLI::Range(24u, 1277992u));
  run_cmd->add_option("--code-rate", o.code_rate, "Target code rate")->check(CLI::Range(0.05, 0.95));
  run_cmd->add_option("--qm", o.qm, "Bits per symbol: 1, 2, 4, 6, 8")->check(CLI::IsMember({1u, 2u, 4u, 6u, 8u}));
  run_cmd->add_option("--layers", o.num_layers, "MIMO layers")->check(CLI::Range(1u, 4u));
  run_cmd->add_option("--snr-from", o.snr_from_db, "First SNR (dB, Es/N0)");
  run_cmd->add_option("--snr-to", o.snr_to_db, "Last SNR (dB)");
  run_cmd->add_option("--snr-step", o.snr_step_db, "SNR step (dB)")->check(CLI::Range(0.01, 30.0));
  run_cmd->add_option("--tbs-per-point", o.tbs_per_point, "Transport blocks a point")->check(CLI::Range(1u, 10000000u));
  run_cmd->add_option("--iterations", o.max_iterations, "LDPC iterations max")->check(CLI::Range(1u, 100u));
  run_cmd->add_option("--seed", o.seed, "Random seed");
  run_cmd->callback([] { std::exit(run(o)); });
}

}  // namespace airan::cli
