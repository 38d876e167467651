#include "airan/common/cpu_features.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace airan {
namespace {

TEST(CpuFeatures, DetectedLevelIsSupported) {
  EXPECT_TRUE(cpu_supports(detected_simd_level()));
  EXPECT_TRUE(cpu_supports(SimdLevel::portable));
}

TEST(CpuFeatures, VnniImpliesAvx512) {
  EXPECT_TRUE(!cpu_has_avx512_vnni() || cpu_supports(SimdLevel::avx512));
}

TEST(CpuFeatures, EnvironmentCapsTheLevel) {
  setenv("AIRAN_SIMD", "portable", 1);
  EXPECT_EQ(detected_simd_level(), SimdLevel::portable);
  unsetenv("AIRAN_SIMD");
  EXPECT_EQ(simd_level_name(SimdLevel::avx512), "avx512");
}

}  // namespace
}  // namespace airan
