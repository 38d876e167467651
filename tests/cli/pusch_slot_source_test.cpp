// The emulated slot bank of `airan run`: slots per constant load level, replayed by load.
#include "cli/pusch_slot_source.h"

#include <gtest/gtest.h>

namespace airan::cli {
namespace {

TEST(PuschSlotSource, BankPicksTheNearestLevelAndCyclesItsSlots) {
  PuschSlotSourceOptions o;
  o.ues = 2;
  o.ue_peak_mbps = 4;
  o.slots = 3;
  o.load_levels = {0.1, 0.5, 1.0};
  o.warmup_slots = 2;
  auto src = PuschSlotSource::create(o);
  ASSERT_TRUE(src) << src.error().message;
  EXPECT_EQ((*src)->slots(), 9u);
  EXPECT_EQ((*src)->slot_load(0), 0.1);
  EXPECT_EQ((*src)->slot_load(4), 0.5);
  EXPECT_EQ((*src)->slot_load(8), 1.0);
  EXPECT_EQ((*src)->slot_for(0.0, 0), 0u);
  EXPECT_EQ((*src)->slot_for(0.12, 4), 1u);  // level 0, slot 4 % 3
  EXPECT_EQ((*src)->slot_for(0.45, 2), 5u);  // level 1
  EXPECT_EQ((*src)->slot_for(0.9, 6), 6u);   // level 2, slot 0
  EXPECT_EQ((*src)->slot_for(1.0, 7), 7u);

  // A graph numbered with the run's slot count, whatever bank slot it replays.
  const auto now = rt::Clock::now();
  auto g = (*src)->make_slot(7, now, now + std::chrono::milliseconds(2), 12345);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ((*g)->slot(), 12345u);
  EXPECT_GT((*g)->size(), 2u);
}

TEST(PuschSlotSource, RejectsLoadLevelsOutsideZeroToOne) {
  PuschSlotSourceOptions o;
  o.slots = 1;
  o.load_levels = {0.5, 1.5};
  auto src = PuschSlotSource::create(o);
  ASSERT_FALSE(src);
  EXPECT_NE(src.error().message.find("load_levels"), std::string::npos);
}

}  // namespace
}  // namespace airan::cli
