#include "airan/rt/core_workers.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <mutex>

#include "airan/rt/cpu_affinity.h"

namespace airan::rt {

CoreWorkers::CoreWorkers(const CoreWorkersConfig& config, EdfQueue& queue, AiWorkload* ai)
    : config_(config),
      queue_(queue),
      ai_(ai),
      lent_(config.cpus.size(), false),
      ai_worker_runs_(config.cpus.size(), false) {
  for (size_t c = 0; c < config_.cpus.size(); ++c) {
    auto w = std::make_unique<Worker>();
    w->core = static_cast<unsigned>(c);
    w->cpu = config_.cpus[c];
    w->completed.reserve(1024);
    workers_.push_back(std::move(w));
  }
}

CoreWorkers::~CoreWorkers() {
  stop();
}

void CoreWorkers::start() {
  if (started_) return;
  started_ = true;
  stop_.store(false);
  for (auto& w : workers_) {
    Worker* wp = w.get();
    w->thread = std::thread([this, wp] { ran_worker_main(*wp); });
  }
  if (ai_ != nullptr) {
    // A parked AI worker wakes its core's RAN worker itself, from that core's CPU.
    ai_->set_park_listener([this](unsigned c) {
      if (c < workers_.size() && workers_[c]->serving.load(std::memory_order_acquire)) {
        workers_[c]->wake.notify_all();
      }
    });
    // The AI threads on lent cores run anyway: they watch for a stalled keeper between pieces.
    ai_->set_watchdog([this] { take_over_stalled_ticks(); });
    ai_driver_ = std::thread([this] { ai_driver_main(); });
  }
}

void CoreWorkers::stop() {
  if (!started_) return;
  stop_.store(true, std::memory_order_seq_cst);
  if (ai_ != nullptr) ai_->set_park_listener(nullptr);
  for (auto& w : workers_) w->wake.notify_all();
  ai_wake_.notify_all();
  for (auto& w : workers_) w->thread.join();
  if (ai_driver_.joinable()) ai_driver_.join();
  if (ai_ != nullptr) ai_->set_watchdog(nullptr);
  started_ = false;
}

bool CoreWorkers::lent(unsigned c) const {
  return c < lent_.size() && lent_[c];
}

void CoreWorkers::apply(const CoreAllocation& allocation, std::vector<unsigned>& parked) {
  const unsigned n = cores();
  const unsigned ran_cores = std::min(allocation.ran_cores, n);
  const auto serves_ran = [&](unsigned c) { return allocation.shared || c < ran_cores; };
  const auto runs_ai = [&](unsigned c) {
    return ai_ != nullptr && c < ai_->cores() && (allocation.shared || c >= ran_cores);
  };
  shared_.store(allocation.shared, std::memory_order_release);
  bool lent_set_changed = false;
  // Reclaim first: the RAN worker may serve, then the AI worker is asked to park (once parked it
  // wakes the RAN worker itself; the notify below is for an AI worker that was not running).
  for (unsigned c = 0; c < n; ++c) {
    if (runs_ai(c) || !lent_[c]) continue;
    Worker& w = *workers_[c];
    w.reclaims.fetch_add(1, std::memory_order_release);
    w.serving.store(true, std::memory_order_release);
    ai_->park_core(c);
    w.wake.notify_all();
    parked.push_back(c);
    lent_[c] = false;
    ai_worker_runs_[c] = false;
    lent_set_changed = true;
  }
  for (unsigned c = 0; c < n; ++c) {
    Worker& w = *workers_[c];
    const bool serve = serves_ran(c);
    if (w.serving.exchange(serve, std::memory_order_acq_rel) != serve) w.wake.notify_all();
  }
  // Then lend: the RAN worker has stopped taking tasks, the AI worker may run. The AI driver runs
  // pieces itself, so it takes one lent core, the last (reclaimed last), whose worker stays parked:
  // two AI threads on one CPU would spin away each other's time slices waiting for pieces.
  int driver_core = -1;
  for (unsigned c = 0; c < n && !allocation.shared; ++c) {
    if (runs_ai(c)) driver_core = static_cast<int>(c);
  }
  for (unsigned c = 0; c < n; ++c) {
    if (!runs_ai(c)) continue;
    const bool worker_runs = static_cast<int>(c) != driver_core;
    if (worker_runs && (!lent_[c] || !ai_worker_runs_[c])) ai_->resume_core(c);
    if (!worker_runs && lent_[c] && ai_worker_runs_[c]) ai_->park_core(c);
    ai_worker_runs_[c] = worker_runs;
    lent_set_changed |= !lent_[c];
    lent_[c] = true;
  }
  if (driver_core != driver_core_) {
    driver_core_ = driver_core;
    lent_set_changed = true;
  }
  const auto lent_now = static_cast<unsigned>(std::count(lent_.begin(), lent_.end(), true));
  // While the cores are split every AI thread runs in the background (SCHED_IDLE): a RAN worker
  // preempts it the moment it wakes even at normal priority (no real-time priority granted), and
  // the driver, which may still finish a step on a reclaimed core, yields there. Shared mode keeps
  // them at normal priority: there the OS decides between equals, by design.
  const bool background = !allocation.shared;
  if (background != ai_background_ || !ai_priority_set_) set_ai_priority(background);
  const unsigned lent_before = lent_count_.exchange(lent_now, std::memory_order_acq_rel);
  if (lent_set_changed) keep_driver_on_lent_cores();
  if (lent_before == 0 && lent_now > 0) ai_wake_.notify_all();
  current_ = {ran_cores, allocation.shared};
}

void CoreWorkers::set_ai_priority(bool background) {
  if (ai_ == nullptr) return;
  ai_priority_set_ = true;
  ai_background_ = background;
  ai_->set_background(background);
  if (!ai_driver_.joinable()) return;
#ifdef __linux__
  sched_param param{};
  param.sched_priority = 0;
  pthread_setschedparam(ai_driver_.native_handle(), background ? SCHED_IDLE : SCHED_OTHER, &param);
#endif
}

void CoreWorkers::keep_driver_on_lent_cores() {
  if (!config_.pin || !ai_driver_.joinable()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  bool any = false;
  for (unsigned c = 0; c < cores(); ++c) {
    // Exclusive mode: the driver's own core; shared mode: every core.
    const bool drives = driver_core_ >= 0 ? static_cast<int>(c) == driver_core_ : lent_[c];
    if (drives && workers_[c]->cpu >= 0 && workers_[c]->cpu < CPU_SETSIZE) {
      CPU_SET(workers_[c]->cpu, &set);
      any = true;
    }
  }
  // With no core lent the driver finishes its step where it is and then blocks.
  if (any) pthread_setaffinity_np(ai_driver_.native_handle(), sizeof(set), &set);
}

void CoreWorkers::wake_ran_workers() {
  for (auto& w : workers_) {
    if (w->wake.sleepers() != 0 && w->serving.load(std::memory_order_relaxed)) w->wake.notify_all();
  }
}

void CoreWorkers::drain_completed(std::vector<CompletedTask>& out) {
  for (auto& w : workers_) {
    std::lock_guard<SpinLock> guard(w->completed_lock);
    out.insert(out.end(), w->completed.begin(), w->completed.end());
    w->completed.clear();
  }
}

void CoreWorkers::running(std::vector<RunningTask>& out) const {
  for (const auto& w : workers_) {
    const int64_t start = w->running_start_ns.load(std::memory_order_acquire);
    if (start == 0) continue;
    out.push_back({w->running_graph.load(std::memory_order_relaxed), start,
                   w->running_predicted_ns.load(std::memory_order_relaxed)});
  }
}

size_t CoreWorkers::running_count() const {
  size_t n = 0;
  for (const auto& w : workers_) n += w->running_start_ns.load(std::memory_order_relaxed) != 0;
  return n;
}

void CoreWorkers::ran_worker_main(Worker& w) {
  if (config_.pin) w.pinned.store(pin_current_thread(w.cpu));
  set_timer_slack_ns(1);  // the park grace and the keeper's waits end on time
  bool shared = shared_.load(std::memory_order_acquire);
  set_worker_priority(w, shared);
  uint32_t seen_reclaims = 0;  // a reclaim before this thread ran is timed when it first runs
  Clock::time_point idle_since{};
  bool idle = false;
  bool ran_tasks = false;  // since the worker was last idle
  while (true) {
    // The epoch before the stop flag: a stop() between the two would otherwise leave this worker
    // waiting on an epoch its notify already passed.
    const uint32_t epoch = w.wake.epoch();
    if (stop_.load(std::memory_order_seq_cst)) break;
    if (shared != shared_.load(std::memory_order_acquire)) {
      shared = !shared;
      set_worker_priority(w, shared);
    }
    if (const uint32_t r = w.reclaims.load(std::memory_order_acquire); r != seen_reclaims) {
      seen_reclaims = r;
      await_park(w);
      w.serving_since_ns.store(to_ns(Clock::now()), std::memory_order_release);
    }
    const Clock::time_point now = Clock::now();
    if (w.core == 0) {
      keeper_seen_ns_.store(to_ns(now), std::memory_order_relaxed);
      // Back from a stall: the keeper takes its ticks again.
      if (ticker_.load(std::memory_order_relaxed) != 0) ticker_.store(0, std::memory_order_release);
    }
    // Core 1's worker, serving and so with no AI thread on its core to watch the keeper, watches
    // it itself: it sleeps no longer than until a tick has been overdue for stall_after, then
    // runs the tick (tick_if_due: any worker may) and takes the ticks over.
    const bool watcher = config_.control_tick && w.core == 1 && !keeper_stalled() &&
                         w.serving.load(std::memory_order_acquire);
    if (watcher) take_over_stalled_ticks();
    const bool keeper = config_.control_tick && ticker_.load(std::memory_order_acquire) == w.core;
    // After a tick the loop starts over: a tick that reclaimed this core is followed by the wait
    // for the AI worker's park before any RAN task runs here (a task first would hold the AI
    // worker's piece, and with it the park and the engine's whole step, for the task's length).
    if (tick_if_due(now)) continue;
    if (w.serving.load(std::memory_order_acquire)) {
      if (RanTask* task = queue_.pop(now)) {
        execute(w, *task);
        idle = false;
        ran_tasks = true;
        continue;
      }
      if (!idle) {
        idle = true;
        idle_since = now;
        // Out of work: the policy may lend the core now rather than at the next period.
        if (!shared && ran_tasks) tick_now();
        ran_tasks = false;
      }
      // An AI worker still in a piece on this core (past the park grace) parks only when it
      // runs, and wakes this worker then: spinning here would hold up its whole engine step.
      const bool ai_in_piece = ai_ != nullptr && w.core < ai_->cores() && !ai_->parked(w.core);
      if (!shared && !ai_in_piece) {
        if (now - idle_since < config_.idle_spin || (keeper && to_tick(now) < config_.tick_spin)) {
          cpu_relax();
          continue;
        }
      }
    }
    if (keeper) {
      // Sleep until the next tick (or a wake-up); one already due runs at once.
      if (const auto left = to_tick(Clock::now()); left.count() > 0) w.wake.wait_for(epoch, left);
    } else if (watcher) {
      w.wake.wait_for(epoch, std::max(to_tick(Clock::now()), std::chrono::nanoseconds(0)) +
                                 config_.stall_after);
    } else {
      w.wake.wait(epoch);
    }
    idle = false;
  }
}

std::chrono::nanoseconds CoreWorkers::to_tick(Clock::time_point now) const {
  return std::chrono::nanoseconds(next_tick_ns_.load(std::memory_order_acquire) - to_ns(now));
}

// Runs the control tick when it is due and no other worker runs it; true when it ran. Only the
// tick moves the due time later; request_tick() only moves it earlier, so a request during a
// tick is kept.
bool CoreWorkers::tick_if_due(Clock::time_point now) {
  if (!config_.control_tick || to_tick(now).count() > 0 ||
      ticking_.exchange(true, std::memory_order_acquire)) {
    return false;
  }
  // Another worker may have ticked between the check and the exchange.
  int64_t seen = next_tick_ns_.load(std::memory_order_acquire);
  const bool due = seen <= to_ns(now);
  if (due) {
    const int64_t next = to_ns(config_.control_tick(now));
    next_tick_ns_.compare_exchange_strong(seen, next, std::memory_order_acq_rel);
  }
  ticking_.store(false, std::memory_order_release);
  return due;
}

void CoreWorkers::request_tick() {
  tick_now();
  workers_[ticker_.load(std::memory_order_acquire)]->wake.notify_all();
}

void CoreWorkers::tick_now() {
  const int64_t now = to_ns(Clock::now());
  int64_t due = next_tick_ns_.load(std::memory_order_acquire);
  while (due > now && !next_tick_ns_.compare_exchange_weak(due, now, std::memory_order_acq_rel)) {
  }
}

bool CoreWorkers::take_over_stalled_ticks() {
  if (!config_.control_tick || cores() < 2 || keeper_stalled()) return false;
  const int64_t now = to_ns(Clock::now());
  const int64_t stall = config_.stall_after.count();
  if (now - next_tick_ns_.load(std::memory_order_acquire) < stall ||
      now - keeper_seen_ns_.load(std::memory_order_relaxed) < stall) {
    return false;
  }
  // A keeper in a task is taken as stalled only once the task has run twice its prediction (a
  // high quantile of its duration): a long task is not a stall.
  const Worker& keeper_worker = *workers_[0];
  const int64_t task_start = keeper_worker.running_start_ns.load(std::memory_order_acquire);
  if (task_start != 0 &&
      now - task_start <
          std::max(stall, 2 * keeper_worker.running_predicted_ns.load(std::memory_order_relaxed))) {
    return false;
  }
  unsigned keeper = 0;
  if (!ticker_.compare_exchange_strong(keeper, 1, std::memory_order_acq_rel)) return false;
  takeovers_.fetch_add(1, std::memory_order_relaxed);
  workers_[1]->wake.notify_all();
  return true;
}

void CoreWorkers::stop_ticks() {
  while (ticking_.exchange(true, std::memory_order_acquire)) cpu_relax();
  // No tick is due any more: the keeper stops polling for one.
  next_tick_ns_.store(std::numeric_limits<int64_t>::max(), std::memory_order_release);
}

// Blocks (so that the AI worker gets this CPU) until the AI worker of this core has parked, which
// wakes this worker from the same CPU, or the grace period is over. A sleep in short steps would
// cost a timer wake-up each, tens of microseconds in a VM, on the very CPU the AI worker needs.
void CoreWorkers::await_park(Worker& w) {
  if (ai_ == nullptr || w.core >= ai_->cores()) return;
  const Clock::time_point until = Clock::now() + config_.park_grace;
  while (w.serving.load(std::memory_order_acquire)) {
    const uint32_t epoch = w.wake.epoch();
    if (ai_->parked(w.core)) return;
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - Clock::now());
    if (left.count() <= 0) return;
    w.wake.wait_for(epoch, left);
  }
}

void CoreWorkers::set_worker_priority(Worker& w, bool shared) {
  if (config_.realtime_priority <= 0) return;
  const bool realtime = !shared && set_current_thread_realtime(config_.realtime_priority);
  if (shared) set_current_thread_realtime(0);
  w.realtime.store(realtime);
}

void CoreWorkers::execute(Worker& w, RanTask& task) {
  SlotTaskGraph& graph = *task.graph;
  const Clock::time_point start = Clock::now();
  w.running_graph.store(&graph, std::memory_order_relaxed);
  w.running_predicted_ns.store(task.predicted_ns, std::memory_order_relaxed);
  w.running_start_ns.store(to_ns(start), std::memory_order_release);

  if (task.run) task.run();

  const Clock::time_point end = Clock::now();
  task.actual_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
  CompletedTask done;
  done.record = {task.cell,         task.slot,     task.index,
                 task.type,         w.core,        to_ns(task.release),
                 to_ns(start),      to_ns(end),    to_ns(task.deadline),
                 task.predicted_ns, task.actual_ns};
  done.features = task.features;
  done.graph = &graph;
  w.running_start_ns.store(0, std::memory_order_release);
  {
    std::lock_guard<SpinLock> guard(w.completed_lock);
    w.completed.push_back(done);
  }
  // The record is out before the graph learns of the completion: once the graph is done the
  // scheduler may retire it, and `task` with it.
  size_t released = 0;
  graph.complete(task.index, end, [&](RanTask& next) {
    queue_.push(&next);
    ++released;
  });
  if (released != 0) wake_ran_workers();
}

std::string CoreWorkers::last_ai_error() const {
  std::lock_guard<SpinLock> guard(ai_error_lock_);
  return ai_error_;
}

// Runs AI steps while any core is lent. AiWorkload::run_step must not throw; one that does anyway
// is contained here: the failure is counted and kept, and after max_ai_failures in a row the
// driver stops stepping. The RAN workers never depend on this thread.
void CoreWorkers::ai_driver_main() {
  unsigned failures_in_a_row = 0;
  while (true) {
    const uint32_t epoch = ai_wake_.epoch();  // before the stop flag, as in ran_worker_main
    if (stop_.load(std::memory_order_seq_cst)) break;
    if (lent_count_.load(std::memory_order_acquire) > 0 &&
        !ai_stopped_.load(std::memory_order_relaxed)) {
      std::string error;
      try {
        ai_->run_step();
        failures_in_a_row = 0;
        continue;
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown exception";
      }
      ai_failures_.fetch_add(1, std::memory_order_relaxed);
      {
        std::lock_guard<SpinLock> guard(ai_error_lock_);
        ai_error_ = std::move(error);
      }
      if (++failures_in_a_row >= std::max(1u, config_.max_ai_failures)) {
        ai_stopped_.store(true, std::memory_order_release);
      }
      continue;
    }
    ai_wake_.wait(epoch);
  }
}

}  // namespace airan::rt
