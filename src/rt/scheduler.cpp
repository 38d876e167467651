#include "airan/rt/scheduler.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>

#include "airan/rt/cpu_affinity.h"

namespace airan::rt {
namespace {

using std::chrono::duration_cast;
using std::chrono::nanoseconds;

int64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return duration_cast<nanoseconds>(b - a).count();
}

}  // namespace

Status validate(const SchedulerConfig& config) {
  if (Status s = validate_cpu_list(config.cpus, "cpus"); !s) return s;
  struct DurationField {
    const char* name;
    nanoseconds value, lo, hi;
  };
  const DurationField durations[] = {
      {"period", config.period, std::chrono::microseconds(1), std::chrono::milliseconds(10)},
      {"idle_spin", config.idle_spin, nanoseconds(0), std::chrono::milliseconds(10)},
      {"park_grace", config.park_grace, nanoseconds(0), std::chrono::milliseconds(1)},
      {"idle_wait", config.idle_wait, nanoseconds(0), std::chrono::seconds(1)},
  };
  for (const DurationField& f : durations) {
    if (f.value < f.lo || f.value > f.hi) {
      return Error{std::string(f.name) + ": " + std::to_string(f.value.count()) + " ns not in [" +
                   std::to_string(f.lo.count()) + ", " + std::to_string(f.hi.count()) + "] ns"};
    }
  }
  if (config.queue_capacity < 16) return Error{"queue_capacity: must be >= 16"};
  if (config.max_ai_failures < 1) return Error{"max_ai_failures: must be >= 1"};
  if (config.realtime_priority < 0 || config.realtime_priority > 98) {
    return Error{"realtime_priority: " + std::to_string(config.realtime_priority) +
                 " not in [0, 98] (0: normal scheduling)"};
  }
  return Status::ok();
}

Expected<std::unique_ptr<Scheduler>> Scheduler::create(const SchedulerConfig& config,
                                                       std::unique_ptr<Policy> policy,
                                                       TaskDurationModel& model, AiWorkload* ai) {
  if (Status s = validate(config); !s) return Error{s.message()};
  if (!policy) return Error{"policy: none given; expected one of " + std::string(policy_names())};
  if (ai != nullptr && ai->cores() < config.cpus.size()) {
    return Error{"ai: the AI workload has " + std::to_string(ai->cores()) + " cores; cpus lists " +
                 std::to_string(config.cpus.size())};
  }
  return std::unique_ptr<Scheduler>(new Scheduler(config, std::move(policy), model, ai));
}

Scheduler::Scheduler(const SchedulerConfig& config, std::unique_ptr<Policy> policy,
                     TaskDurationModel& model, AiWorkload* ai)
    : config_(config),
      policy_(std::move(policy)),
      model_(model),
      ai_(ai),
      queue_(config.queue_capacity),
      workers_(CoreWorkersConfig{config.cpus, config.pin, config.idle_spin, config.max_ai_failures,
                                 RealtimePriorities::from_base(config.realtime_priority).ran_worker,
                                 config.park_grace,
                                 [this](Clock::time_point now) { return control_tick(now); }},
               queue_, ai),
      metrics_(config.tick_record_limit) {
  completed_tasks_.reserve(1024);
  running_.reserve(config.cpus.size());
  demand_.reserve(256);
  upcoming_.reserve(256);
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  if (running_loop_.exchange(true)) return;
  const Clock::time_point now = Clock::now();
  metrics_.begin(now, workers_.cores());
  start_ns_ = to_ns(now);
  if (ai_ != nullptr) {
    ai_busy_at_start_ = ai_->busy_ns();
    ai_steps_at_start_ = ai_->steps();
  }
  next_tick_ = now;
  workers_.start();
  workers_.request_tick();
}

void Scheduler::submit(std::unique_ptr<SlotTaskGraph> slot) {
  if (!slot) return;
  submitted_.fetch_add(1, std::memory_order_acq_rel);
  {
    std::lock_guard<SpinLock> guard(inbox_lock_);
    inbox_.push_back(std::move(slot));
  }
  if (quiet_.load(std::memory_order_seq_cst)) workers_.request_tick();
  workers_.take_over_stalled_ticks();
}

bool Scheduler::wait_idle(nanoseconds timeout) {
  const Clock::time_point until = Clock::now() + timeout;
  while (completed_.load(std::memory_order_acquire) != submitted_.load(std::memory_order_acquire)) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

void Scheduler::stop() {
  if (stopped_.exchange(true)) return;
  const bool was_running = running_loop_.exchange(false);
  if (was_running) {
    workers_.stop_ticks();
    // Take every core back from AI before the workers go, so the AI side is left parked.
    park_requests_.clear();
    workers_.apply({workers_.cores(), false}, park_requests_);
    workers_.stop();
    collect_completed();
  }
  {
    std::lock_guard<SpinLock> guard(inbox_lock_);
    abandoned_slots_ = in_flight_.size() + inbox_.size();
  }
  if (!was_running) metrics_.begin(Clock::now(), workers_.cores());
  const uint64_t ai_busy = ai_ != nullptr ? ai_->busy_ns() - ai_busy_at_start_ : 0;
  const uint64_t ai_steps = ai_ != nullptr ? ai_->steps() - ai_steps_at_start_ : 0;
  metrics_.end(Clock::now(), ai_busy, ai_steps, workers_.tick_takeovers());
}

bool Scheduler::realtime() const {
  for (unsigned c = 0; c < workers_.cores(); ++c) {
    if (workers_.realtime(c)) return true;
  }
  return false;
}

bool Scheduler::pinned() const {
  for (unsigned c = 0; c < workers_.cores(); ++c) {
    if (!workers_.pinned(c)) return false;
  }
  return true;
}

LiveCounters Scheduler::live() const {
  LiveCounters l;
  l.slots_done = completed_.load(std::memory_order_relaxed);
  l.misses = live_misses_.load(std::memory_order_relaxed);
  l.ticks = live_ticks_.load(std::memory_order_relaxed);
  l.ran_cores = live_ran_cores_.load(std::memory_order_relaxed);
  l.lent_cores = live_lent_cores_.load(std::memory_order_relaxed);
  l.ran_core_ticks = live_ran_core_ticks_.load(std::memory_order_relaxed);
  l.lent_core_ticks = live_lent_core_ticks_.load(std::memory_order_relaxed);
  l.ran_busy_ns = live_ran_busy_ns_.load(std::memory_order_relaxed);
  l.ai_failures = workers_.ai_failures();
  l.ai_stopped = workers_.ai_stopped();
  l.tick_takeovers = workers_.tick_takeovers();
  return l;
}

Clock::time_point Scheduler::control_tick(Clock::time_point now) {
  if (!running_loop_.load(std::memory_order_acquire)) return now + config_.idle_wait;
  if (quiet_.exchange(false, std::memory_order_seq_cst)) next_tick_ = now;  // the schedule restarts
  if (tick_hook_) tick_hook_(now);
  const CoreAllocation before = workers_.allocation();
  tick(now);
  settled_ticks_ = workers_.allocation() == before ? settled_ticks_ + 1 : 0;
  // Nothing released (slots in flight wait for their samples) and no park to time: until the
  // next release nothing can change but a submission, so the loop is quiet until one (or
  // idle_wait), waking a period before the policy's lead time ahead of the next release (admitted
  // or forecast). Every tick on a lent core costs the AI a timer wake-up. A policy that still
  // holds RAN cores may be waiting for time to pass before it lends them (hysteresis): it gets a
  // few more ticks, and all it waits for.
  const bool settled = workers_.allocation().ran_cores == 0 ||
                       (settled_ticks_ >= kSettleTicks && !policy_->waits_to_lend());
  const bool nothing_released =
      demand_.empty() && state_.ready_tasks == 0 && state_.running_tasks == 0;
  const bool quiet = nothing_released && pending_parks_.empty() && settled && tick_count_ > 1;
  if (quiet && config_.idle_wait.count() > 0) {
    nanoseconds wait = config_.idle_wait;
    if (!upcoming_.empty()) {
      wait = std::clamp(duration_cast<nanoseconds>(upcoming_.front().release - now) -
                            policy_->lead_time() - config_.period,
                        nanoseconds(0), wait);
    }
    if (wait.count() > 0) {
      // A slot submitted before submit() could see the flag is found here (both seq_cst).
      quiet_.store(true, std::memory_order_seq_cst);
      std::lock_guard<SpinLock> guard(inbox_lock_);
      if (inbox_.empty()) {
        first_tick_ = true;  // the quiet gap is not a tick period
        return now + wait;
      }
      quiet_.store(false, std::memory_order_seq_cst);
    }
  }
  next_tick_ += config_.period;
  // A tick late by a period or more (every serving core ran a long task): restart from it.
  if (next_tick_ <= now) next_tick_ = now + config_.period;
  return next_tick_;
}

// One tick: measure -> predict -> decide -> act -> record.
void Scheduler::tick(Clock::time_point now) {
  const Measurement m = measure(now);
  const int64_t remaining_ns = predict_demand(now);

  state_.now = now;
  state_.tick = tick_count_;
  state_.cores = workers_.cores();
  state_.ran_cores = workers_.allocation().ran_cores;
  state_.prev_ready_tasks = last_ready_;
  state_.ready_tasks = m.ready_tasks;
  state_.running_tasks = m.running_tasks;
  state_.waiting_tasks = m.waiting_tasks;
  state_.remaining_ns = remaining_ns;
  state_.demand = demand_;
  state_.upcoming = upcoming_;
  const Clock::time_point decide_start = Clock::now();
  CoreAllocation allocation = policy_->decide(state_);
  const Clock::time_point decide_end = Clock::now();
  // A stalled keeper's core serves nobody: the RAN gets the next core as well until it is back.
  if (workers_.keeper_stalled() && !allocation.shared && allocation.ran_cores > 0) {
    ++allocation.ran_cores;
  }
  allocation.ran_cores = std::min(allocation.ran_cores, workers_.cores());

  act(allocation);

  TickRecord record;
  record.t_ns = metrics_.since_start_ns(now);
  record.period_ns = first_tick_ ? 0 : ns_between(last_tick_, now);
  record.decide_ns = ns_between(decide_start, decide_end);
  record.ran_cores = workers_.allocation().ran_cores;
  record.shared = workers_.allocation().shared;
  record.ready_tasks = static_cast<uint32_t>(m.ready_tasks);
  record.running_tasks = static_cast<uint32_t>(m.running_tasks);
  record.remaining_ns = remaining_ns;
  record.work_ns = ns_between(now, Clock::now());
  metrics_.add_tick(record);

  first_tick_ = false;
  last_tick_ = now;
  last_ready_ = m.ready_tasks;
  ++tick_count_;
  live_ticks_.store(tick_count_, std::memory_order_relaxed);
  unsigned lent = 0;
  for (unsigned c = 0; c < workers_.cores(); ++c) lent += workers_.lent(c) ? 1 : 0;
  const unsigned ran = record.shared ? workers_.cores() : record.ran_cores;
  live_ran_cores_.store(ran, std::memory_order_relaxed);
  live_lent_cores_.store(lent, std::memory_order_relaxed);
  live_ran_core_ticks_.fetch_add(ran, std::memory_order_relaxed);
  live_lent_core_ticks_.fetch_add(lent, std::memory_order_relaxed);
}

Scheduler::Measurement Scheduler::measure(Clock::time_point now) {
  admit(now);
  collect_completed();
  Measurement m;
  m.ready_tasks = queue_.release_due(now);
  m.running_tasks = workers_.running_count();
  size_t outstanding = 0;
  for (const InFlight& f : in_flight_) outstanding += f.graph->remaining();
  const size_t active = m.ready_tasks + m.running_tasks;
  m.waiting_tasks = outstanding > active ? outstanding - active : 0;
  return m;
}

// Admits submitted slots: predicts every task's duration, then releases the tasks that wait for
// no other (the queue holds them until their release time).
void Scheduler::admit(Clock::time_point /*now*/) {
  {
    std::lock_guard<SpinLock> guard(inbox_lock_);
    admitting_.swap(inbox_);
  }
  for (auto& graph : admitting_) {
    for (uint32_t i = 0; i < graph->size(); ++i) {
      RanTask& t = graph->task(i);
      t.predicted_ns = std::max<int64_t>(model_.predict_ns(t), 0);
    }
    graph->arm();
    const Clock::time_point deadline = graph->deadline();
    load_forecast_.observe(graph->cell(), graph->release(), deadline,
                           graph->remaining_predicted_ns());
    SlotTaskGraph* g = graph.get();
    const auto at =
        std::upper_bound(in_flight_.begin(), in_flight_.end(), deadline,
                         [](Clock::time_point d, const InFlight& f) { return d < f.deadline; });
    in_flight_.insert(at, InFlight{std::move(graph), deadline});
    if (g->size() == 0) continue;  // done at once; retired by collect_completed
    for (uint32_t i = 0; i < g->size(); ++i) {
      if (g->task(i).n_predecessors == 0) queue_.push(&g->task(i));
    }
  }
  admitting_.clear();
}

// Moves completed-task records into the metrics and the duration model, and retires done slots.
void Scheduler::collect_completed() {
  // Only slots seen done before the drain are retired: their records are all in this drain.
  done_.clear();
  for (const InFlight& f : in_flight_) {
    if (f.graph->done()) done_.push_back(f.graph.get());
  }
  completed_tasks_.clear();
  workers_.drain_completed(completed_tasks_);
  for (CompletedTask& c : completed_tasks_) {
    TaskRecord& r = c.record;
    r.release_ns -= start_ns_;
    r.start_ns -= start_ns_;
    r.end_ns -= start_ns_;
    r.deadline_ns -= start_ns_;
    model_.observe(r.type, c.features, r.actual_ns);
    metrics_.add_task(r);
    live_ran_busy_ns_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(r.actual_ns, 0)),
                                std::memory_order_relaxed);
    if (r.missed()) {
      c.graph->mark_missed();
      live_misses_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (done_.empty()) return;
  std::erase_if(in_flight_, [&](const InFlight& f) {
    if (std::find(done_.begin(), done_.end(), f.graph.get()) == done_.end()) return false;
    const SlotTaskGraph& g = *f.graph;
    metrics_.add_slot({g.cell(), g.slot(), ns_between(g.release(), g.finish_time()), g.missed()});
    completed_.fetch_add(1, std::memory_order_acq_rel);
    return true;
  });
}

// The RAN work still to do per deadline: Σ predicted durations of the slot's unfinished tasks,
// less the time its running tasks have already run (at most their prediction). Only released
// slots count: work that cannot start yet needs no core yet.
int64_t Scheduler::predict_demand(Clock::time_point now) {
  running_.clear();
  workers_.running(running_);
  demand_.clear();
  upcoming_.clear();
  const int64_t now_ns = to_ns(now);
  int64_t total = 0;
  for (const InFlight& f : in_flight_) {
    const SlotTaskGraph& g = *f.graph;
    if (g.done()) continue;
    if (g.release() > now) {
      upcoming_.push_back({f.deadline, g.remaining_predicted_ns(), g.release()});
      continue;
    }
    int64_t remaining = g.remaining_predicted_ns();
    for (const RunningTask& r : running_) {
      if (r.graph == &g) remaining -= std::clamp<int64_t>(now_ns - r.start_ns, 0, r.predicted_ns);
    }
    remaining = std::max<int64_t>(remaining, 0);
    demand_.push_back({f.deadline, remaining, g.release()});
    total += remaining;
  }
  // The next slot of each cell, forecast from the slots admitted so far.
  for (uint32_t cell = 0; cell < load_forecast_.cells(); ++cell) {
    if (const auto next = load_forecast_.next(cell)) upcoming_.push_back(*next);
  }
  std::sort(upcoming_.begin(), upcoming_.end(),
            [](const DeadlineDemand& a, const DeadlineDemand& b) { return a.release < b.release; });
  return total;
}

void Scheduler::act(const CoreAllocation& allocation) {
  park_requests_.clear();
  const Clock::time_point requested = Clock::now();
  workers_.apply(allocation, park_requests_);
  // A core lent again before its park was acknowledged has nothing left to time.
  std::erase_if(pending_parks_, [&](const PendingPark& p) { return workers_.lent(p.core); });
  for (unsigned c : park_requests_) pending_parks_.push_back({c, requested});
  if (state_.ready_tasks > 0) workers_.wake_ran_workers();
  time_parks();
}

// Times pending parks from the moments the RAN worker and the AI worker recorded themselves; the
// scheduler never waits for them (at a real-time priority, a wait would hold the very CPU the AI
// worker needs to acknowledge). A workload that records no park time is timed when seen parked.
void Scheduler::time_parks() {
  if (ai_ == nullptr) {
    pending_parks_.clear();
    return;
  }
  const Clock::time_point now = Clock::now();
  std::erase_if(pending_parks_, [&](PendingPark& p) {
    const int64_t requested = to_ns(p.requested);
    if (!p.reclaimed && workers_.serving_since_ns(p.core) >= requested) {
      p.reclaimed = true;
      metrics_.add_reclaim_latency_ns(workers_.serving_since_ns(p.core) - requested);
    }
    if (!p.acknowledged && ai_->parked(p.core)) {
      p.acknowledged = true;
      const int64_t at = ai_->parked_at_ns(p.core);
      // A worker that was outside a piece counts as parked the moment it was asked.
      metrics_.add_park_latency_ns(at > 0 ? std::max<int64_t>(at - requested, 0)
                                          : ns_between(p.requested, now));
    }
    return p.reclaimed && p.acknowledged;
  });
}

}  // namespace airan::rt
