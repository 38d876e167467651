// Shared-compute runtime (src/rt): the cost of one policy decision, the AI park latency with
// pinned workers (request -> acknowledged, while int8 AI steps run on every lent core), and the
// scheduler period this machine sustains while real LDPC slots and AI steps run (mean, jitter =
// standard deviation, p99, max), per requested period. Counters are in µs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "../tests/rt/test_workloads.h"
#include "airan/rt/core_workers.h"
#include "airan/rt/cpu_affinity.h"
#include "airan/rt/metrics.h"
#include "airan/rt/policy.h"
#include "airan/rt/recent_quantile_model.h"
#include "airan/rt/scheduler.h"

namespace {

using airan::rt::Clock;
using std::chrono::microseconds;

std::unique_ptr<airan::rt::Policy> policy_by_index(int64_t i) {
  switch (i) {
    case 0:
      return airan::rt::make_ran_only_policy();
    case 1:
      return airan::rt::make_static_policy(1);
    case 2:
      return airan::rt::make_shared_naive_policy();
    case 3:
      return airan::rt::make_reactive_policy();
    default:
      return airan::rt::make_predictive_policy();
  }
}

void put_latency(benchmark::State& state, const char* prefix, const airan::rt::LatencySummary& s) {
  const std::string p(prefix);
  state.counters[p + "_p50_us"] = s.p50_us;
  state.counters[p + "_p99_us"] = s.p99_us;
  state.counters[p + "_p999_us"] = s.p999_us;
  state.counters[p + "_max_us"] = s.max_us;
}

// decide() on a state with range(1) in-flight deadlines (range(0) selects the policy).
void BM_Decide(benchmark::State& state) {
  auto policy = policy_by_index(state.range(0));
  airan::rt::SchedulerState s;
  s.now = Clock::now();
  s.cores = 16;
  s.ready_tasks = 12;
  s.running_tasks = 4;
  std::vector<airan::rt::DeadlineDemand> demand;
  for (int64_t i = 0; i < state.range(1); ++i) {
    demand.push_back({s.now + microseconds(300 + 500 * i), 200'000 + 1000 * i});
  }
  s.demand = demand;
  for (auto _ : state) {
    benchmark::DoNotOptimize(policy->decide(s));
    ++s.tick;
  }
  state.SetLabel(std::string(policy->name()));
}
BENCHMARK(BM_Decide)->ArgsProduct({{0, 1, 2, 3, 4}, {1, 8}});

// Park latency with pinned workers: every core lent, AI steps running; one iteration reclaims
// every core and times each core's park; then lends them again after a pause.
void BM_ParkLatencyPinned(benchmark::State& state) {
  std::vector<int> cpus = airan::rt::allowed_cpus();
  airan::rt::testing::TestDotProductAiWorkload ai(static_cast<unsigned>(cpus.size()), 32,
                                                  static_cast<size_t>(state.range(0)));
  airan::rt::EdfQueue queue;
  airan::rt::CoreWorkers workers({cpus, true, microseconds(20)}, queue, &ai);
  workers.start();
  std::vector<unsigned> parked;
  std::vector<int64_t> latency_ns;
  std::mt19937 rng(5);
  for (auto _ : state) {
    state.PauseTiming();
    parked.clear();
    workers.apply({0, false}, parked);
    std::this_thread::sleep_for(microseconds(200 + rng() % 300));
    state.ResumeTiming();
    parked.clear();
    const Clock::time_point t0 = Clock::now();
    workers.apply({workers.cores(), false}, parked);
    std::vector<bool> seen(parked.size(), false);
    for (size_t left = parked.size(); left > 0;) {
      for (size_t i = 0; i < parked.size(); ++i) {
        if (!seen[i] && ai.parked(parked[i])) {
          seen[i] = true;
          --left;
          latency_ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
        }
      }
      airan::rt::cpu_relax();
    }
  }
  workers.stop();
  put_latency(state, "park", airan::rt::summarize_ns(latency_ns));
  state.counters["pinned"] = workers.pinned(0) ? 1 : 0;
  state.SetLabel("rows/piece " + std::to_string(state.range(0)));
}
BENCHMARK(BM_ParkLatencyPinned)->Arg(16)->Arg(64)->Iterations(2000)->UseRealTime();

// The scheduler loop for one second of 0.5 ms slots (demap -> 4 LDPC decodes of Z = 128 -> CRC,
// deadline 1.5 ms after release) with the predictive policy and AI steps on lent cores, at a
// requested period of range(0) µs (the RAN workers run the ticks: see CoreWorkers).
void BM_SchedulerPeriod(benchmark::State& state) {
  for (auto _ : state) {
    auto model = airan::rt::RecentQuantileModel::create({});
    airan::rt::SchedulerConfig config;
    config.cpus = airan::rt::allowed_cpus();
    config.period = microseconds(state.range(0));
    airan::rt::testing::TestDotProductAiWorkload ai(static_cast<unsigned>(config.cpus.size()), 32,
                                                    16);
    auto scheduler =
        airan::rt::Scheduler::create(config, airan::rt::make_predictive_policy(), *model, &ai);
    if (!scheduler) {
      state.SkipWithError(scheduler.error().message.c_str());
      return;
    }
    const airan::rt::testing::TestLdpcSlotFactory factory(4, 128, 3.0);
    (*scheduler)->start();
    const Clock::time_point t0 = Clock::now() + microseconds(500);
    constexpr unsigned kSlots = 2000;
    std::vector<std::shared_ptr<airan::rt::testing::TestLdpcSlotResult>> results;
    for (unsigned k = 0; k < kSlots; ++k) {
      const Clock::time_point release = t0 + microseconds(500) * k;
      // Hand each slot over shortly before its release, as a cell front end would.
      std::this_thread::sleep_until(release - microseconds(100));
      results.push_back(std::make_shared<airan::rt::testing::TestLdpcSlotResult>());
      (*scheduler)
          ->submit(factory.make_slot(0, k, release, release + microseconds(1500), results.back()));
    }
    (*scheduler)->wait_idle(std::chrono::seconds(30));
    (*scheduler)->stop();
    const airan::rt::MetricsSummary s = (*scheduler)->metrics().summary();
    state.counters["period_mean_us"] = s.tick_period.mean_us;
    state.counters["period_jitter_us"] = s.period_jitter_us;
    state.counters["period_p99_us"] = s.tick_period.p99_us;
    state.counters["period_max_us"] = s.tick_period.max_us;
    state.counters["tick_work_p50_us"] = s.tick_work.p50_us;
    state.counters["tick_work_p99_us"] = s.tick_work.p99_us;
    state.counters["decide_p50_us"] = s.decide_cost.p50_us;
    put_latency(state, "park", s.park_latency);
    state.counters["slot_p99_us"] = s.slot_latency.p99_us;
    state.counters["miss_rate"] = s.miss_rate;
    state.counters["reclaimed"] = s.reclaimed_fraction;
    state.counters["sched_overhead"] = s.scheduler_ns / s.total_core_ns;
  }
}
BENCHMARK(BM_SchedulerPeriod)
    ->Arg(20)
    ->Arg(50)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
