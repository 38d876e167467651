#include "llm/vec_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace airan::llm {
namespace {

// The kernels the forward pass runs here, then the portable ones.
std::vector<VecMathKernels> kernels_under_test() {
  return {vec_math_kernels(), vec_math_portable()};
}

TEST(VecMath, ExpWithinThreeUlpOverTheFloatRange) {
  for (const VecMathKernels& k : kernels_under_test()) {
    std::vector<float> x;
    for (double v = -87.0; v <= 88.0; v += 0.00173) x.push_back(static_cast<float>(v));
    std::vector<float> y = x;
    k.exp_shifted_sum(y.data(), static_cast<int64_t>(y.size()), 0.0f);
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = std::exp(static_cast<double>(x[i]));
      ASSERT_NEAR(y[i], want, want * 3.6e-7) << "x = " << x[i];
    }
  }
}

TEST(VecMath, ExpShiftedSumOfEveryLengthTouchesNothingPastTheEnd) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> score(-30.0f, 5.0f);
  for (const VecMathKernels& k : kernels_under_test()) {
    for (int64_t n = 0; n <= 40; ++n) {
      std::vector<float> x(static_cast<size_t>(n) + 4, 123.0f);
      for (int64_t i = 0; i < n; ++i) x[i] = score(rng);
      const std::vector<float> in = x;
      const double sum = k.exp_shifted_sum(x.data(), n, 5.0f);
      double want = 0.0, got = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        const double e = std::exp(static_cast<double>(in[i] - 5.0f));  // the shift is in float
        EXPECT_NEAR(x[i], e, e * 3.6e-7 + 1e-30) << "n = " << n << ", i = " << i;
        want += e;
        got += x[i];
      }
      EXPECT_NEAR(sum, got, 1e-12 * got) << "n = " << n;  // the sum of what was written
      EXPECT_NEAR(sum, want, 4e-7 * want) << "n = " << n;
      for (size_t i = static_cast<size_t>(n); i < x.size(); ++i) EXPECT_EQ(x[i], 123.0f);
    }
  }
}

TEST(VecMath, ExpOfHugeNegativeArgumentsIsTinyAndNotNegative) {
  for (const VecMathKernels& k : kernels_under_test()) {
    std::vector<float> x = {-88.0f, -100.0f, -1e6f, -INFINITY, 0.0f, -87.0f, -50.0f, -10.0f, -1.0f};
    k.exp_shifted_sum(x.data(), static_cast<int64_t>(x.size()), 0.0f);
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_GE(x[i], 0.0f);
      EXPECT_LE(x[i], 1.3e-38f);
    }
    EXPECT_EQ(x[4], 1.0f);
  }
}

TEST(VecMath, SiluMulMatchesTheDefinitionForEveryLength) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> value(-12.0f, 12.0f);
  for (const VecMathKernels& k : kernels_under_test()) {
    for (int64_t n = 0; n <= 40; ++n) {
      std::vector<float> gate(static_cast<size_t>(n) + 3, 7.0f), up(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        gate[i] = value(rng);
        up[i] = value(rng);
      }
      const std::vector<float> g0 = gate;
      k.silu_mul(gate.data(), up.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        const double g = g0[i];
        const double want = g / (1.0 + std::exp(-g)) * up[i];
        EXPECT_NEAR(gate[i], want, std::abs(want) * 1e-6 + 1e-7) << "n = " << n << ", i = " << i;
      }
      for (size_t i = static_cast<size_t>(n); i < gate.size(); ++i) EXPECT_EQ(gate[i], 7.0f);
    }
  }
  // Saturation: SiLU(g) -> 0 for very negative g and -> g for very positive g.
  for (const VecMathKernels& k : kernels_under_test()) {
    float gate[2] = {-200.0f, 200.0f};
    const float up[2] = {1.0f, 1.0f};
    k.silu_mul(gate, up, 2);
    EXPECT_NEAR(gate[0], 0.0f, 1e-30f);
    EXPECT_EQ(gate[1], 200.0f);
  }
}

}  // namespace
}  // namespace airan::llm
