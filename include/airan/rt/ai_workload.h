#pragma once
// What the runtime needs from the AI side (the LLM engine): run one engine step on the workers of
// the cores currently lent, and park or resume the worker of one core at the engine's preemption
// points. Core indices are positions in the runtime's CPU list (0..cores()-1). The engine
// implementation lives on top of llm/engine.h and llm/executor.h; tests use a small real workload.

#include <cstdint>
#include <functional>

namespace airan::rt {

class AiWorkload {
 public:
  virtual ~AiWorkload() = default;

  /// Cores (AI workers) this workload can use; the runtime lends at most this many.
  virtual unsigned cores() const = 0;

  /// Runs one engine step (a prefill chunk or one decode step of the batch) on the calling thread
  /// and the unparked workers; returns when the step is done. Called by the runtime's AI driver
  /// thread only while at least one core is lent. Must not throw.
  virtual void run_step() = 0;

  /// Asks the worker of core `c` to stop at its next preemption point (returns at once).
  virtual void park_core(unsigned c) = 0;
  /// Lets the worker of core `c` run pieces again.
  virtual void resume_core(unsigned c) = 0;
  /// True once the worker of core `c` has stopped after a park_core and runs nothing.
  virtual bool parked(unsigned c) const = 0;
  /// When the worker of core `c` last acknowledged a park (Clock ns since its epoch), so that the
  /// runtime can time parks without polling for them; 0 when the workload does not record it (the
  /// runtime then times the park when it next sees parked()).
  virtual int64_t parked_at_ns(unsigned /*c*/) const { return 0; }

  /// Has `on_parked(c)` called on the AI worker's own thread right after it parks (so on core c's
  /// CPU: waking the RAN worker of that core from there needs no cross-CPU interrupt, which costs
  /// tens of microseconds in a VM). Empty: none. Once this returns no previous call is running.
  virtual void set_park_listener(std::function<void(unsigned c)> on_parked) { (void)on_parked; }

  /// Has `check()` called on the AI's own threads every few tens of microseconds of AI work (at
  /// each dispatch of parallel work within a step), so that the runtime can watch the RAN from a
  /// lent core, which runs anyway. `check` is cheap. Empty: none. Set while no step runs.
  virtual void set_watchdog(std::function<void()> check) { (void)check; }

  /// Runs the AI threads at the lowest priority (any other thread on their CPU preempts them at
  /// once) or back at normal priority. The runtime asks for it while cores are split between RAN
  /// and AI, so that a RAN thread at normal priority (no real-time priority granted) still gets
  /// its CPU the moment it wakes; in shared mode the OS decides between equals.
  virtual void set_background(bool background) { (void)background; }

  /// Core time spent running AI work since construction, summed over all threads, ns.
  virtual uint64_t busy_ns() const = 0;
  /// Engine steps completed since construction.
  virtual uint64_t steps() const = 0;
};

}  // namespace airan::rt
