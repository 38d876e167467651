// The emulated front end: each slot handed over from its grant on, two at a time, by the feeder or,
// when it is late, by the control ticks; receivers busy mean a drop (airan run) or a later try
// (bench).
#include "cli/slot_feed.h"

#include <gtest/gtest.h>

#include "airan/rt/cpu_affinity.h"
#include "airan/rt/policy.h"
#include "airan/rt/recent_quantile_model.h"

namespace airan::cli {
namespace {

using std::chrono::milliseconds;

// A slot source and a runtime that is never started: hand-overs are driven by the test's own
// clock, and submitted slots stay in the runtime's inbox.
struct FeedRig {
  explicit FeedRig(unsigned pool) : model(rt::RecentQuantileModel::create({})) {
    PuschSlotSourceOptions so;
    so.ues = 2;
    so.slots = 10;
    so.pool = pool;
    auto created = PuschSlotSource::create(so);
    if (!created) {
      error = created.error().message;
      return;
    }
    source = std::move(*created);
    if (!model) {
      error = model.error().message;
      return;
    }
    rt::SchedulerConfig config;
    config.cpus = rt::allowed_cpus();
    auto s = rt::Scheduler::create(config, rt::make_ran_only_policy(), *model, nullptr);
    if (!s) {
      error = s.error().message;
      return;
    }
    scheduler = std::move(*s);
  }
  ~FeedRig() {
    scheduler.reset();
    if (source) source->release_all();
  }
  std::unique_ptr<PuschSlotSource> source;
  Expected<rt::RecentQuantileModel> model;
  // A feed of 10 slots at k2 = 3, its clock started at t0.
  std::unique_ptr<SlotFeed> feed(bool drop_when_busy, rt::Clock::time_point t0) {
    SlotFeedOptions o;
    o.slots = 10;
    o.k2 = 3;
    o.drop_when_busy = drop_when_busy;
    auto f = std::make_unique<SlotFeed>(*source, *scheduler, o,
                                        [](uint64_t n) { return static_cast<size_t>(n); });
    f->begin(t0);
    return f;
  }
  std::unique_ptr<rt::Scheduler> scheduler;
  std::string error;
};

TEST(SlotFeed, HandsEachSlotOverFromItsGrantSlotOnTwoAtATime) {
  FeedRig rig(receivers_needed(3, 3));
  ASSERT_TRUE(rig.scheduler) << rig.error;
  const rt::Clock::time_point t0 = rt::Clock::now() + std::chrono::seconds(1);
  const rt::Clock::duration dt = rig.source->slot_duration();
  std::unique_ptr<SlotFeed> feed_ptr = rig.feed(true, t0);
  SlotFeed& feed = *feed_ptr;
  // Slot 0 is released at t0 + dt and granted k2 = 3 slots before its slot: at t0 - 3 dt; slot 1
  // goes with it, slots 2 and 3 two slots later.
  EXPECT_EQ(feed.hand_over_due(t0 - milliseconds(10)), t0 - 3 * dt);
  EXPECT_EQ(feed.submitted(), 0u);
  EXPECT_EQ(feed.hand_over_due(t0 - 3 * dt), t0 - dt);
  EXPECT_EQ(feed.submitted(), 2u);
  EXPECT_FALSE(feed.done());
  // A late feeder hands over everything due at once: slots 0-5 are due by t0 + 2 dt.
  EXPECT_EQ(feed.hand_over_due(t0 + 2 * dt), t0 + 3 * dt);
  EXPECT_EQ(feed.submitted(), 6u);
  EXPECT_EQ(feed.hand_over_due(t0 + std::chrono::seconds(1)), rt::Clock::time_point::max());
  EXPECT_EQ(feed.submitted(), 10u);
  EXPECT_EQ(feed.dropped(), 0u);
  EXPECT_EQ(feed.backups(), 0u);
  EXPECT_TRUE(feed.done());
  EXPECT_EQ(feed.first_rejection(), "");
}

TEST(SlotFeed, TheTicksHandOverWhatTheFeederIsLateWith) {
  FeedRig rig(receivers_needed(3, 3));
  ASSERT_TRUE(rig.scheduler) << rig.error;
  const rt::Clock::time_point t0 = rt::Clock::now() + std::chrono::seconds(1);
  const rt::Clock::duration dt = rig.source->slot_duration();
  std::unique_ptr<SlotFeed> feed_ptr = rig.feed(true, t0);
  SlotFeed& feed = *feed_ptr;
  feed.hand_over_late(t0);  // nothing is late before the feeder's first hand-over
  EXPECT_EQ(feed.submitted(), 0u);
  EXPECT_EQ(feed.hand_over_due(t0 - 3 * dt), t0 - dt);
  EXPECT_EQ(feed.submitted(), 2u);
  // Slots 2 and 3 are due at t0 - dt; the ticks step in 500 us later.
  feed.hand_over_late(t0 - dt + std::chrono::microseconds(400));
  EXPECT_EQ(feed.submitted(), 2u);
  feed.hand_over_late(t0 - dt + std::chrono::microseconds(600));
  EXPECT_EQ(feed.submitted(), 4u);
  EXPECT_EQ(feed.backups(), 1u);
  // The feeder, back, finds them handed over and carries on.
  EXPECT_EQ(feed.hand_over_due(t0 - dt + std::chrono::microseconds(700)), t0 + dt);
  EXPECT_EQ(feed.submitted(), 4u);
}

TEST(SlotFeed, BusyReceiversDropTheSlotOrHoldItForALaterTry) {
  {
    FeedRig rig(2);
    ASSERT_TRUE(rig.scheduler) << rig.error;
    const rt::Clock::time_point t0 = rt::Clock::now();
    std::unique_ptr<SlotFeed> feed_ptr = rig.feed(true, t0);
    SlotFeed& feed = *feed_ptr;
    EXPECT_EQ(feed.hand_over_due(t0 + std::chrono::seconds(1)), rt::Clock::time_point::max());
    EXPECT_EQ(feed.submitted(), 2u);
    EXPECT_EQ(feed.dropped(), 8u);
    EXPECT_TRUE(feed.done());
    EXPECT_NE(feed.first_rejection().find("slot 2 rejected"), std::string::npos)
        << feed.first_rejection();
  }
  FeedRig rig(2);
  ASSERT_TRUE(rig.scheduler) << rig.error;
  const rt::Clock::time_point t0 = rt::Clock::now();
  std::unique_ptr<SlotFeed> feed_ptr = rig.feed(false, t0);
  SlotFeed& feed = *feed_ptr;
  const rt::Clock::time_point now = t0 + std::chrono::seconds(1);
  EXPECT_EQ(feed.hand_over_due(now), now);  // slot 2 waits for a receiver: try again soon
  EXPECT_EQ(feed.submitted(), 2u);
  EXPECT_EQ(feed.dropped(), 0u);
  EXPECT_FALSE(feed.done());
  feed.stop();
  EXPECT_EQ(feed.hand_over_due(now), rt::Clock::time_point::max());
  EXPECT_TRUE(feed.done());
  EXPECT_EQ(feed.submitted(), 2u);
}

}  // namespace
}  // namespace airan::cli
