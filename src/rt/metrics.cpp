#include "airan/rt/metrics.h"

#include <algorithm>
#include <cmath>

namespace airan::rt {

LatencySummary summarize_ns(std::vector<int64_t> values_ns) {
  LatencySummary s;
  s.count = values_ns.size();
  if (values_ns.empty()) return s;
  std::sort(values_ns.begin(), values_ns.end());
  const auto at_us = [&](double q) {
    const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values_ns.size())));
    const size_t i = std::min(values_ns.size() - 1, rank == 0 ? 0 : rank - 1);
    return static_cast<double>(values_ns[i]) / 1e3;
  };
  double sum = 0;
  for (int64_t v : values_ns) sum += static_cast<double>(v);
  s.mean_us = sum / static_cast<double>(values_ns.size()) / 1e3;
  s.p50_us = at_us(0.5);
  s.p99_us = at_us(0.99);
  s.p999_us = at_us(0.999);
  s.max_us = static_cast<double>(values_ns.back()) / 1e3;
  return s;
}

double reclaimed_fraction(double total_core_ns, double ran_busy_ns, double ai_busy_ns) {
  const double left = total_core_ns - ran_busy_ns;
  if (!(left > 0) || !(ai_busy_ns > 0)) return 0.0;
  return std::clamp(ai_busy_ns / left, 0.0, 1.0);
}

RuntimeMetrics::RuntimeMetrics(size_t tick_record_limit) : tick_record_limit_(tick_record_limit) {}

void RuntimeMetrics::begin(Clock::time_point start, unsigned cores) {
  start_ = start;
  end_ = start;
  cores_ = cores;
  // The control tick records while it runs: a vector doubling past a million entries would
  // copy megabytes in one tick and stall reclaims for milliseconds. Reserved address space costs
  // no memory until it is written.
  constexpr size_t kExpected = 1u << 20;
  tasks_.reserve(kExpected);
  slots_.reserve(kExpected / 8);
  ticks_.reserve(std::min(tick_record_limit_, kExpected));
  for (auto* v : {&period_ns_, &work_ns_, &decide_ns_}) v->reserve(kExpected);
  park_ns_.reserve(kExpected / 8);
  reclaim_ns_.reserve(kExpected / 8);
}

int64_t RuntimeMetrics::since_start_ns(Clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t - start_).count();
}

void RuntimeMetrics::add_task(const TaskRecord& r) {
  tasks_.push_back(r);
  ran_busy_ns_ += static_cast<double>(r.actual_ns);
  if (r.missed()) {
    misses_.push_back(
        {r.cell, r.slot, r.task, r.type, r.predicted_ns, r.actual_ns, r.end_ns - r.deadline_ns});
  }
}

void RuntimeMetrics::add_slot(const SlotRecord& r) {
  slots_.push_back(r);
}

void RuntimeMetrics::integrate_allocation(int64_t until_ns) {
  const auto span = static_cast<double>(std::max<int64_t>(until_ns - allocation_since_ns_, 0));
  ran_reserved_ns_ += span * allocation_ran_;
  ai_lent_ns_ += span * allocation_lent_;
  allocation_since_ns_ = std::max(allocation_since_ns_, until_ns);
}

void RuntimeMetrics::add_tick(const TickRecord& r) {
  integrate_allocation(r.t_ns);
  allocation_ran_ = r.shared ? cores_ : std::min(r.ran_cores, cores_);
  allocation_lent_ = r.shared ? cores_ : cores_ - allocation_ran_;
  ++tick_count_;
  if (r.period_ns > 0) period_ns_.push_back(r.period_ns);
  work_ns_.push_back(r.work_ns);
  decide_ns_.push_back(r.decide_ns);
  scheduler_ns_ += static_cast<double>(r.work_ns);
  if (ticks_.size() < tick_record_limit_) ticks_.push_back(r);
}

void RuntimeMetrics::add_park_latency_ns(int64_t ns) {
  park_ns_.push_back(ns);
}

void RuntimeMetrics::add_reclaim_latency_ns(int64_t ns) {
  reclaim_ns_.push_back(ns);
}

void RuntimeMetrics::end(Clock::time_point end, uint64_t ai_busy_ns, uint64_t ai_steps,
                         uint64_t tick_takeovers) {
  end_ = end;
  integrate_allocation(since_start_ns(end));
  ai_busy_ns_ = ai_busy_ns;
  ai_steps_ = ai_steps;
  tick_takeovers_ = tick_takeovers;
}

MetricsSummary RuntimeMetrics::summary() const {
  MetricsSummary s;
  s.slots = slots_.size();
  s.tasks = tasks_.size();
  s.misses = misses_.size();
  for (const DeadlineMiss& m : misses_) ++s.misses_per_type[index_of(m.type)];
  std::vector<int64_t> latency;
  latency.reserve(slots_.size());
  for (const SlotRecord& r : slots_) {
    latency.push_back(r.latency_ns);
    if (r.missed) ++s.missed_slots;
  }
  s.miss_rate = s.slots ? static_cast<double>(s.missed_slots) / static_cast<double>(s.slots) : 0.0;
  s.slot_latency = summarize_ns(std::move(latency));
  s.park_latency = summarize_ns(park_ns_);
  s.reclaim_latency = summarize_ns(reclaim_ns_);
  s.tick_period = summarize_ns(period_ns_);
  if (period_ns_.size() > 1) {
    const double mean = s.tick_period.mean_us * 1e3;
    double var = 0;
    for (int64_t p : period_ns_)
      var += (static_cast<double>(p) - mean) * (static_cast<double>(p) - mean);
    s.period_jitter_us = std::sqrt(var / static_cast<double>(period_ns_.size())) / 1e3;
  }
  s.tick_work = summarize_ns(work_ns_);
  s.decide_cost = summarize_ns(decide_ns_);
  const double wall_ns = static_cast<double>(since_start_ns(end_));
  s.wall_s = wall_ns / 1e9;
  s.total_core_ns = wall_ns * cores_;
  s.ran_busy_ns = ran_busy_ns_;
  s.ai_busy_ns = static_cast<double>(ai_busy_ns_);
  s.scheduler_ns = scheduler_ns_;
  s.ran_reserved_ns = ran_reserved_ns_;
  s.ai_lent_ns = ai_lent_ns_;
  s.idle_ns = std::max(0.0, s.total_core_ns - s.ran_busy_ns - s.ai_busy_ns - s.scheduler_ns);
  s.reclaimed_fraction = reclaimed_fraction(s.total_core_ns, s.ran_busy_ns, s.ai_busy_ns);
  s.ai_steps = ai_steps_;
  s.tick_takeovers = tick_takeovers_;
  size_t under = 0;
  for (const TaskRecord& r : tasks_) under += r.actual_ns > r.predicted_ns ? 1 : 0;
  s.underpredicted_fraction =
      tasks_.empty() ? 0.0 : static_cast<double>(under) / static_cast<double>(tasks_.size());
  return s;
}

}  // namespace airan::rt
