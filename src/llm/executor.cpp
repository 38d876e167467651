// StepExecutor: a step is published as one 64-bit word, (generation << 32) | pieces still
// unclaimed. Runners claim a piece with a compare-and-swap that also checks the generation, so a
// worker that wakes late can never take a piece of a newer step with an older step's function.
// Each worker has one state word that is also its futex: running (awake, between pieces), in a
// piece, sleeping (idle), parked or stopping. A worker polls park requests between pieces; a worker
// that is not in a piece is parked on the spot by the requester (it holds no work, so there is
// nothing to wait for, even when the OS has descheduled it).
#include "airan/llm/executor.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#ifdef __linux__
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace airan::llm {
namespace {

constexpr size_t kCacheLine = 64;
constexpr uint64_t kRemainingMask = 0xFFFF'FFFFull;

// Worker states (the value of Worker::state).
constexpr uint32_t kRunning = 0;   // awake and between pieces (spinning idle, or about to claim)
constexpr uint32_t kSleeping = 1;  // idle and blocked (or about to block) on the futex
constexpr uint32_t kParked = 2;    // acknowledged a park request; runs nothing until resumed
constexpr uint32_t kStopping = 3;  // the executor is being destroyed
constexpr uint32_t kInPiece = 4;   // may hold a claimed piece: only the worker leaves this state

// An idle worker spins this long for the next step before it sleeps: steps of one forward pass
// follow each other within microseconds, and a futex wake costs tens of microseconds.
constexpr auto kIdleSpin = std::chrono::microseconds(50);
// A parked worker spins only this many pauses: the core was reclaimed, it must be handed over.
constexpr unsigned kParkSpins = 256;
// The caller waiting for other runners' last pieces spins this many pauses, then yields the core.
constexpr unsigned kWaitSpins = 2048;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected) {
#ifdef __linux__
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
#else
  word.wait(expected);
#endif
}

void futex_wake_all(std::atomic<uint32_t>& word) {
#ifdef __linux__
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr,
          nullptr, 0);
#else
  word.notify_all();
#endif
}

}  // namespace

struct StepExecutor::Impl {
  struct alignas(kCacheLine) Worker {
    std::atomic<uint32_t> state{kRunning};
    std::atomic<uint32_t> park_requested{0};
    std::atomic<uint64_t> pieces{0};
    std::atomic<int64_t> parked_at_ns{0};  // steady_clock time of the last acknowledged park
    std::thread thread;
  };

  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  explicit Impl(unsigned n) : max_workers(n), active(n), workers(new Worker[n]) {
    for (unsigned w = 0; w < n; ++w) workers[w].thread = std::thread([this, w] { worker_main(w); });
  }

  ~Impl() {
    stop.store(true, std::memory_order_seq_cst);
    for (unsigned w = 0; w < max_workers; ++w) {
      workers[w].state.exchange(kStopping, std::memory_order_seq_cst);
      futex_wake_all(workers[w].state);
    }
    for (unsigned w = 0; w < max_workers; ++w) workers[w].thread.join();
  }

  // Claims one piece of step `gen`; false when the step has none left (or is not current).
  bool claim(uint32_t gen, size_t& piece) {
    uint64_t word = step_word.load(std::memory_order_acquire);
    while (true) {
      const uint64_t remaining = word & kRemainingMask;
      if (static_cast<uint32_t>(word >> 32) != gen || remaining == 0) return false;
      if (step_word.compare_exchange_weak(word, word - 1, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
        // The step cannot finish before this piece does, so its parameters are stable here.
        piece = step_base + (step_pieces - remaining);
        return true;
      }
    }
  }

  // Runs pieces of step `gen` until none is left or a park is requested. The worker enters
  // kInPiece before it claims, and a requester parks only a worker outside kInPiece; each side
  // writes its flag and then reads the other's (seq_cst), so one of them always sees the other.
  void run_pieces(Worker& me, uint32_t gen) {
    uint32_t s = kRunning;
    if (!me.state.compare_exchange_strong(s, kInPiece, std::memory_order_seq_cst)) return;
    size_t piece = 0;
    while (me.park_requested.load(std::memory_order_seq_cst) == 0 && claim(gen, piece)) {
      (*step_fn)(piece);
      me.pieces.fetch_add(1, std::memory_order_relaxed);
      finished.fetch_add(1, std::memory_order_release);
    }
    s = kInPiece;
    me.state.compare_exchange_strong(s, kRunning, std::memory_order_seq_cst);  // fails if stopping
  }

  // Blocks worker `me` until it is resumed (or the executor stops).
  void park(Worker& me) {
    uint32_t s = kRunning;
    if (me.state.compare_exchange_strong(s, kParked, std::memory_order_seq_cst)) {
      me.parked_at_ns.store(now_ns(), std::memory_order_release);
    } else if (s != kParked) {
      return;  // stopping
    }
    {
      std::lock_guard<std::mutex> guard(park_hook_lock);
      if (park_hook) park_hook(static_cast<unsigned>(&me - workers.get()));
    }
    unsigned spins = 0;
    while (true) {
      s = me.state.load(std::memory_order_seq_cst);
      if (s != kParked) return;  // resumed by resume(), or stopping
      if (me.park_requested.load(std::memory_order_seq_cst) == 0) {
        // Resumed before (or while) this worker acknowledged: go back to work ourselves.
        me.state.compare_exchange_strong(s, kRunning, std::memory_order_seq_cst);
        return;
      }
      if (spins < kParkSpins) {
        ++spins;
        cpu_relax();
      } else {
        futex_wait(me.state, kParked);
      }
    }
  }

  void worker_main(unsigned w) {
    Worker& me = workers[w];
    uint32_t seen_gen = 0;
    bool recheck = false;  // after a park: join the step in progress if it has pieces left
    auto idle_since = std::chrono::steady_clock::now();
    unsigned spins = 0;
    while (!stop.load(std::memory_order_acquire)) {
      if (me.park_requested.load(std::memory_order_acquire) != 0 ||
          me.state.load(std::memory_order_acquire) == kParked) {
        park(me);
        recheck = true;
        idle_since = std::chrono::steady_clock::now();
        continue;
      }
      const auto gen = static_cast<uint32_t>(step_word.load(std::memory_order_acquire) >> 32);
      if (gen != seen_gen || recheck) {
        seen_gen = gen;
        recheck = false;
        if (w < step_active.load(std::memory_order_relaxed)) run_pieces(me, gen);
        idle_since = std::chrono::steady_clock::now();
        spins = 0;
        continue;
      }
      if (++spins % 16 != 0 || std::chrono::steady_clock::now() - idle_since < kIdleSpin) {
        cpu_relax();
        continue;
      }
      // Announce the sleep, then look again: parallel_for / request_park publish first and then
      // look at the state, so one side always sees the other (both use seq_cst).
      uint32_t s = kRunning;
      if (!me.state.compare_exchange_strong(s, kSleeping, std::memory_order_seq_cst)) continue;
      if (stop.load(std::memory_order_seq_cst) ||
          me.park_requested.load(std::memory_order_seq_cst) != 0 ||
          static_cast<uint32_t>(step_word.load(std::memory_order_seq_cst) >> 32) != seen_gen) {
        s = kSleeping;
        me.state.compare_exchange_strong(s, kRunning, std::memory_order_seq_cst);
      } else {
        while (me.state.load(std::memory_order_seq_cst) == kSleeping)
          futex_wait(me.state, kSleeping);
      }
      // Here the state is running, parked (by a requester while asleep) or stopping.
      recheck = true;
      idle_since = std::chrono::steady_clock::now();
      spins = 0;
    }
  }

  void parallel_for(size_t n, const std::function<void(size_t)>& fn) {
    if (dispatch_hook) dispatch_hook();
    const unsigned n_active = active.load(std::memory_order_relaxed);
    if (n_active == 0 || n == 1) {
      for (size_t i = 0; i < n; ++i) fn(i);
      return;
    }
    step_fn = &fn;
    for (size_t base = 0; base < n;) {
      const size_t chunk = std::min<size_t>(n - base, kRemainingMask);
      step_base = base;
      step_pieces = chunk;
      finished.store(0, std::memory_order_relaxed);
      step_active.store(n_active, std::memory_order_relaxed);
      const uint32_t gen = ++generation;
      step_word.store((static_cast<uint64_t>(gen) << 32) | chunk, std::memory_order_seq_cst);
      for (unsigned w = 0; w < n_active; ++w) {
        uint32_t s = kSleeping;
        if (workers[w].state.load(std::memory_order_seq_cst) == kSleeping &&
            workers[w].state.compare_exchange_strong(s, kRunning, std::memory_order_seq_cst)) {
          futex_wake_all(workers[w].state);
        }
      }
      size_t piece = 0;
      while (claim(gen, piece)) {
        fn(piece);
        finished.fetch_add(1, std::memory_order_release);
      }
      for (unsigned spins = 0; finished.load(std::memory_order_acquire) != chunk; ++spins) {
        if (spins < kWaitSpins) {
          cpu_relax();
        } else {
          std::this_thread::yield();
        }
      }
      base += chunk;
    }
  }

  void request_park(unsigned w) {
    Worker& x = workers[w];
    x.park_requested.store(1, std::memory_order_seq_cst);
    // A worker outside a piece (spinning, sleeping, or descheduled between pieces) holds no work:
    // it counts as parked at once (a sleeping one stays asleep). One in a piece parks itself after.
    uint32_t s = x.state.load(std::memory_order_seq_cst);
    while (s == kRunning || s == kSleeping) {
      if (x.state.compare_exchange_weak(s, kParked, std::memory_order_seq_cst)) {
        x.parked_at_ns.store(now_ns(), std::memory_order_release);
        break;
      }
    }
  }

  void resume(unsigned w) {
    Worker& x = workers[w];
    x.park_requested.store(0, std::memory_order_seq_cst);
    uint32_t s = kParked;
    if (x.state.compare_exchange_strong(s, kRunning, std::memory_order_seq_cst)) {
      futex_wake_all(x.state);
    }
  }

  const unsigned max_workers;
  std::atomic<unsigned> active;
  std::mutex park_hook_lock;
  std::function<void(unsigned)> park_hook;
  std::function<void()> dispatch_hook;  // set while no parallel_for runs
  std::atomic<bool> stop{false};
  std::unique_ptr<Worker[]> workers;

  // The current step. step_fn/step_base/step_pieces are written by the caller before it publishes
  // step_word and read by a runner only after it claimed a piece of that step.
  alignas(kCacheLine) std::atomic<uint64_t> step_word{0};
  alignas(kCacheLine) std::atomic<size_t> finished{0};
  alignas(kCacheLine) const std::function<void(size_t)>* step_fn = nullptr;
  size_t step_base = 0;
  size_t step_pieces = 0;
  std::atomic<unsigned> step_active{0};
  uint32_t generation = 0;
};

StepExecutor::StepExecutor(unsigned max_workers) : impl_(std::make_unique<Impl>(max_workers)) {}

StepExecutor::~StepExecutor() = default;

void StepExecutor::parallel_for(size_t n_pieces, const std::function<void(size_t piece)>& fn) {
  impl_->parallel_for(n_pieces, fn);
}

void StepExecutor::set_active_workers(unsigned n) {
  impl_->active.store(std::min(n, impl_->max_workers), std::memory_order_relaxed);
}

unsigned StepExecutor::active_workers() const {
  return impl_->active.load(std::memory_order_relaxed);
}

unsigned StepExecutor::max_workers() const {
  return impl_->max_workers;
}

void StepExecutor::set_background(bool background) {
#ifdef __linux__
  sched_param param{};
  for (unsigned w = 0; w < impl_->max_workers; ++w) {
    pthread_setschedparam(impl_->workers[w].thread.native_handle(),
                          background ? SCHED_IDLE : SCHED_OTHER, &param);
  }
#else
  (void)background;
#endif
}

void StepExecutor::request_park(unsigned w) {
  if (w < impl_->max_workers) impl_->request_park(w);
}

void StepExecutor::resume(unsigned w) {
  if (w < impl_->max_workers) impl_->resume(w);
}

bool StepExecutor::is_parked(unsigned w) const {
  return w < impl_->max_workers &&
         impl_->workers[w].state.load(std::memory_order_acquire) == kParked;
}

void StepExecutor::set_park_hook(std::function<void(unsigned w)> hook) {
  std::lock_guard<std::mutex> guard(impl_->park_hook_lock);
  impl_->park_hook = std::move(hook);
}

void StepExecutor::set_dispatch_hook(std::function<void()> hook) {
  impl_->dispatch_hook = std::move(hook);
}

int64_t StepExecutor::parked_at_ns(unsigned w) const {
  return w < impl_->max_workers ? impl_->workers[w].parked_at_ns.load(std::memory_order_acquire)
                                : 0;
}

uint64_t StepExecutor::pieces_run(unsigned w) const {
  return w < impl_->max_workers ? impl_->workers[w].pieces.load(std::memory_order_relaxed) : 0;
}

}  // namespace airan::llm
