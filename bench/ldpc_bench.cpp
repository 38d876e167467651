// LDPC encoder and decoder throughput (information bits per second, one core). The decoder rows
// run every SIMD implementation the CPU has, so the portable one is the in-run baseline;
// `airan bench ldpc` prints the same decoder rows as a table or JSON.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "airan/phy/coding/ldpc_decoder.h"
#include "airan/phy/coding/ldpc_encoder.h"

namespace {

using airan::SimdLevel;
using airan::phy::LdpcBaseGraph;

void BM_LdpcEncoder(benchmark::State& state) {
  const auto bg = static_cast<LdpcBaseGraph>(state.range(0));
  const auto z = static_cast<unsigned>(state.range(1));
  std::mt19937 rng(1);
  std::vector<uint8_t> c(airan::phy::ldpc_k(bg, z)), d(airan::phy::ldpc_n(bg, z));
  for (auto& b : c) b = rng() & 1;
  auto encoder = airan::phy::create_ldpc_encoder();
  for (auto _ : state) {
    (void)encoder->encode(d, c, bg, z);
    benchmark::DoNotOptimize(d.data());
  }
  state.counters["Mbps"] = benchmark::Counter(static_cast<double>(c.size()) * state.iterations() / 1e6,
                                              benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LdpcEncoder)->Args({1, 384})->Args({2, 384})->Args({1, 96})->Args({2, 96});

// Args: bg, z, rate in thousandths, SIMD level.
void BM_LdpcDecoder(benchmark::State& state) {
  const auto bg = static_cast<LdpcBaseGraph>(state.range(0));
  const auto z = static_cast<unsigned>(state.range(1));
  const double rate = static_cast<double>(state.range(2)) / 1000.0;
  auto decoder = airan::phy::create_ldpc_decoder(static_cast<SimdLevel>(state.range(3)));
  if (!decoder) {
    state.SkipWithError("CPU lacks this instruction set");
    return;
  }
  state.SetLabel(std::string(decoder->implementation()));
  std::mt19937 rng(2);
  const unsigned k = airan::phy::ldpc_k(bg, z);
  std::vector<uint8_t> c(k), d(airan::phy::ldpc_n(bg, z)), msg(k);
  for (auto& b : c) b = rng() & 1;
  (void)airan::phy::create_ldpc_encoder()->encode(d, c, bg, z);
  std::vector<int8_t> llrs(std::min<size_t>(d.size(), static_cast<size_t>(k / rate)));
  std::normal_distribution<double> noise(0.0, 8.0);
  for (size_t i = 0; i < llrs.size(); ++i) {
    llrs[i] = static_cast<int8_t>(std::clamp<double>((d[i] ? -16.0 : 16.0) + noise(rng), -63, 63));
  }
  airan::phy::LdpcDecoder::Configuration cfg;
  cfg.bg = bg;
  cfg.z = z;
  cfg.max_iterations = 6;
  cfg.early_stop = airan::phy::LdpcDecoder::EarlyStop::none;
  for (auto _ : state) {
    benchmark::DoNotOptimize(decoder->decode(msg, llrs, cfg));
  }
  state.counters["Mbps"] = benchmark::Counter(static_cast<double>(k) * state.iterations() / 1e6,
                                              benchmark::Counter::kIsRate);
}
void decoder_args(benchmark::internal::Benchmark* b) {
  for (int level : {0, 1, 2}) {
    for (int z : {384, 192, 96}) {
      b->Args({1, z, 917, level})->Args({1, z, 333, level})->Args({2, z, 833, level})->Args({2, z, 200, level});
    }
  }
}
BENCHMARK(BM_LdpcDecoder)->Apply(decoder_args);

}  // namespace
