// LLM step executor (src/llm/executor.cpp): the fixed cost of one parallel_for against a serial
// loop over the same pieces, a step of realistic pieces (64 int8 rows of 2048 per piece), and the
// park latency (request -> acknowledged parked) while such steps run back to back. Park latency is
// reported as counters p50_us / p90_us / p99_us / p999_us / max_us (target p99 <= 50 us).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "airan/llm/executor.h"

namespace {

using Clock = std::chrono::steady_clock;
using airan::llm::StepExecutor;

constexpr size_t kCols = 2048;
constexpr size_t kPieces = 32;
constexpr size_t kRowsPerPiece = 64;

struct DotProblem {
  std::vector<int8_t> w, x;
  std::vector<int32_t> y;
  explicit DotProblem(size_t rows) : w(rows * kCols), x(kCols), y(rows) {
    std::mt19937 rng(1);
    for (auto& v : w) v = static_cast<int8_t>(rng());
    for (auto& v : x) v = static_cast<int8_t>(rng());
  }
  void rows(size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const int8_t* row = w.data() + r * kCols;
      int32_t acc = 0;
      for (size_t c = 0; c < kCols; ++c) acc += int32_t{row[c]} * int32_t{x[c]};
      y[r] = acc;
    }
  }
};

// Baseline: kPieces trivial pieces in a plain loop.
void BM_SerialLoopTrivial(benchmark::State& state) {
  std::vector<uint64_t> out(kPieces * 8, 0);
  const std::function<void(size_t)> piece = [&](size_t p) { out[p * 8] += p; };
  for (auto _ : state) {
    for (size_t p = 0; p < kPieces; ++p) piece(p);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_SerialLoopTrivial);

// The same pieces through parallel_for with range(0) workers spinning between steps.
void BM_ParallelForTrivial(benchmark::State& state) {
  StepExecutor ex(static_cast<unsigned>(state.range(0)));
  std::vector<uint64_t> out(kPieces * 8, 0);
  const std::function<void(size_t)> piece = [&](size_t p) { out[p * 8] += p; };
  for (auto _ : state) {
    ex.parallel_for(kPieces, piece);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ParallelForTrivial)->Arg(0)->Arg(1)->Arg(2)->UseRealTime();

// One matmul-shaped step: kPieces pieces of 64 rows x 2048 int8.
void BM_DotStep(benchmark::State& state) {
  StepExecutor ex(static_cast<unsigned>(state.range(0)));
  DotProblem prob(kPieces * kRowsPerPiece);
  const std::function<void(size_t)> piece = [&](size_t p) {
    prob.rows(p * kRowsPerPiece, (p + 1) * kRowsPerPiece);
  };
  for (auto _ : state) {
    ex.parallel_for(kPieces, piece);
    benchmark::DoNotOptimize(prob.y.data());
  }
  state.counters["piece_us"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kPieces),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DotStep)->Arg(0)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Park latency: the engine thread runs dot steps back to back; this thread parks one worker at a
// random moment, times request -> is_parked, holds it, resumes it. One iteration = one park.
void BM_ParkLatency(benchmark::State& state) {
  const auto workers = static_cast<unsigned>(state.range(0));
  StepExecutor ex(workers);
  DotProblem prob(kPieces * kRowsPerPiece);
  const std::function<void(size_t)> piece = [&](size_t p) {
    prob.rows(p * kRowsPerPiece, (p + 1) * kRowsPerPiece);
  };
  std::atomic<bool> stop{false};
  std::thread engine([&] {
    while (!stop.load(std::memory_order_relaxed)) ex.parallel_for(kPieces, piece);
  });
  std::mt19937 rng(3);
  std::vector<double> us;
  unsigned next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::this_thread::sleep_for(std::chrono::microseconds(100 + rng() % 400));
    const unsigned w = next++ % workers;
    state.ResumeTiming();
    const auto t0 = Clock::now();
    ex.request_park(w);
    for (unsigned i = 1; !ex.is_parked(w); ++i) {
      if (i % 64 == 0) std::this_thread::yield();
    }
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    state.PauseTiming();
    std::this_thread::sleep_for(std::chrono::microseconds(50 + rng() % 150));
    ex.resume(w);
    state.ResumeTiming();
  }
  stop = true;
  engine.join();
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))];
  };
  state.counters["p50_us"] = at(0.5);
  state.counters["p90_us"] = at(0.9);
  state.counters["p99_us"] = at(0.99);
  state.counters["p999_us"] = at(0.999);
  state.counters["max_us"] = us.back();
}
BENCHMARK(BM_ParkLatency)->Arg(1)->Arg(2)->Iterations(4000)->UseRealTime();

}  // namespace
