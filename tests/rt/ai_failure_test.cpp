// An AI workload that fails (throws from run_step) must not stop or starve the RAN: the runtime
// contains the failure, counts it, stops stepping AI after max_ai_failures in a row, and every RAN
// slot still runs. Invariants only (no timing thresholds: the machine is shared).
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "airan/rt/cpu_affinity.h"
#include "airan/rt/recent_quantile_model.h"
#include "airan/rt/scheduler.h"
#include "rt/test_workloads.h"

namespace airan::rt {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// Parks and resumes like a real workload, but every step throws (as an engine bug would).
class ThrowingAiWorkload final : public AiWorkload {
 public:
  explicit ThrowingAiWorkload(unsigned cores) : parked_(cores) {
    for (auto& p : parked_) p.store(true);
  }
  unsigned cores() const override { return static_cast<unsigned>(parked_.size()); }
  void run_step() override {
    calls_.fetch_add(1);
    throw std::runtime_error("engine exploded");
  }
  void park_core(unsigned c) override { parked_[c].store(true); }
  void resume_core(unsigned c) override { parked_[c].store(false); }
  bool parked(unsigned c) const override { return parked_[c].load(); }
  uint64_t busy_ns() const override { return 0; }
  uint64_t steps() const override { return 0; }
  uint64_t calls() const { return calls_.load(); }

 private:
  std::vector<std::atomic<bool>> parked_;
  std::atomic<uint64_t> calls_{0};
};

TEST(AiFailure, ThrowingStepsAreContainedAndTheRanRunsEverySlot) {
  std::vector<int> cpus = allowed_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs 2 CPUs so that the static policy lends one";
  cpus.resize(2);
  auto model = RecentQuantileModel::create({});
  ASSERT_TRUE(model);
  SchedulerConfig config;
  config.cpus = cpus;
  config.max_ai_failures = 3;
  ThrowingAiWorkload ai(2);
  auto created = Scheduler::create(config, make_static_policy(1), *model, &ai);
  ASSERT_TRUE(created) << created.error().message;
  Scheduler& s = **created;
  const testing::TestLdpcSlotFactory factory(2, 64, 3.0);
  const unsigned slots = 40;
  std::vector<std::shared_ptr<testing::TestLdpcSlotResult>> results;
  s.start();
  const Clock::time_point t0 = Clock::now() + milliseconds(2);
  for (unsigned k = 0; k < slots; ++k) {
    const Clock::time_point release = t0 + microseconds(500) * k;
    results.push_back(std::make_shared<testing::TestLdpcSlotResult>());
    s.submit(factory.make_slot(0, k, release, release + microseconds(1500), results.back()));
  }
  EXPECT_TRUE(s.wait_idle(std::chrono::seconds(120)));
  // The core stays lent after the slots: on a busy host the AI driver may first get its core only
  // now, so wait (bounded) for it to give up rather than assume it ran during the 20 ms of slots.
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(30);
  while (!s.live().ai_stopped && Clock::now() < give_up)
    std::this_thread::sleep_for(milliseconds(1));
  const LiveCounters live = s.live();
  s.stop();

  EXPECT_EQ(s.abandoned_slots(), 0u);
  EXPECT_EQ(s.metrics().summary().slots, slots);
  for (const auto& r : results) {
    EXPECT_TRUE(r->crc_ran);
    EXPECT_EQ(r->crc_ok, 2u);
  }
  // The core was lent the whole run: the driver tried, failed three times in a row, and stopped.
  EXPECT_EQ(live.ai_failures, 3u);
  EXPECT_TRUE(live.ai_stopped);
  EXPECT_EQ(ai.calls(), 3u);
  EXPECT_EQ(s.last_ai_error(), "engine exploded");
}

TEST(AiFailure, MaxAiFailuresMustBePositive) {
  SchedulerConfig config;
  config.cpus = {allowed_cpus().front()};
  config.max_ai_failures = 0;
  const Status st = validate(config);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("max_ai_failures"), std::string::npos);
}

}  // namespace
}  // namespace airan::rt
