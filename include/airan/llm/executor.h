#pragma once
// Elastic, preemptible parallel execution of one engine step. A step (a prefill chunk or one
// decode step of the batch) is cut into small pieces; workers claim pieces from a shared counter,
// so a worker that is told to park finishes its current piece and stops, and the remaining pieces
// are run by the others (or by it when resumed): no work is lost. The number of active workers may
// change between steps. This is what lets the RAN take its cores back within microseconds.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace airan::llm {

class StepExecutor {
 public:
  /// A pool of up to `max_workers` threads (the caller of parallel_for also runs pieces, so
  /// max_workers = 0 means serial execution).
  explicit StepExecutor(unsigned max_workers);
  ~StepExecutor();
  StepExecutor(const StepExecutor&) = delete;
  StepExecutor& operator=(const StepExecutor&) = delete;

  /// Runs fn(piece) for every piece in [0, n_pieces) on the calling thread and the active,
  /// unparked workers; returns when all pieces have run. Pieces must be independent.
  void parallel_for(size_t n_pieces, const std::function<void(size_t piece)>& fn);

  /// Workers that take part in the next parallel_for (0..max_workers); takes effect between steps.
  void set_active_workers(unsigned n);
  unsigned active_workers() const;
  unsigned max_workers() const;

  /// Asks worker `w` to park: it finishes the piece it runs (if any) and then blocks until resumed.
  void request_park(unsigned w);
  /// Lets a parked (or park-requested) worker `w` run pieces again.
  void resume(unsigned w);
  /// True once worker `w` has acknowledged a park request and is not running any piece.
  bool is_parked(unsigned w) const;
  /// When worker `w` last acknowledged a park (steady_clock ns since its epoch; 0: never).
  int64_t parked_at_ns(unsigned w) const;
  /// Calls `hook(w)` on worker w's own thread each time it parks (empty: none). A caller that
  /// waits for cores to come back can be woken from there: same CPU, no cross-CPU interrupt. Once
  /// this returns, no call of the previous hook is in progress.
  void set_park_hook(std::function<void(unsigned w)> hook);
  /// Calls `hook()` at the start of every parallel_for, on the calling thread (empty: none): a
  /// cheap check that runs every few tens of microseconds while steps run. Set it while no
  /// parallel_for runs.
  void set_dispatch_hook(std::function<void()> hook);
  /// Runs every worker thread at the lowest priority (Linux SCHED_IDLE: any other thread on its
  /// CPU preempts it at once) or back at normal priority. For a caller that lends the workers
  /// only CPU time nobody else wants.
  void set_background(bool background);
  /// Pieces worker `w` has run since construction (the caller's own pieces are not counted).
  uint64_t pieces_run(unsigned w) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airan::llm
