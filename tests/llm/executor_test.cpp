#include "airan/llm/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sched.h>
#endif

namespace airan::llm {
namespace {

using Clock = std::chrono::steady_clock;

// Waits (yielding) until pred() holds; false after a deadline far beyond any scheduling delay,
// so that a lost wake-up fails the test instead of hanging it.
template <typename Pred>
bool eventually(Pred pred, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

// A piece of real work: a few hundred multiply-adds.
uint64_t piece_work(size_t piece) {
  uint64_t acc = piece;
  for (int i = 0; i < 200; ++i) acc = mix(acc + static_cast<uint64_t>(i));
  return acc;
}

// Runs one step of `n` pieces; checks every piece ran exactly once and the results equal serial.
void check_step(StepExecutor& ex, size_t n) {
  std::vector<std::atomic<int>> count(n);
  std::vector<uint64_t> out(n, 0);
  ex.parallel_for(n, [&](size_t piece) {
    count[piece].fetch_add(1, std::memory_order_relaxed);
    out[piece] = piece_work(piece);
  });
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(count[i].load(), 1) << "piece " << i << " of " << n;
    ASSERT_EQ(out[i], piece_work(i)) << "piece " << i;
  }
}

TEST(StepExecutor, SerialWithoutWorkersRunsInOrderOnCaller) {
  StepExecutor ex(0);
  EXPECT_EQ(ex.max_workers(), 0u);
  EXPECT_EQ(ex.active_workers(), 0u);
  std::vector<size_t> order;
  const auto caller = std::this_thread::get_id();
  bool other_thread = false;
  ex.parallel_for(10, [&](size_t piece) {
    order.push_back(piece);
    other_thread |= std::this_thread::get_id() != caller;
  });
  ASSERT_EQ(order.size(), 10u);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  EXPECT_FALSE(other_thread);
  ex.parallel_for(0, [&](size_t) { FAIL() << "no pieces to run"; });
}

TEST(StepExecutor, EveryPieceOnceForEveryActiveCount) {
  StepExecutor ex(3);
  for (unsigned active = 0; active <= 3; ++active) {
    ex.set_active_workers(active);
    EXPECT_EQ(ex.active_workers(), active);
    for (size_t n : {0u, 1u, 2u, 3u, 7u, 64u, 1000u}) {
      for (int rep = 0; rep < 5; ++rep) check_step(ex, n);
    }
  }
  ex.set_active_workers(99);
  EXPECT_EQ(ex.active_workers(), 3u);
}

TEST(StepExecutor, InactiveWorkersRunNothing) {
  StepExecutor ex(3);
  ex.set_active_workers(1);
  for (int step = 0; step < 200; ++step) check_step(ex, 16);
  EXPECT_EQ(ex.pieces_run(1), 0u);
  EXPECT_EQ(ex.pieces_run(2), 0u);
  EXPECT_EQ(ex.pieces_run(7), 0u);  // out of range
}

TEST(StepExecutor, WorkersDoTakePieces) {
  StepExecutor ex(2);
  // Each piece lasts long enough (~200 us) that a worker woken at the start of the step joins.
  std::atomic<uint64_t> sink{0};
  ASSERT_TRUE(eventually([&] {
    ex.parallel_for(8, [&](size_t piece) {
      const auto until = Clock::now() + std::chrono::microseconds(200);
      uint64_t acc = piece;
      while (Clock::now() < until) acc = mix(acc);
      sink += acc;
    });
    return ex.pieces_run(0) > 0 && ex.pieces_run(1) > 0;
  }));
}

#ifdef __linux__
// Pieces run by the workers (not by the caller) see the scheduling policy set_background gave them.
TEST(StepExecutor, BackgroundWorkersRunAtIdlePriority) {
  StepExecutor ex(1);
  const auto worker_policies = [&] {
    const std::thread::id caller = std::this_thread::get_id();
    std::atomic<int> policy{-1};
    EXPECT_TRUE(eventually([&] {
      ex.parallel_for(8, [&](size_t) {
        const auto until = Clock::now() + std::chrono::microseconds(200);
        while (Clock::now() < until) {
        }
        if (std::this_thread::get_id() != caller) policy.store(sched_getscheduler(0));
      });
      return policy.load() >= 0;
    }));
    return policy.load();
  };
  EXPECT_EQ(worker_policies(), SCHED_OTHER);
  ex.set_background(true);
  EXPECT_EQ(worker_policies(), SCHED_IDLE);
  ex.set_background(false);
  EXPECT_EQ(worker_policies(), SCHED_OTHER);
}
#endif

TEST(StepExecutor, ParkRandomStormLosesNoPiece) {
  constexpr unsigned kWorkers = 3;
  StepExecutor ex(kWorkers);
  std::atomic<bool> done{false};
  std::thread storm([&] {
    std::mt19937 rng(7);
    while (!done.load()) {
      const unsigned w = rng() % (kWorkers + 1);  // includes an out-of-range index
      if (rng() % 2) {
        ex.request_park(w);
      } else {
        ex.resume(w);
      }
      if (rng() % 4 == 0) std::this_thread::yield();
    }
  });
  std::mt19937 rng(11);
  for (int step = 0; step < 400; ++step) {
    if (step % 50 == 0) ex.set_active_workers(rng() % (kWorkers + 1));
    check_step(ex, 1 + rng() % 200);
    if (::testing::Test::HasFatalFailure()) break;
  }
  done = true;
  storm.join();
  for (unsigned w = 0; w < kWorkers; ++w) ex.resume(w);
  for (unsigned w = 0; w < kWorkers; ++w) {
    EXPECT_TRUE(eventually([&] { return !ex.is_parked(w); })) << "worker " << w;
  }
  check_step(ex, 100);
}

TEST(StepExecutor, ParkedWorkerRunsNoPiecesUntilResumed) {
  StepExecutor ex(2);
  ex.request_park(0);
  ASSERT_TRUE(eventually([&] { return ex.is_parked(0); }));
  const uint64_t before = ex.pieces_run(0);
  for (int step = 0; step < 100; ++step) check_step(ex, 64);
  EXPECT_TRUE(ex.is_parked(0));
  EXPECT_EQ(ex.pieces_run(0), before);

  ex.resume(0);
  EXPECT_TRUE(eventually([&] { return !ex.is_parked(0); }));
  std::atomic<uint64_t> sink{0};
  EXPECT_TRUE(eventually([&] {
    ex.parallel_for(8, [&](size_t piece) {
      const auto until = Clock::now() + std::chrono::microseconds(200);
      uint64_t acc = piece;
      while (Clock::now() < until) acc = mix(acc);
      sink += acc;
    });
    return ex.pieces_run(0) > before;
  }));
}

TEST(StepExecutor, AllWorkersParkedCallerCompletesSteps) {
  StepExecutor ex(3);
  for (unsigned w = 0; w < 3; ++w) ex.request_park(w);
  for (unsigned w = 0; w < 3; ++w) ASSERT_TRUE(eventually([&] { return ex.is_parked(w); }));
  for (int step = 0; step < 50; ++step) check_step(ex, 33);
  for (unsigned w = 0; w < 3; ++w) EXPECT_EQ(ex.pieces_run(w), 0u);
}

TEST(StepExecutor, ParkWaitsForThePieceInFlight) {
  StepExecutor ex(1);
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> worker_in_piece{false}, release{false}, parked_while_in_piece{false};
  bool worker_entered = false;
  ex.parallel_for(2, [&](size_t) {
    if (std::this_thread::get_id() != caller) {
      worker_in_piece = true;
      while (!release.load()) std::this_thread::yield();
      return;
    }
    // The caller holds one piece, so the worker must take the other one.
    worker_entered = eventually([&] { return worker_in_piece.load(); });
    ex.request_park(0);
    const auto until = Clock::now() + std::chrono::milliseconds(20);
    while (Clock::now() < until) parked_while_in_piece = parked_while_in_piece || ex.is_parked(0);
    release = true;
  });
  ASSERT_TRUE(worker_entered);
  EXPECT_FALSE(parked_while_in_piece.load());
  EXPECT_EQ(ex.pieces_run(0), 1u);
  EXPECT_TRUE(eventually([&] { return ex.is_parked(0); }));
  ex.resume(0);
}

TEST(StepExecutor, IdleWorkerParksAndResumes) {
  StepExecutor ex(2);
  // Let the workers go to sleep, then park one of them.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int round = 0; round < 20; ++round) {
    ex.request_park(1);
    ASSERT_TRUE(eventually([&] { return ex.is_parked(1); }));
    EXPECT_FALSE(ex.is_parked(0));
    ex.resume(1);
    ASSERT_TRUE(eventually([&] { return !ex.is_parked(1); }));
    check_step(ex, 20);
    if (round % 5 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_FALSE(ex.is_parked(7));
}

TEST(StepExecutor, ResumeBeforeAcknowledgeKeepsWorkerRunning) {
  StepExecutor ex(2);
  for (int round = 0; round < 200; ++round) {
    ex.request_park(0);
    ex.resume(0);
    check_step(ex, 10);
  }
  EXPECT_TRUE(eventually([&] { return !ex.is_parked(0); }));
}

TEST(StepExecutor, DestroysWithParkedAndSleepingWorkers) {
  for (int round = 0; round < 20; ++round) {
    auto ex = std::make_unique<StepExecutor>(3);
    check_step(*ex, 50);
    ex->request_park(0);
    if (round % 2) ex->request_park(2);
    if (round % 3 == 0) {
      ASSERT_TRUE(eventually([&] { return ex->is_parked(0); }));
    }
    if (round % 4 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ex.reset();  // must return
  }
}

}  // namespace
}  // namespace airan::llm
