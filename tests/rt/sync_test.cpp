// SpinLock (spins, then blocks) and WakeSignal (epoch wait with a timeout).
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "airan/rt/spin_lock.h"
#include "airan/rt/wake_signal.h"

namespace airan::rt {
namespace {

TEST(SpinLock, ExcludesUnderContentionLongerThanItSpins) {
  SpinLock lock;
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        std::lock_guard<SpinLock> guard(lock);
        const long seen = counter;
        // Hold the lock long enough that waiters give up spinning and block.
        if (i % 100 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        counter = seen + 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 8000);
  EXPECT_TRUE(lock.try_lock());
  EXPECT_FALSE(lock.try_lock());
  lock.unlock();
}

TEST(WakeSignal, WaitForReturnsOnTimeoutAndOnNotify) {
  WakeSignal signal;
  const auto t0 = std::chrono::steady_clock::now();
  signal.wait_for(signal.epoch(), std::chrono::milliseconds(2));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1));
  EXPECT_EQ(signal.sleepers(), 0u);

  const uint32_t seen = signal.epoch();
  std::thread waiter([&] { signal.wait(seen); });
  while (signal.sleepers() == 0) std::this_thread::yield();
  signal.notify_all();
  waiter.join();  // would hang if the notify were lost
  EXPECT_NE(signal.epoch(), seen);
  // A stale epoch returns at once.
  signal.wait(seen);
}

}  // namespace
}  // namespace airan::rt
