// PUSCH building-block kernels: Gold sequence generation (Mbit/s of c(n), TS 38.211 5.2.1), LLR
// descrambling (Mbit/s) and the max-log soft demapper per modulation order and implementation
// (Msymbols/s). One slot of 273 PRB x 12 symbols = 39312 REs per iteration for the demapper.
#include <benchmark/benchmark.h>

#include <complex>
#include <cstdint>
#include <random>
#include <vector>

#include "airan/phy/modulation/modulation_mapper.h"
#include "airan/phy/modulation/soft_demapper.h"
#include "airan/phy/pusch/pusch_scrambling.h"
#include "airan/phy/sequence/gold_sequence.h"

namespace {

using namespace airan;
using namespace airan::phy;

constexpr size_t kSlotRes = 273 * 12 * 12;

void BM_GoldSequenceWords(benchmark::State& state) {
  const size_t bits = static_cast<size_t>(state.range(0));
  uint64_t acc = 0;
  for (auto _ : state) {
    GoldSequence seq(0x1234567u);  // includes the Nc = 1600 jump
    for (size_t i = 0; i < bits; i += 64) acc ^= seq.next64();
    benchmark::DoNotOptimize(acc);
  }
  state.counters["Mbit/s"] = benchmark::Counter(
      static_cast<double>(bits) * state.iterations() / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GoldSequenceWords)->Arg(64)->Arg(1 << 16)->Arg(1 << 20);

void BM_GoldSequenceInit(benchmark::State& state) {
  uint32_t c_init = 1;
  for (auto _ : state) {
    GoldSequence seq(c_init++);
    benchmark::DoNotOptimize(seq.next32());
  }
}
BENCHMARK(BM_GoldSequenceInit);

void BM_DescrambleLlrs(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<int8_t> llr(n, 17);
  for (auto _ : state) {
    benchmark::DoNotOptimize(pusch_descramble(llr, llr, 0x2345u));
    benchmark::ClobberMemory();
  }
  state.counters["Mbit/s"] = benchmark::Counter(static_cast<double>(n) * state.iterations() / 1e6,
                                                benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DescrambleLlrs)->Arg(kSlotRes * 8);

void BM_SoftDemapper(benchmark::State& state) {
  const auto mod = static_cast<Modulation>(state.range(0));
  const auto level = static_cast<SimdLevel>(state.range(1));
  const auto demapper = create_soft_demapper(level);
  if (!demapper) {
    state.SkipWithError("CPU lacks this instruction set");
    return;
  }
  const unsigned qm = modulation_order(mod);
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0.0f, 0.1f);
  std::vector<uint8_t> bits(kSlotRes * qm);
  for (auto& b : bits) b = rng() & 1u;
  std::vector<cf_t> sym(kSlotRes);
  (void)modulate(sym, bits, mod);
  for (auto& s : sym) s += cf_t(g(rng), g(rng));
  std::vector<float> nv(kSlotRes, 0.02f);
  std::vector<int8_t> llr(bits.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(demapper->demap(llr, sym, nv, mod, 2.0f));
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(modulation_name(mod)) + " " + std::string(demapper->implementation()));
  state.counters["Msym/s"] = benchmark::Counter(
      static_cast<double>(kSlotRes) * state.iterations() / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SoftDemapper)
    ->ArgsProduct({{static_cast<int>(Modulation::pi2_bpsk), static_cast<int>(Modulation::qpsk),
                    static_cast<int>(Modulation::qam16), static_cast<int>(Modulation::qam64),
                    static_cast<int>(Modulation::qam256)},
                   {static_cast<int>(SimdLevel::portable), static_cast<int>(SimdLevel::avx2),
                    static_cast<int>(SimdLevel::avx512)}});

}  // namespace
