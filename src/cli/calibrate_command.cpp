// `airan calibrate`: times the real PUSCH kernels that exist (OFDM demodulation, MMSE
// equalisation, LDPC rate dematching and decoding, whole transport-block decoding) over a grid of
// configurations on random, noise-corrupted data, and writes one trace row per execution
// (predict/trace.h) for the execution-time models. Data are generated before the clock starts;
// only the kernel call is timed. An execution during which the OS switched the thread out (another
// process took the core: this machine is shared) measures the OS scheduler, not the kernel; by
// default such rows are dropped and counted (the RAN runs on cores it owns), --keep-preempted
// writes them too.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "airan/phy/coding/ldpc_decoder.h"
#include "airan/phy/coding/ldpc_encoder.h"
#include "airan/phy/coding/ldpc_rate_matcher.h"
#include "airan/phy/coding/transport_block_coding.h"
#include "airan/phy/equalizer/mmse_equalizer.h"
#include "airan/phy/ofdm/carrier.h"
#include "airan/phy/ofdm/ofdm.h"
#include "airan/predict/trace.h"
#include "cli/commands.h"

namespace airan::cli {
namespace {

using predict::Feature;
using predict::FeatureVector;
using predict::index_of;
using Clock = std::chrono::steady_clock;
using cf = std::complex<float>;

void set(FeatureVector& x, Feature f, double v) {
  x[index_of(f)] = static_cast<float>(v);
}

double elapsed_ns(Clock::time_point t0, Clock::time_point t1) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
}

// Context switches of the calling thread so far (voluntary and involuntary).
long context_switches() {
  rusage u{};
  if (getrusage(RUSAGE_THREAD, &u) != 0) return 0;
  return u.ru_nvcsw + u.ru_nivcsw;
}

// Writes rows unless the thread was switched out since begin() (then counts them as dropped).
class RowSink {
 public:
  RowSink(predict::TraceWriter& w, bool keep_preempted) : w_(w), keep_(keep_preempted) {}
  void begin() { switches_ = context_switches(); }
  // True when the rows of the execution since begin() are to be written.
  bool clean() {
    const bool ok = keep_ || context_switches() == switches_;
    if (!ok) ++dropped_;
    return ok;
  }
  void write(std::string_view task, const FeatureVector& x, double ns) { w_.write(task, x, ns); }
  size_t dropped() const { return dropped_; }

 private:
  predict::TraceWriter& w_;
  bool keep_;
  long switches_ = 0;
  size_t dropped_ = 0;
};

// Es/N0 (dB) at the Shannon limit of `qm` bits per symbol at code rate `rate`.
double shannon_snr_db(unsigned qm, double rate) {
  return 10.0 * std::log10(std::pow(2.0, qm * rate) - 1.0);
}

// Gray-mapped square QAM (per axis a Gray-coded PAM of qm/2 bits; qm = 2, 4, 6) with unit Es
// over AWGN at `snr_db` (Es/N0), then exact max-log per-bit LLRs scaled so the mean |LLR| is 16
// quanta and clamped to the decoder's +-63.
std::vector<int8_t> noisy_llrs(const std::vector<uint8_t>& bits, unsigned qm, double snr_db,
                               std::mt19937& rng) {
  const unsigned per_axis = qm / 2;
  const int levels = 1 << per_axis;
  const double n0 = std::pow(10.0, -snr_db / 10.0);
  const double scale = std::sqrt(1.5 / (levels * levels - 1.0));  // unit symbol energy
  std::normal_distribution<double> noise(0.0, std::sqrt(n0 / 2.0));
  std::vector<double> amp(static_cast<size_t>(levels));
  std::vector<int> label(static_cast<size_t>(levels));  // Gray label of amplitude index a
  for (int a = 0; a < levels; ++a) {
    amp[static_cast<size_t>(a)] = scale * (levels - 1 - 2 * a);
    label[static_cast<size_t>(a)] = a ^ (a >> 1);
  }
  std::vector<double> soft(bits.size());
  for (size_t i = 0; i + per_axis <= bits.size(); i += per_axis) {
    int want = 0;
    for (unsigned b = 0; b < per_axis; ++b) want = (want << 1) | bits[i + b];
    int a = 0;
    while (label[static_cast<size_t>(a)] != want) ++a;
    const double y = amp[static_cast<size_t>(a)] + noise(rng);
    for (unsigned b = 0; b < per_axis; ++b) {
      double d0 = 1e300, d1 = 1e300;
      for (int p = 0; p < levels; ++p) {
        const double d = (y - amp[static_cast<size_t>(p)]) * (y - amp[static_cast<size_t>(p)]);
        if ((label[static_cast<size_t>(p)] >> (per_axis - 1 - b)) & 1) {
          d1 = std::min(d1, d);
        } else {
          d0 = std::min(d0, d);
        }
      }
      soft[i + b] = (d1 - d0) / n0;
    }
  }
  double mean_abs = 0;
  for (double v : soft) mean_abs += std::abs(v);
  mean_abs = std::max(mean_abs / static_cast<double>(std::max<size_t>(soft.size(), 1)), 1e-9);
  std::vector<int8_t> llrs(bits.size());
  for (size_t i = 0; i < soft.size(); ++i) {
    llrs[i] =
        static_cast<int8_t>(std::clamp<long>(std::lround(soft[i] * 16.0 / mean_abs), -63, 63));
  }
  return llrs;
}

// One configuration of one kernel family: run() times one execution and writes its row(s).
class Job {
 public:
  virtual ~Job() = default;
  virtual void run(RowSink* out) = 0;  // out == nullptr: warm-up, nothing written
};

constexpr unsigned kRealizations = 3;

// LDPC code block: rate dematching of E LLRs, then decoding with syndrome early stop.
class LdpcJob final : public Job {
 public:
  LdpcJob(phy::LdpcBaseGraph bg, unsigned z, double rate, unsigned qm, double snr_offset_db,
          unsigned max_iterations, phy::LdpcDecoder& decoder, std::mt19937& rng)
      : decoder_(decoder) {
    const unsigned k = phy::ldpc_k(bg, z);
    rm_.bg = bg;
    rm_.z = z;
    rm_.qm = qm;
    rm_.e = static_cast<unsigned>(std::lround(k / rate / qm)) * qm;
    snr_db_ = shannon_snr_db(qm, static_cast<double>(k) / rm_.e) + snr_offset_db;
    cfg_.bg = bg;
    cfg_.z = z;
    cfg_.max_iterations = max_iterations;
    cfg_.early_stop = phy::LdpcDecoder::EarlyStop::syndrome;
    auto encoder = phy::create_ldpc_encoder();
    std::vector<uint8_t> msg(k), d(phy::ldpc_n(bg, z)), f(rm_.e);
    for (unsigned r = 0; r < kRealizations; ++r) {
      for (auto& b : msg) b = rng() & 1;
      (void)encoder->encode(d, msg, bg, z);
      (void)phy::ldpc_rate_match(f, d, rm_);
      llrs_.push_back(noisy_llrs(f, qm, snr_db_, rng));
    }
    d_llrs_.resize(phy::ldpc_n(bg, z));
    out_.resize(k);
    x_ = predict::missing_features();
    set(x_, Feature::bg, static_cast<int>(bg));
    set(x_, Feature::z, z);
    set(x_, Feature::cb_bits, k);
    set(x_, Feature::e_bits, rm_.e);
    set(x_, Feature::qm, qm);
    set(x_, Feature::code_rate, static_cast<double>(k) / rm_.e);
    set(x_, Feature::snr_db, std::round(snr_db_ * 100) / 100);
    set(x_, Feature::code_blocks, 1);
  }

  void run(RowSink* out) override {
    if (out) out->begin();
    const auto& llrs = llrs_[next_++ % llrs_.size()];
    const auto t0 = Clock::now();
    (void)phy::ldpc_rate_dematch(d_llrs_, llrs, rm_, false);
    const auto t1 = Clock::now();
    auto res = decoder_.decode(out_, d_llrs_, cfg_);
    const auto t2 = Clock::now();
    if (!out || !out->clean()) return;
    out->write("rate_dematch", x_, elapsed_ns(t0, t1));
    FeatureVector x = x_;
    set(x, Feature::iterations, res ? res->iterations : cfg_.max_iterations);
    out->write("ldpc_decode", x, elapsed_ns(t1, t2));
  }

 private:
  phy::LdpcDecoder& decoder_;
  phy::LdpcRateMatchConfig rm_;
  phy::LdpcDecoder::Configuration cfg_;
  double snr_db_ = 0;
  std::vector<std::vector<int8_t>> llrs_;
  std::vector<int8_t> d_llrs_;
  std::vector<uint8_t> out_;
  FeatureVector x_;
  size_t next_ = 0;
};

// One slot of OFDM demodulation (14 FFTs) of a noisy modulated random QPSK grid.
class OfdmJob final : public Job {
 public:
  OfdmJob(const phy::Carrier& carrier, std::mt19937& rng) : demod_(carrier) {
    const size_t re = static_cast<size_t>(phy::kSymbolsPerSlot) * carrier.n_subcarriers();
    std::vector<cf> grid(re);
    const float a = std::sqrt(0.5f);
    phy::OfdmModulator mod(carrier);
    std::normal_distribution<float> noise(0.0f, 0.05f);
    for (unsigned r = 0; r < 2; ++r) {
      for (auto& v : grid) v = cf((rng() & 1) ? a : -a, (rng() & 1) ? a : -a);
      std::vector<cf> s(carrier.slot_samples(0));
      (void)mod.modulate(s, grid, 0);
      for (auto& v : s) v += cf(noise(rng), noise(rng));
      samples_.push_back(std::move(s));
    }
    grid_.resize(re);
    x_ = predict::missing_features();
    set(x_, Feature::prbs, carrier.n_rb);
    set(x_, Feature::fft_size, carrier.fft_size);
    set(x_, Feature::symbols, phy::kSymbolsPerSlot);
  }

  void run(RowSink* out) override {
    if (out) out->begin();
    const auto& s = samples_[next_++ % samples_.size()];
    const auto t0 = Clock::now();
    (void)demod_.demodulate(grid_, s, 0);
    const auto t1 = Clock::now();
    if (out && out->clean()) out->write("ofdm_demod", x_, elapsed_ns(t0, t1));
  }

 private:
  phy::OfdmDemodulator demod_;
  std::vector<std::vector<cf>> samples_;
  std::vector<cf> grid_;
  FeatureVector x_;
  size_t next_ = 0;
};

// MMSE equalisation of one UE's allocation (12 data symbols) over a Rayleigh channel.
class EqualizationJob final : public Job {
 public:
  EqualizationJob(unsigned prbs, unsigned layers, unsigned rx, double snr_db, std::mt19937& rng) {
    dims_ = {rx, layers, static_cast<size_t>(prbs) * 12 * 12};
    const size_t n = dims_.num_re;
    noise_var_ = static_cast<float>(std::pow(10.0, -snr_db / 10.0));
    std::normal_distribution<float> g(0.0f, std::sqrt(0.5f));
    std::normal_distribution<float> w(0.0f, std::sqrt(noise_var_ / 2));
    const float a = std::sqrt(0.5f);
    for (unsigned r = 0; r < 2; ++r) {
      std::vector<cf> h(rx * layers * n), y(rx * n, cf{});
      for (auto& v : h) v = cf(g(rng), g(rng));
      std::vector<cf> tx(layers * n);
      for (auto& v : tx) v = cf((rng() & 1) ? a : -a, (rng() & 1) ? a : -a);
      for (unsigned p = 0; p < rx; ++p) {
        for (size_t i = 0; i < n; ++i) {
          cf acc(w(rng), w(rng));
          for (unsigned l = 0; l < layers; ++l) acc += h[(p * layers + l) * n + i] * tx[l * n + i];
          y[p * n + i] = acc;
        }
      }
      channel_.push_back(std::move(h));
      rx_.push_back(std::move(y));
    }
    symbols_.resize(layers * n);
    nvar_.resize(layers * n);
    x_ = predict::missing_features();
    set(x_, Feature::prbs, prbs);
    set(x_, Feature::layers, layers);
    set(x_, Feature::rx_ports, rx);
    set(x_, Feature::snr_db, snr_db);
    set(x_, Feature::symbols, 12);
  }

  void run(RowSink* out) override {
    if (out) out->begin();
    const size_t r = next_++ % rx_.size();
    const auto t0 = Clock::now();
    (void)phy::mmse_equalize(symbols_, nvar_, rx_[r], channel_[r], dims_, noise_var_);
    const auto t1 = Clock::now();
    if (out && out->clean()) out->write("equalization", x_, elapsed_ns(t0, t1));
  }

 private:
  phy::EqualizerDims dims_;
  float noise_var_ = 1;
  std::vector<std::vector<cf>> channel_, rx_;
  std::vector<cf> symbols_;
  std::vector<float> nvar_;
  FeatureVector x_;
  size_t next_ = 0;
};

// The whole UL-SCH receive side of one transport block: dematching, decoding, CRCs.
class TbDecodeJob final : public Job {
 public:
  TbDecodeJob(unsigned tbs, double rate, unsigned qm, double snr_offset_db, unsigned max_iterations,
              std::mt19937& rng)
      : decoder_(phy::TransportBlockDecoder::Options{max_iterations}) {
    cfg_.tbs = tbs;
    cfg_.target_code_rate = rate;
    cfg_.qm = qm;
    cfg_.num_layers = 1;
    cfg_.g = static_cast<unsigned>(std::ceil(tbs / rate / qm)) * qm;
    snr_db_ = shannon_snr_db(qm, rate) + snr_offset_db;
    phy::TransportBlockEncoder enc;
    std::vector<uint8_t> tb((tbs + 7) / 8), coded(cfg_.g);
    for (unsigned r = 0; r < 2; ++r) {
      for (auto& b : tb) b = static_cast<uint8_t>(rng());
      if (tbs % 8) tb.back() &= static_cast<uint8_t>(0xFF << (8 - tbs % 8));
      ok_ = static_cast<bool>(enc.encode(coded, tb, cfg_));
      if (!ok_) return;
      llrs_.push_back(noisy_llrs(coded, qm, snr_db_, rng));
    }
    out_.resize(tb.size());
    auto seg = phy::transport_block_segmentation(cfg_);
    x_ = predict::missing_features();
    set(x_, Feature::tbs, tbs);
    set(x_, Feature::code_rate, rate);
    set(x_, Feature::qm, qm);
    set(x_, Feature::layers, 1);
    set(x_, Feature::snr_db, std::round(snr_db_ * 100) / 100);
    if (seg) {
      set(x_, Feature::code_blocks, seg->num_code_blocks);
      set(x_, Feature::bg, static_cast<int>(seg->bg));
      set(x_, Feature::z, seg->z);
      set(x_, Feature::cb_bits, seg->k);
    }
  }
  bool ok() const { return ok_; }

  void run(RowSink* out) override {
    if (out) out->begin();
    const auto& llrs = llrs_[next_++ % llrs_.size()];
    const auto t0 = Clock::now();
    auto res = decoder_.decode(out_, llrs, cfg_, true);
    const auto t1 = Clock::now();
    if (!out || !out->clean() || !res) return;
    FeatureVector x = x_;
    set(x, Feature::iterations, res->max_iterations);
    out->write("tb_decode", x, elapsed_ns(t0, t1));
  }

 private:
  phy::TransportBlockDecoder decoder_;
  phy::TransportBlockCodingConfig cfg_;
  double snr_db_ = 0;
  bool ok_ = false;
  std::vector<std::vector<int8_t>> llrs_;
  std::vector<uint8_t> out_;
  FeatureVector x_;
  size_t next_ = 0;
};

struct Family {
  std::string name;
  std::vector<std::unique_ptr<Job>> jobs;
  double spent_s = 0;
  size_t next = 0;
};

}  // namespace

int run_calibration(const CalibrateOptions& o) {
  const auto start = Clock::now();
  std::mt19937 rng(o.seed);
  const unsigned max_it = 8;
  auto decoder = phy::create_ldpc_decoder();
  std::vector<Family> families(4);
  families[0].name = "ldpc (rate_dematch + ldpc_decode)";
  const double offsets[] = {0.5, 1.5, 3.0, 6.0};
  unsigned qm_cycle = 0;
  for (auto bg : {phy::LdpcBaseGraph::bg1, phy::LdpcBaseGraph::bg2}) {
    const std::vector<double> rates = bg == phy::LdpcBaseGraph::bg1
                                          ? std::vector<double>{1.0 / 3, 0.5, 2.0 / 3, 0.89}
                                          : std::vector<double>{0.2, 1.0 / 3, 0.5, 2.0 / 3};
    for (unsigned z : {64u, 160u, 384u}) {
      for (double rate : rates) {
        for (double off : offsets) {
          const unsigned qm = 2u + 2u * (qm_cycle++ % 3);  // 2, 4, 6 in turn
          families[0].jobs.push_back(
              std::make_unique<LdpcJob>(bg, z, rate, qm, off, max_it, *decoder, rng));
        }
      }
    }
  }
  families[1].name = "ofdm_demod";
  for (unsigned bw : {10u, 20u, 40u, 50u, 100u}) {
    auto carrier = phy::nr_carrier(30, bw);
    if (carrier) families[1].jobs.push_back(std::make_unique<OfdmJob>(*carrier, rng));
  }
  families[2].name = "equalization";
  const unsigned shapes[][2] = {{1, 1}, {1, 2}, {1, 4}, {2, 2}, {2, 4}, {4, 4}};
  for (unsigned prbs : {4u, 16u, 51u, 106u}) {
    for (const auto& s : shapes) {
      families[2].jobs.push_back(std::make_unique<EqualizationJob>(prbs, s[0], s[1], 15.0, rng));
    }
  }
  families[3].name = "tb_decode";
  unsigned tb_cycle = 0;
  for (unsigned tbs : {1500u, 6000u, 20000u, 50000u}) {
    for (double rate : {0.3, 0.6, 0.85}) {
      for (double off : {1.0, 2.5, 5.0}) {
        const unsigned qm = 2u + 2u * (tb_cycle++ % 3);
        auto job = std::make_unique<TbDecodeJob>(tbs, rate, qm, off, max_it, rng);
        if (job->ok()) families[3].jobs.push_back(std::move(job));
      }
    }
  }
  // Configurations in a random order within each family, every one warmed up once.
  for (auto& f : families) {
    std::shuffle(f.jobs.begin(), f.jobs.end(), rng);
    for (auto& j : f.jobs) j->run(nullptr);
  }
  const double setup_s = std::chrono::duration<double>(Clock::now() - start).count();

  auto writer = predict::TraceWriter::create(
      o.out,
      {Feature::prbs, Feature::qm, Feature::layers, Feature::rx_ports, Feature::snr_db,
       Feature::code_blocks, Feature::iterations, Feature::tbs, Feature::bg, Feature::z,
       Feature::cb_bits, Feature::e_bits, Feature::code_rate, Feature::fft_size, Feature::symbols});
  if (!writer) {
    std::fprintf(stderr, "airan calibrate: %s\n", writer.error().message.c_str());
    return 1;
  }
  // Each family gets an equal share of the measuring time: the one behind runs next, cycling
  // through its configurations, so every configuration of a family gets the same number of rows.
  RowSink sink(*writer, o.keep_preempted);
  const auto t_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(o.seconds));
  while (Clock::now() < t_end) {
    auto& f =
        *std::min_element(families.begin(), families.end(),
                          [](const Family& a, const Family& b) { return a.spent_s < b.spent_s; });
    const auto t0 = Clock::now();
    for (int i = 0; i < 8; ++i) f.jobs[f.next++ % f.jobs.size()]->run(&sink);
    f.spent_s += std::chrono::duration<double>(Clock::now() - t0).count();
  }
  const size_t rows = writer->rows();
  if (Status s = writer->close(); !s) {
    std::fprintf(stderr, "airan calibrate: %s\n", s.message().c_str());
    return 1;
  }
  if (!o.quiet) {
    std::printf("airan calibrate: %zu rows in %s (%.1f s measuring after %.1f s setup)\n", rows,
                o.out.c_str(), o.seconds, setup_s);
    std::printf("  %zu executions preempted by the OS %s\n", sink.dropped(),
                o.keep_preempted ? "(written: --keep-preempted)"
                                 : "(dropped; --keep-preempted keeps them)");
    for (const auto& f : families) {
      std::printf("  %-36s %4zu configurations, %.1f s\n", f.name.c_str(), f.jobs.size(),
                  f.spent_s);
    }
  }
  return 0;
}

void add_calibrate_command(CLI::App& app) {
  static CalibrateOptions o;
  auto* cmd = app.add_subcommand(
      "calibrate", "Time the real PUSCH kernels over a grid of configurations; write a trace CSV");
  cmd->add_option("--out", o.out, "Trace file to write (CSV, see include/airan/predict/trace.h)")
      ->required();
  cmd->add_option("--seconds", o.seconds,
                  "Measuring time (s), shared equally by the kernel families")
      ->check(CLI::Range(0.1, 86400.0));
  cmd->add_option("--seed", o.seed, "Seed of the random data");
  cmd->add_flag("--keep-preempted", o.keep_preempted,
                "Also write executions during which the OS switched the thread out");
  cmd->callback([] { std::exit(run_calibration(o)); });
}

}  // namespace airan::cli
