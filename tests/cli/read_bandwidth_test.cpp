#include "cli/read_bandwidth.h"

#include <gtest/gtest.h>

#include <cmath>

namespace airan::cli {
namespace {

// A small buffer (mostly cache-resident, so no DRAM figure): the probe reads all of it with every
// thread count and reports a finite, positive rate for the size it was given.
TEST(ReadBandwidth, MeasuresTheBufferItWasGiven) {
  for (unsigned threads : {1u, 2u, 3u}) {
    const ReadBandwidth bw = measure_read_bandwidth(threads, 8ULL << 20);
    EXPECT_DOUBLE_EQ(bw.buffer_mib, 8.0) << threads;
    EXPECT_TRUE(std::isfinite(bw.gb_per_s)) << threads;
    EXPECT_GT(bw.gb_per_s, 0.1) << threads;
  }
}

// Sizes that do not split evenly into threads, streams and vectors still work.
TEST(ReadBandwidth, OddSizes) {
  const ReadBandwidth bw = measure_read_bandwidth(3, (1ULL << 20) + 8 * 13);
  EXPECT_GT(bw.gb_per_s, 0.0);
  EXPECT_TRUE(std::isfinite(bw.gb_per_s));
}

}  // namespace
}  // namespace airan::cli
