// `airan bench llm-park`: how fast the LLM step executor gives a core back. An engine thread runs
// steps of int8 matrix-vector pieces (rows of 2048 columns, TinyLlama's n_embd) back to back; a
// controller thread, standing in for the RAN scheduler, parks one worker at random moments,
// measures request -> acknowledged parked (the worker's own timestamp), holds it parked a while
// and resumes it. With more threads than CPUs the workers share CPUs and wait for each other's
// time slices: the rows where workers + 1 <= CPUs are the RAN's case (one worker per lent core,
// the engine thread on one of them). Also measures
// the fixed cost of one parallel_for against a plain serial loop over the same pieces.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "airan/llm/executor.h"
#include "airan/rt/wake_signal.h"
#include "cli/commands.h"

namespace airan::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kCols = 2048;
constexpr size_t kPiecesPerStep = 32;

int64_t ns_since_epoch(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

double us_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

/// y[r] = dot(w row r, x) for rows [begin, end): the shape of one piece of a quantised matmul.
void dot_rows(const int8_t* w, const int8_t* x, int32_t* y, size_t begin, size_t end) {
  for (size_t r = begin; r < end; ++r) {
    const int8_t* row = w + r * kCols;
    int32_t acc = 0;
    for (size_t c = 0; c < kCols; ++c) acc += int32_t{row[c]} * int32_t{x[c]};
    y[r] = acc;
  }
}

struct Options {
  std::vector<unsigned> rows_per_piece = {16, 64, 256};
  std::vector<unsigned> threads = {1, 2};
  double seconds = 2.0;
  bool json = false;
};

struct Percentiles {
  size_t samples = 0;
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.samples = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = v.back();
  return p;
}

struct ParkRun {
  double piece_us = 0;  // mean duration of one piece, measured serially
  Percentiles park;
  uint64_t steps = 0;
};

ParkRun measure_park(unsigned workers, unsigned rows_per_piece, double seconds) {
  const size_t rows = size_t{rows_per_piece} * kPiecesPerStep;
  std::vector<int8_t> w(rows * kCols), x(kCols);
  std::mt19937 rng(1);
  for (auto& v : w) v = static_cast<int8_t>(rng());
  for (auto& v : x) v = static_cast<int8_t>(rng());
  std::vector<int32_t> y(rows);

  ParkRun run;
  {
    const auto t0 = Clock::now();
    int reps = 0;
    do {
      dot_rows(w.data(), x.data(), y.data(), 0, rows);
      ++reps;
    } while (us_between(t0, Clock::now()) < 2e5);
    run.piece_us = us_between(t0, Clock::now()) / (reps * double(kPiecesPerStep));
  }

  llm::StepExecutor ex(workers);
  const std::function<void(size_t)> piece = [&](size_t p) {
    dot_rows(w.data(), x.data(), y.data(), p * rows_per_piece, (p + 1) * rows_per_piece);
  };
  std::atomic<bool> stop{false};
  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(seconds * 1e4));
  // The controller stands in for a RAN worker: it asks for the park and then blocks until the
  // parked worker wakes it (the executor's park hook), so that it takes no CPU from the workers.
  // The latency is the worker's own acknowledgement time minus the request: the controller
  // noticing later (the OS scheduling it) is not part of the park.
  rt::WakeSignal parked_signal;
  ex.set_park_hook([&](unsigned) { parked_signal.notify_all(); });
  std::thread controller([&] {
    std::mt19937 crng(2);
    unsigned next = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(std::chrono::microseconds(100 + crng() % 400));
      const unsigned target = next++ % workers;
      const int64_t requested = ns_since_epoch(Clock::now());
      ex.request_park(target);
      while (true) {
        const uint32_t epoch = parked_signal.epoch();
        if (ex.is_parked(target)) break;
        parked_signal.wait_for(epoch, std::chrono::milliseconds(1));
      }
      latencies.push_back(std::max<int64_t>(ex.parked_at_ns(target) - requested, 0) / 1e3);
      std::this_thread::sleep_for(std::chrono::microseconds(50 + crng() % 150));
      ex.resume(target);
    }
  });
  const auto t_end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < t_end) {
    ex.parallel_for(kPiecesPerStep, piece);
    ++run.steps;
  }
  stop = true;
  controller.join();
  ex.set_park_hook(nullptr);
  run.park = percentiles(std::move(latencies));
  return run;
}

struct Overhead {
  double parallel_for_us = 0;       // workers spinning (back-to-back steps)
  double parallel_for_cold_us = 0;  // workers asleep (step after an idle millisecond)
  double serial_us = 0;             // the same pieces in a plain loop
};

// Per-call time of `kPiecesPerStep` pieces that each add one number: the executor's fixed cost.
Overhead measure_overhead(unsigned workers) {
  std::vector<uint64_t> out(kPiecesPerStep * 8, 0);  // a cache line per piece: no false sharing
  const std::function<void(size_t)> piece = [&](size_t p) { out[p * 8] += p; };
  constexpr int kCalls = 20000;
  Overhead o;
  llm::StepExecutor ex(workers);
  for (int i = 0; i < 1000; ++i) ex.parallel_for(kPiecesPerStep, piece);  // warm up
  auto t0 = Clock::now();
  for (int i = 0; i < kCalls; ++i) ex.parallel_for(kPiecesPerStep, piece);
  o.parallel_for_us = us_between(t0, Clock::now()) / kCalls;

  std::vector<double> cold;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    t0 = Clock::now();
    ex.parallel_for(kPiecesPerStep, piece);
    cold.push_back(us_between(t0, Clock::now()));
  }
  o.parallel_for_cold_us = percentiles(cold).p50;

  t0 = Clock::now();
  for (int i = 0; i < kCalls; ++i) {
    for (size_t p = 0; p < kPiecesPerStep; ++p) piece(p);
  }
  o.serial_us = us_between(t0, Clock::now()) / kCalls;
  return o;
}

int run(const Options& o) {
  nlohmann::json rows = nlohmann::json::array();
  if (!o.json) {
    std::printf(
        "LLM step executor: park latency (request -> parked), %zu pieces/step, int8 rows of %zu\n",
        kPiecesPerStep, kCols);
    std::printf("%7s %8s %7s %8s %8s %8s %8s %8s %8s %9s %9s %9s\n", "threads", "rows/pc", "piece",
                "samples", "p50", "p90", "p99", "p99.9", "max", "pf_hot", "pf_cold", "serial");
    std::printf("%7s %8s %7s %8s %8s %8s %8s %8s %8s %9s %9s %9s\n", "", "", "us", "", "us", "us",
                "us", "us", "us", "us", "us", "us");
  }
  auto r2 = [](double v) { return std::round(v * 100) / 100; };
  for (unsigned threads : o.threads) {
    const Overhead oh = measure_overhead(threads);
    for (unsigned rpp : o.rows_per_piece) {
      const ParkRun r = measure_park(threads, rpp, o.seconds);
      if (o.json) {
        rows.push_back({{"piece_us", r2(r.piece_us)},
                        {"threads", threads},
                        {"samples", r.park.samples},
                        {"park_p50_us", r2(r.park.p50)},
                        {"park_p90_us", r2(r.park.p90)},
                        {"park_p99_us", r2(r.park.p99)},
                        {"park_p999_us", r2(r.park.p999)},
                        {"park_max_us", r2(r.park.max)},
                        {"rows_per_piece", rpp},
                        {"steps", r.steps},
                        {"parallel_for_us", r2(oh.parallel_for_us)},
                        {"parallel_for_cold_us", r2(oh.parallel_for_cold_us)},
                        {"serial_loop_us", r2(oh.serial_us)}});
      } else {
        std::printf("%7u %8u %7.2f %8zu %8.2f %8.2f %8.2f %8.2f %8.1f %9.2f %9.2f %9.3f\n", threads,
                    rpp, r.piece_us, r.park.samples, r.park.p50, r.park.p90, r.park.p99,
                    r.park.p999, r.park.max, oh.parallel_for_us, oh.parallel_for_cold_us,
                    oh.serial_us);
        std::fflush(stdout);
      }
    }
  }
  if (o.json) {
    std::printf("%s\n", rows.dump(2).c_str());
  } else {
    std::printf(
        "threads = executor workers (the engine thread runs pieces too); target p99 <= 50 us\n"
        "where workers + 1 <= CPUs (%u here): more threads than CPUs wait for time slices.\n"
        "pf_hot / pf_cold: one parallel_for of %zu one-add pieces with workers spinning /\n"
        "asleep; serial: the same pieces in a plain loop.\n",
        std::thread::hardware_concurrency(), kPiecesPerStep);
  }
  return 0;
}

}  // namespace

void add_bench_llm_park_command(CLI::App& bench) {
  static Options o;
  auto* cmd = bench.add_subcommand(
      "llm-park", "LLM step executor: park latency (request -> parked) and parallel_for overhead");
  cmd->add_option("--rows-per-piece", o.rows_per_piece, "int8 rows of 2048 per piece (repeatable)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--threads", o.threads, "Executor worker threads (repeatable)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--seconds", o.seconds, "Measuring time per row")->check(CLI::Range(0.05, 600.0));
  cmd->add_flag("--json", o.json,
                "JSON rows: piece_us, threads, samples, park_p50_us, park_p99_us, park_p999_us, "
                "park_max_us (and more)");
  cmd->callback([] { std::exit(run(o)); });
}

}  // namespace airan::cli
