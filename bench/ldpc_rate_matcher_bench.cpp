// LDPC rate matcher and dematcher throughput (TS 38.212 5.4.2): rate-matched bits written (matcher)
// or LLRs consumed (dematcher) per second, in the `bit/s` counter.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "airan/phy/coding/ldpc_rate_matcher.h"

namespace {

using airan::phy::LdpcBaseGraph;
using airan::phy::LdpcRateMatchConfig;

// BG1, Z = 384 (the largest code block), F = 0, full buffer; args: Qm, E bits, rv.
LdpcRateMatchConfig config(const benchmark::State& state) {
  LdpcRateMatchConfig cfg;
  cfg.bg = LdpcBaseGraph::bg1;
  cfg.z = 384;
  cfg.qm = static_cast<unsigned>(state.range(0));
  cfg.e = static_cast<unsigned>(state.range(1));
  cfg.rv = static_cast<unsigned>(state.range(2));
  return cfg;
}

void set_counters(benchmark::State& state, const LdpcRateMatchConfig& cfg) {
  // Shown with an SI prefix: "bit/s=20G/s" is 20 000 Mbps.
  state.counters["bit/s"] =
      benchmark::Counter(static_cast<double>(cfg.e), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel("BG1 Z=384 Qm=" + std::to_string(cfg.qm) + " E=" + std::to_string(cfg.e) +
                 " rv=" + std::to_string(cfg.rv));
}

void BM_LdpcRateMatch(benchmark::State& state) {
  const LdpcRateMatchConfig cfg = config(state);
  std::vector<uint8_t> d(airan::phy::ldpc_n(cfg.bg, cfg.z));
  std::mt19937 rng(1);
  for (auto& b : d) b = rng() & 1;
  std::vector<uint8_t> out(cfg.e);
  for (auto _ : state) {
    auto s = airan::phy::ldpc_rate_match(out, d, cfg);
    if (!s) {
      state.SkipWithError(s.message().c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, cfg);
}

void BM_LdpcRateDematch(benchmark::State& state) {
  const LdpcRateMatchConfig cfg = config(state);
  std::vector<int8_t> llrs(cfg.e);
  std::mt19937 rng(2);
  for (auto& l : llrs) l = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  std::vector<int8_t> d_llrs(airan::phy::ldpc_n(cfg.bg, cfg.z));
  for (auto _ : state) {
    auto s = airan::phy::ldpc_rate_dematch(d_llrs, llrs, cfg, /*combine=*/false);
    if (!s) {
      state.SkipWithError(s.message().c_str());
      break;
    }
    benchmark::DoNotOptimize(d_llrs.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, cfg);
}

// E = 25344 = N (one pass of the circular buffer) and 8448*3 = 25344 with rv 2, which wraps;
// 50688 covers two passes (repetition).
void args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"qm", "e", "rv"});
  for (int64_t qm : {2, 8}) {
    b->Args({qm, 25344, 0});
    b->Args({qm, 8448 * 3, 2});
    b->Args({qm, 50688, 0});
  }
}

BENCHMARK(BM_LdpcRateMatch)->Apply(args);
BENCHMARK(BM_LdpcRateDematch)->Apply(args);

}  // namespace
