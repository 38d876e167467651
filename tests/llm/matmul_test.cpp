// Quantised matmul kernels: quantise / dequantise round trips, every implementation against a
// double-precision reference from the dequantised weights and the unquantised activations (with
// a bound that follows from the activation quantisation), implementations against each other,
// odd shapes and row ranges, real tensors from the shared GGUF files, and the error cases.
#include "airan/llm/matmul.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gguf_builder.h"
#include "llm/matmul_impl.h"
#include "llm/quant_blocks.h"
#include "test_data.h"

namespace airan::llm {
namespace {

using quant::f16_to_f32;
using quant::load;

const std::vector<TensorType> kAllTypes = {TensorType::kF32,  TensorType::kF16,  TensorType::kBF16,
                                           TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_K,
                                           TensorType::kQ5_K, TensorType::kQ6_K};

std::string tname(TensorType t) {
  return tensor_type_name(static_cast<uint32_t>(t));
}

int64_t block_of(TensorType t) {
  return tensor_type_traits(static_cast<uint32_t>(t))->block_elements;
}
size_t row_bytes_of(TensorType t, int64_t cols) {
  const auto* tr = tensor_type_traits(static_cast<uint32_t>(t));
  return static_cast<size_t>(cols / tr->block_elements) * tr->block_bytes;
}

bool is_float_type(TensorType t) {
  return t == TensorType::kF32 || t == TensorType::kF16 || t == TensorType::kBF16;
}

/// Every implementation the running CPU can execute (the AVX-512 one with and without VNNI).
std::vector<const MatmulKernels*> implementations() {
  std::vector<const MatmulKernels*> out = {detail::matmul_kernels_portable()};
  if (const auto* k = matmul_kernels(SimdLevel::avx2)) out.push_back(k);
  if (detail::cpu_has_avx512_kernels()) {
    out.push_back(detail::matmul_kernels_avx512(false));
    if (detail::cpu_has_avx512_vnni()) out.push_back(detail::matmul_kernels_avx512(true));
  }
  return out;
}

/// Gaussian values with a few outliers and, per block of 32, a random magnitude, so that blocks
/// and sub-blocks have different scales.
std::vector<float> random_values(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  std::vector<float> v(n);
  float block_scale = 1.0f;
  for (size_t i = 0; i < n; ++i) {
    if (i % 32 == 0) block_scale = scale * (0.05f + 2.0f * uni(rng));
    v[i] = block_scale * normal(rng);
    if (uni(rng) < 0.003f) v[i] *= 8.0f;
  }
  return v;
}

/// A quantised weight matrix owning its bytes, plus its dequantised values.
struct TestMatrix {
  std::vector<uint8_t> bytes;
  std::vector<float> deq;  // rows * cols
  WeightMatrix w;
};

TestMatrix make_matrix(TensorType t, int64_t rows, int64_t cols, uint32_t seed) {
  TestMatrix m;
  const auto values = random_values(static_cast<size_t>(rows * cols), seed, 0.5f);
  const size_t rb = row_bytes_of(t, cols);
  m.bytes.resize(rb * static_cast<size_t>(rows));
  m.deq.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    const Status s = quantize_row(t, values.data() + r * cols, m.bytes.data() + r * rb, cols);
    EXPECT_TRUE(s.is_ok()) << s.message();
    dequantize_row(t, m.bytes.data() + r * rb, m.deq.data() + r * cols, cols);
  }
  m.w.type = t;
  m.w.data = m.bytes.data();
  m.w.rows = rows;
  m.w.cols = cols;
  m.w.row_bytes = rb;
  return m;
}

/// Quantisation step of each activation value for weight type t: the activation block's
/// amax / 127, blocks of 32 (Q4_0, Q8_0) or 256 (K-quants), plus the rounding of F16 scales and
/// of F16 / BF16 activations.
std::vector<double> activation_steps(TensorType t, const float* x, int64_t cols) {
  std::vector<double> step(static_cast<size_t>(cols), 0.0);
  // As in ggml, F16 / BF16 weights meet activations rounded to their type (a step of 2^-10 or
  // 2^-7 relative), and Q8_0 activation scales are stored as F16 (2^-10 relative on the block).
  if (t == TensorType::kF16 || t == TensorType::kBF16) {
    const double rel = t == TensorType::kF16 ? 0x1p-10 : 0x1p-7;
    for (int64_t i = 0; i < cols; ++i) step[static_cast<size_t>(i)] = std::fabs(x[i]) * rel;
  }
  if (is_float_type(t)) return step;
  const bool q8_0 = t == TensorType::kQ4_0 || t == TensorType::kQ8_0;
  const int64_t blk = q8_0 ? 32 : 256;
  for (int64_t b0 = 0; b0 < cols; b0 += blk) {
    float amax = 0.0f;
    for (int64_t i = b0; i < b0 + blk; ++i) amax = std::max(amax, std::fabs(x[i]));
    for (int64_t i = b0; i < b0 + blk; ++i) {
      step[static_cast<size_t>(i)] = amax / 127.0 + (q8_0 ? std::fabs(x[i]) * 0x1p-10 : 0.0);
    }
  }
  return step;
}

/// Checks y (batch x rows, row stride y_stride) against the double reference for rows
/// [r0, r1): |y - ref| <= sum |w| * step / 2 (activation rounding, the worst case) + float
/// accumulation slack relative to sum |w x|.
void expect_matches_reference(const TestMatrix& m, const std::vector<float>& x, int64_t batch,
                              const std::vector<float>& y, int64_t y_stride, int64_t r0, int64_t r1,
                              const std::string& what) {
  const int64_t cols = m.w.cols;
  int failures = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const float* xb = x.data() + b * cols;
    const auto step = activation_steps(m.w.type, xb, cols);
    for (int64_t r = r0; r < r1; ++r) {
      const float* wr = m.deq.data() + r * cols;
      double ref = 0.0, abs_sum = 0.0, bound = 0.0;
      for (int64_t i = 0; i < cols; ++i) {
        ref += static_cast<double>(wr[i]) * xb[i];
        abs_sum += std::fabs(static_cast<double>(wr[i]) * xb[i]);
        bound += std::fabs(static_cast<double>(wr[i])) * step[static_cast<size_t>(i)] * 0.5;
      }
      const double tol = bound * 1.0001 + 2e-5 * abs_sum + 1e-6;
      const double got = y[static_cast<size_t>(b * y_stride + r)];
      if (!(std::fabs(got - ref) <= tol) && failures++ < 5) {
        ADD_FAILURE() << what << ": batch row " << b << ", row " << r << ": got " << got
                      << ", reference " << ref << ", tolerance " << tol;
      }
    }
  }
  EXPECT_EQ(failures, 0) << what;
}

// ---- round trips -------------------------------------------------------------------------------

// Worst-case error of one dequantised value, from the block's own coded parameters.
std::vector<double> roundtrip_bounds(TensorType t, const uint8_t* row, const float* x, int64_t n) {
  std::vector<double> bound(static_cast<size_t>(n));
  switch (t) {
    case TensorType::kF32:
      std::fill(bound.begin(), bound.end(), 0.0);
      break;
    case TensorType::kF16:
      for (int64_t i = 0; i < n; ++i) bound[i] = std::fabs(x[i]) * 0x1p-11 + 0x1p-25;
      break;
    case TensorType::kBF16:
      for (int64_t i = 0; i < n; ++i) bound[i] = std::fabs(x[i]) * 0x1p-8 + 1e-38;
      break;
    case TensorType::kQ8_0:  // half a step
      for (int64_t i = 0; i < n; ++i) {
        bound[i] = 0.5 * f16_to_f32(load<uint16_t>(row + 34 * (i / 32))) + 1e-30;
      }
      break;
    case TensorType::kQ4_0:  // the largest value of the sign opposite to d clips by one step
      for (int64_t i = 0; i < n; ++i) {
        bound[i] = std::fabs(f16_to_f32(load<uint16_t>(row + 18 * (i / 32)))) + 1e-30;
      }
      break;
    case TensorType::kQ4_K:
    case TensorType::kQ5_K: {
      const bool five = t == TensorType::kQ5_K;
      const size_t bb = five ? 176 : 144;
      const double top = five ? 31 : 15;
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t* b = row + bb * (i / 256);
        const double d = f16_to_f32(load<uint16_t>(b)), dmin = f16_to_f32(load<uint16_t>(b + 2));
        uint8_t sc, m;
        quant::scale_min_k4(static_cast<int>((i % 256) / 32), b + 4, &sc, &m);
        // rounding of q, of the min, and the 6-bit scale being up to d/2 short over q <= top
        bound[i] = 0.5 * d * sc + 0.5 * dmin + 0.5 * d * top + 1e-6;
      }
      break;
    }
    case TensorType::kQ6_K:
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t* b = row + 210 * (i / 256);
        const double d = std::fabs(f16_to_f32(load<uint16_t>(b + 208)));
        const double sc = std::fabs(static_cast<int8_t>(b[192 + (i % 256) / 16]));
        bound[i] = d * sc + 0.5 * d * 32 + 1e-6;
      }
      break;
    default:
      break;
  }
  return bound;
}

TEST(QuantizeRow, RoundTripErrorIsBounded) {
  const int64_t n = 1024;
  std::vector<std::vector<float>> inputs;
  inputs.push_back(random_values(n, 1));
  inputs.push_back(random_values(n, 2, 1e-3f));
  inputs.push_back(random_values(n, 3, 300.0f));
  inputs.push_back(std::vector<float>(n, 0.0f));
  inputs.push_back(std::vector<float>(n, 0.75f));  // constant, positive
  inputs.push_back(std::vector<float>(n, -2.5f));  // constant, negative
  std::vector<float> spike(n, 0.01f);
  spike[300] = 50.0f;
  inputs.push_back(spike);
  std::vector<float> ramp(n);
  for (int64_t i = 0; i < n; ++i) ramp[i] = static_cast<float>(i % 97) - 40.0f;
  inputs.push_back(ramp);

  for (TensorType t : kAllTypes) {
    for (size_t c = 0; c < inputs.size(); ++c) {
      const auto& x = inputs[c];
      std::vector<uint8_t> q(row_bytes_of(t, n));
      ASSERT_TRUE(quantize_row(t, x.data(), q.data(), n).is_ok());
      std::vector<float> y(n);
      dequantize_row(t, q.data(), y.data(), n);
      const auto bound = roundtrip_bounds(t, q.data(), x.data(), n);
      double err2 = 0.0, x2 = 0.0;
      int bad = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double e = std::fabs(static_cast<double>(y[i]) - x[i]);
        err2 += e * e;
        x2 += static_cast<double>(x[i]) * x[i];
        if (!(e <= bound[i] * 1.0001 + 1e-30) && bad++ < 3) {
          ADD_FAILURE() << tname(t) << " input " << c << " value " << i << ": " << x[i] << " -> "
                        << y[i] << ", bound " << bound[i];
        }
      }
      // And the typical error is small: relative RMS error per type.
      const double rel = x2 > 0 ? std::sqrt(err2 / x2) : std::sqrt(err2);
      const double max_rel = t == TensorType::kF32    ? 0.0
                             : t == TensorType::kF16  ? 1e-3
                             : t == TensorType::kBF16 ? 5e-3
                             : t == TensorType::kQ8_0 ? 0.01
                             : t == TensorType::kQ6_K ? 0.03
                             : t == TensorType::kQ5_K ? 0.06
                                                      : 0.13;
      EXPECT_LE(rel, max_rel) << tname(t) << " input " << c;
    }
  }
}

TEST(QuantizeRow, F16AndBf16Conversions) {
  using quant::bf16_to_f32;
  using quant::f32_to_bf16;
  using quant::f32_to_f16;
  // Every half converts to float and back unchanged (NaNs stay NaN).
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f))));
    } else {
      ASSERT_EQ(f32_to_f16(f), h) << h;
    }
  }
  EXPECT_EQ(f16_to_f32(0x3C00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x0001), 0x1p-24f);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7C00);         // rounds to inf
  EXPECT_EQ(f32_to_f16(1.0f + 0x1p-11f), 0x3C00);  // tie to even
  EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.5f)), 1.5f);
  EXPECT_EQ(f32_to_bf16(1.0f + 0x1p-8f), 0x3F80);  // tie to even
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::nanf("")))));
}

TEST(QuantizeRow, Errors) {
  std::vector<float> x(256, 1.0f);
  std::vector<uint8_t> out(2048);
  EXPECT_FALSE(quantize_row(TensorType::kQ4_1, x.data(), out.data(), 32).is_ok());
  EXPECT_FALSE(quantize_row(TensorType::kQ8_K, x.data(), out.data(), 256).is_ok());
  EXPECT_FALSE(quantize_row(static_cast<TensorType>(99), x.data(), out.data(), 32).is_ok());
  const Status s = quantize_row(TensorType::kQ4_K, x.data(), out.data(), 128);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("256"), std::string::npos) << s.message();
  EXPECT_FALSE(quantize_row(TensorType::kQ8_0, x.data(), out.data(), 33).is_ok());
  EXPECT_TRUE(quantize_row(TensorType::kF16, x.data(), out.data(), 33).is_ok());
}

// ---- kernels -----------------------------------------------------------------------------------

TEST(MatmulKernels, FactoryAndNames) {
  const auto* best = matmul_kernels();
  ASSERT_NE(best, nullptr);
  const auto* portable = matmul_kernels(SimdLevel::portable);
  ASSERT_NE(portable, nullptr);
  EXPECT_EQ(portable->implementation(), "portable");
  if (cpu_supports(SimdLevel::avx2)) {
    ASSERT_NE(matmul_kernels(SimdLevel::avx2), nullptr);
    EXPECT_EQ(matmul_kernels(SimdLevel::avx2)->implementation(), "avx2");
  } else {
    EXPECT_EQ(matmul_kernels(SimdLevel::avx2), nullptr);
  }
  if (detail::cpu_has_avx512_kernels()) {
    const auto* k = matmul_kernels(SimdLevel::avx512);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->implementation(), detail::cpu_has_avx512_vnni() ? "avx512-vnni" : "avx512");
    EXPECT_EQ(detail::matmul_kernels_avx512(false)->implementation(), "avx512");
  } else {
    EXPECT_EQ(matmul_kernels(SimdLevel::avx512), nullptr);
  }
  EXPECT_EQ(matmul_kernels(SimdLevel::portable), matmul_kernels(SimdLevel::portable));
  // The default is the best the CPU runs (AIRAN_SIMD may cap it).
  const SimdLevel level = detected_simd_level();
  if (level == SimdLevel::portable) {
    EXPECT_EQ(best->implementation(), "portable");
  }
  if (level == SimdLevel::avx2) {
    EXPECT_EQ(best->implementation(), "avx2");
  }
  if (level == SimdLevel::avx512 && detail::cpu_has_avx512_kernels()) {
    EXPECT_EQ(best, matmul_kernels(SimdLevel::avx512));
  }
}

struct Shape {
  int64_t rows;
  int64_t cols;
};

std::vector<Shape> shapes_for(TensorType t) {
  if (is_float_type(t)) return {{1, 1}, {5, 17}, {13, 172}, {37, 256}, {20, 1000}, {3, 2048}};
  if (block_of(t) == 32) {
    return {{1, 32}, {4, 64}, {7, 96}, {19, 160}, {9, 192}, {33, 544}, {5, 2048}, {3, 4096}};
  }
  return {{1, 256}, {7, 512}, {19, 768}, {33, 1280}, {5, 2816}};
}

TEST(MatmulKernels, EveryTypeAndImplementationMatchesReference) {
  const auto impls = implementations();
  for (TensorType t : kAllTypes) {
    uint32_t seed = 100;
    for (const Shape& s : shapes_for(t)) {
      const TestMatrix m = make_matrix(t, s.rows, s.cols, seed++);
      for (int64_t batch : {1, 2, 3, 4, 5, 8, 17}) {
        const auto x = random_values(static_cast<size_t>(batch * s.cols), seed++);
        for (const auto* k : impls) {
          QuantizedActivations qa;
          k->quantize_activations(qa, t, x.data(), batch, s.cols);
          ASSERT_EQ(qa.batch, batch);
          ASSERT_EQ(qa.cols, s.cols);
          ASSERT_EQ(qa.weight_type, t);
          std::vector<float> y(static_cast<size_t>(batch * s.rows), NAN);
          k->matmul_rows(m.w, qa, y.data(), s.rows, 0, s.rows);
          expect_matches_reference(m, x, batch, y, s.rows, 0, s.rows,
                                   std::string(k->implementation()) + " " + tname(t) + " " +
                                       std::to_string(s.rows) + "x" + std::to_string(s.cols) +
                                       " batch " + std::to_string(batch));
        }
      }
    }
  }
}

TEST(MatmulKernels, ImplementationsAgreeWithPortable) {
  const auto impls = implementations();
  const auto* portable = detail::matmul_kernels_portable();
  for (TensorType t : kAllTypes) {
    const int64_t cols = block_of(t) == 256 ? 2048 : (block_of(t) == 32 ? 1120 : 1001);
    const int64_t rows = 45;
    const TestMatrix m = make_matrix(t, rows, cols, 7);
    for (int64_t batch = 1; batch <= 17; ++batch) {
      const auto x = random_values(static_cast<size_t>(batch * cols), 900 + batch);
      QuantizedActivations ref_qa;
      portable->quantize_activations(ref_qa, t, x.data(), batch, cols);
      std::vector<float> ref(static_cast<size_t>(batch * rows));
      portable->matmul_rows(m.w, ref_qa, ref.data(), rows, 0, rows);
      for (const auto* k : impls) {
        const std::string what =
            std::string(k->implementation()) + " " + tname(t) + " batch " + std::to_string(batch);
        QuantizedActivations qa;
        k->quantize_activations(qa, t, x.data(), batch, cols);
        // Byte-identical activations: every implementation rounds the same way.
        ASSERT_EQ(qa.row_bytes, ref_qa.row_bytes) << what;
        ASSERT_EQ(0, std::memcmp(qa.data.data(), ref_qa.data.data(),
                                 qa.row_bytes * static_cast<size_t>(batch)))
            << what;
        std::vector<float> y(static_cast<size_t>(batch * rows));
        k->matmul_rows(m.w, qa, y.data(), rows, 0, rows);
        for (int64_t b = 0; b < batch; ++b) {
          for (int64_t r = 0; r < rows; ++r) {
            double abs_sum = 0.0;
            for (int64_t i = 0; i < cols; ++i) {
              abs_sum += std::fabs(m.deq[r * cols + i] * x[b * cols + i]);
            }
            const size_t at = static_cast<size_t>(b * rows + r);
            ASSERT_NEAR(y[at], ref[at], 1e-5 * abs_sum + 1e-7) << what << " row " << r;
          }
        }
      }
    }
  }
}

TEST(MatmulKernels, RowRangesAndStrideLeaveOtherOutputsAlone) {
  const auto impls = implementations();
  for (TensorType t : kAllTypes) {
    const int64_t cols = block_of(t) == 256 ? 512 : 224;
    const int64_t rows = 29, batch = 6, stride = rows + 5;
    const TestMatrix m = make_matrix(t, rows, cols, 55);
    const auto x = random_values(static_cast<size_t>(batch * cols), 56);
    for (const auto* k : impls) {
      QuantizedActivations qa;
      k->quantize_activations(qa, t, x.data(), batch, cols);
      std::vector<float> y(static_cast<size_t>(batch * stride), -12345.0f);
      // Disjoint ranges of odd sizes, in an odd order, cover every row.
      const std::vector<std::pair<int64_t, int64_t>> ranges = {{11, 12}, {0, 3},   {3, 11},
                                                               {12, 28}, {28, 29}, {5, 5}};
      for (auto [r0, r1] : ranges) k->matmul_rows(m.w, qa, y.data(), stride, r0, r1);
      const std::string what = std::string(k->implementation()) + " " + tname(t);
      expect_matches_reference(m, x, batch, y, stride, 0, rows, what);
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t r = rows; r < stride; ++r) {
          EXPECT_EQ(y[static_cast<size_t>(b * stride + r)], -12345.0f) << what;
        }
      }
      // A sub-range only writes its rows.
      std::vector<float> z(static_cast<size_t>(batch * stride), -7.0f);
      k->matmul_rows(m.w, qa, z.data(), stride, 4, 9);
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t r = 0; r < stride; ++r) {
          const float v = z[static_cast<size_t>(b * stride + r)];
          if (r >= 4 && r < 9) {
            EXPECT_EQ(v, y[static_cast<size_t>(b * stride + r)]) << what;
          } else {
            EXPECT_EQ(v, -7.0f) << what;
          }
        }
      }
    }
  }
}

// Batches whose activations exceed the L2 budget are cut along the reduction dimension (partial
// sums added into y): still the reference result, and the same as the portable one.
TEST(MatmulKernels, LargeBatchesAcrossReductionChunks) {
  const auto impls = implementations();
  for (TensorType t : kAllTypes) {
    const int64_t cols = is_float_type(t) ? 3001 : 4096;
    const int64_t rows = 9;
    const TestMatrix m = make_matrix(t, rows, cols, 21);
    for (int64_t batch : {40, 64}) {
      const auto x = random_values(static_cast<size_t>(batch * cols), 22 + batch);
      for (const auto* k : impls) {
        QuantizedActivations qa;
        k->quantize_activations(qa, t, x.data(), batch, cols);
        std::vector<float> y(static_cast<size_t>(batch * rows), NAN);
        k->matmul_rows(m.w, qa, y.data(), rows, 0, rows);
        expect_matches_reference(
            m, x, batch, y, rows, 0, rows,
            std::string(k->implementation()) + " " + tname(t) + " batch " + std::to_string(batch));
      }
    }
  }
}

// Disjoint row ranges on two threads at once (the kernels are stateless).
TEST(MatmulKernels, ConcurrentRowRanges) {
  const auto* k = matmul_kernels();
  for (TensorType t : {TensorType::kQ4_0, TensorType::kQ4_K, TensorType::kF16}) {
    const int64_t rows = 301, cols = 1024, batch = 5;
    const TestMatrix m = make_matrix(t, rows, cols, 5);
    const auto x = random_values(static_cast<size_t>(batch * cols), 6);
    QuantizedActivations qa;
    k->quantize_activations(qa, t, x.data(), batch, cols);
    std::vector<float> one(static_cast<size_t>(batch * rows)), two(one.size());
    k->matmul_rows(m.w, qa, one.data(), rows, 0, rows);
    std::thread th([&] { k->matmul_rows(m.w, qa, two.data(), rows, 0, 150); });
    k->matmul_rows(m.w, qa, two.data(), rows, 150, rows);
    th.join();
    EXPECT_EQ(one, two) << tname(t);
  }
}

TEST(MatmulKernels, ActivationBuffersAreReused) {
  for (const auto* k : implementations()) {
    QuantizedActivations qa;
    const auto x = random_values(16 * 2048, 3);
    // The largest shape first (F32 activations: 16 rows of 8 KiB) ...
    k->quantize_activations(qa, TensorType::kF32, x.data(), 16, 2048);
    const uint8_t* p = qa.data.data();
    // ... then every type and smaller shapes reuse the buffer.
    for (TensorType t : kAllTypes) {
      for (int64_t batch : {1, 7, 16}) {
        k->quantize_activations(qa, t, x.data(), batch, 2048);
        EXPECT_EQ(qa.weight_type, t);
        EXPECT_EQ(qa.batch, batch);
        EXPECT_EQ(qa.cols, 2048);
        EXPECT_GE(qa.data.size(), qa.row_bytes * static_cast<size_t>(batch));
        EXPECT_EQ(qa.data.data(), p) << k->implementation() << " " << tname(t);
      }
    }
  }
}

TEST(MatmulKernels, ExtremeActivations) {
  // Zero rows, one huge value, tiny values: no NaN, and still within the reference bound.
  const auto impls = implementations();
  for (TensorType t : kAllTypes) {
    const int64_t cols = 512, rows = 9, batch = 4;
    const TestMatrix m = make_matrix(t, rows, cols, 77);
    std::vector<float> x(static_cast<size_t>(batch * cols), 0.0f);
    x[cols + 17] = 1e4f;
    for (int64_t i = 0; i < cols; ++i) x[2 * cols + i] = 1e-20f * static_cast<float>(i % 7 - 3);
    for (int64_t i = 0; i < cols; ++i) x[3 * cols + i] = (i % 2) ? 127.0f : -127.0f;
    for (const auto* k : impls) {
      QuantizedActivations qa;
      k->quantize_activations(qa, t, x.data(), batch, cols);
      std::vector<float> y(static_cast<size_t>(batch * rows), NAN);
      k->matmul_rows(m.w, qa, y.data(), rows, 0, rows);
      for (int64_t r = 0; r < rows; ++r) EXPECT_EQ(y[r], 0.0f);
      expect_matches_reference(m, x, batch, y, rows, 0, rows,
                               std::string(k->implementation()) + " extreme " + tname(t));
    }
  }
}

// ---- real tensors ------------------------------------------------------------------------------

struct RealCase {
  const char* file;
  const char* tensor;
  TensorType type;
};

TEST(MatmulKernels, RealTensorsFromSharedModels) {
  const std::vector<RealCase> cases = {
      {"synthetic-tiny-256-Q4_K.gguf", "blk.0.attn_q.weight", TensorType::kQ4_K},
      {"synthetic-tiny-256-Q4_K.gguf", "blk.1.ffn_down.weight", TensorType::kQ4_K},
      {"synthetic-tiny-256-Q4_K.gguf", "output.weight", TensorType::kQ6_K},
      {"synthetic-tiny-256-Q8_0.gguf", "blk.0.ffn_up.weight", TensorType::kQ8_0},
      {"synthetic-tiny-256-Q4_0.gguf", "blk.0.attn_k.weight", TensorType::kQ4_0},
      {"stories260K-Q8_0.gguf", "blk.0.attn_q.weight", TensorType::kQ8_0},
      {"stories260K-Q8_0.gguf", "blk.0.ffn_down.weight", TensorType::kF16},
      {"stories260K-Q4_0.gguf", "blk.2.ffn_gate.weight", TensorType::kQ4_0},
      {"stories260K-Q4_0.gguf", "blk.4.ffn_down.weight", TensorType::kF16},
      {"stories260K-Q4_0.gguf", "output.weight", TensorType::kQ8_0},
      {"stories260K.gguf", "blk.1.attn_v.weight", TensorType::kF32},
  };
  const auto impls = implementations();
  int ran = 0;
  for (const RealCase& c : cases) {
    const auto path = test::data_path(std::string("llm/models/") + c.file);
    if (!std::filesystem::exists(path)) continue;
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file) << file.error().message;
    const auto* info = file->find_tensor(c.tensor);
    ASSERT_NE(info, nullptr) << c.file << " " << c.tensor;
    auto wm = weight_matrix(*file, *info);
    ASSERT_TRUE(wm) << wm.error().message;
    ASSERT_EQ(wm->type, c.type) << c.file << " " << c.tensor;
    ASSERT_EQ(wm->cols, info->shape[0]);
    ASSERT_EQ(wm->rows, info->shape[1]);
    TestMatrix m;
    m.w = *wm;
    m.deq.resize(static_cast<size_t>(wm->rows * wm->cols));
    for (int64_t r = 0; r < wm->rows; ++r) {
      dequantize_row(wm->type, wm->data + r * wm->row_bytes, m.deq.data() + r * wm->cols, wm->cols);
    }
    // The dequantised weights are sane numbers.
    double w2 = 0.0;
    for (float v : m.deq) {
      ASSERT_TRUE(std::isfinite(v));
      w2 += static_cast<double>(v) * v;
    }
    EXPECT_GT(w2, 0.0);
    for (int64_t batch : {1, 3, 16}) {
      const auto x = random_values(static_cast<size_t>(batch * wm->cols), 31 + batch);
      for (const auto* k : impls) {
        QuantizedActivations qa;
        k->quantize_activations(qa, wm->type, x.data(), batch, wm->cols);
        std::vector<float> y(static_cast<size_t>(batch * wm->rows));
        k->matmul_rows(*wm, qa, y.data(), wm->rows, 0, wm->rows);
        expect_matches_reference(m, x, batch, y, wm->rows, 0, wm->rows,
                                 std::string(k->implementation()) + " " + c.file + " " + c.tensor +
                                     " batch " + std::to_string(batch));
      }
    }
    ++ran;
  }
  if (ran == 0) GTEST_SKIP() << "no shared models under " << test::data_dir();
  EXPECT_EQ(ran, static_cast<int>(cases.size()));
}

// Known values: the first block of a real Q8_0 tensor dequantises to d * q.
TEST(MatmulKernels, DequantiseMatchesBlockDefinition) {
  const auto path = test::data_path("llm/models/stories260K-Q8_0.gguf");
  if (!std::filesystem::exists(path)) GTEST_SKIP();
  auto file = GgufFile::open(path);
  ASSERT_TRUE(file);
  const auto* info = file->find_tensor("blk.0.attn_q.weight");
  ASSERT_NE(info, nullptr);
  auto data = file->tensor_data(*info);
  ASSERT_TRUE(data);
  float y[32];
  dequantize_row(TensorType::kQ8_0, data->data(), y, 32);
  const float d = f16_to_f32(load<uint16_t>(data->data()));
  for (int j = 0; j < 32; ++j) {
    EXPECT_EQ(y[j], d * static_cast<float>(static_cast<int8_t>((*data)[2 + j])));
  }
}

// ---- weight_matrix errors ----------------------------------------------------------------------

GgufFile file_with_tensors() {
  test::GgufBuilder b;
  b.header(5, 1);
  b.kv_str("general.architecture", "llama");
  b.tensor("vec", {64}, 0, 0);            // 1-D F32, 256 bytes
  b.tensor("q41", {32, 2}, 3, 256);       // Q4_1: known, not computed with, 40 bytes
  b.tensor("cube", {32, 2, 2}, 8, 320);   // 3-D Q8_0, 136 bytes
  b.tensor("mat", {64, 3}, 8, 512);       // Q8_0 64x3: 2 blocks a row, 204 bytes
  b.tensor("flat3", {32, 2, 1}, 8, 768);  // 2-D with a trailing 1: 68 bytes
  b.pad_to(32);
  b.fill(1024, 0);
  auto f = GgufFile::parse(b.bytes, "test.gguf");
  EXPECT_TRUE(f) << (f ? "" : f.error().message);
  return std::move(f).value();
}

TEST(WeightMatrix, ViewsAndErrors) {
  const GgufFile f = file_with_tensors();
  auto mat = weight_matrix(f, *f.find_tensor("mat"));
  ASSERT_TRUE(mat) << mat.error().message;
  EXPECT_EQ(mat->rows, 3);
  EXPECT_EQ(mat->cols, 64);
  EXPECT_EQ(mat->row_bytes, 68u);
  EXPECT_EQ(mat->type, TensorType::kQ8_0);
  EXPECT_EQ(mat->data, f.tensor_data(*f.find_tensor("mat"))->data());
  auto flat = weight_matrix(f, *f.find_tensor("flat3"));
  ASSERT_TRUE(flat) << flat.error().message;
  EXPECT_EQ(flat->rows, 2);

  auto vec = weight_matrix(f, *f.find_tensor("vec"));
  ASSERT_FALSE(vec);
  EXPECT_NE(vec.error().message.find("vec"), std::string::npos) << vec.error().message;
  EXPECT_NE(vec.error().message.find("2-D"), std::string::npos) << vec.error().message;

  auto q41 = weight_matrix(f, *f.find_tensor("q41"));
  ASSERT_FALSE(q41);
  EXPECT_NE(q41.error().message.find("Q4_1"), std::string::npos) << q41.error().message;

  auto cube = weight_matrix(f, *f.find_tensor("cube"));
  ASSERT_FALSE(cube);
  EXPECT_NE(cube.error().message.find("cube"), std::string::npos) << cube.error().message;

  // A table entry the reader would never produce: row length not a multiple of the block.
  GgufTensorInfo odd = *f.find_tensor("mat");
  odd.name = "odd";
  odd.shape = {48, 2};
  auto o = weight_matrix(f, odd);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("odd"), std::string::npos) << o.error().message;
  EXPECT_NE(o.error().message.find("32"), std::string::npos) << o.error().message;

  GgufTensorInfo unknown = *f.find_tensor("mat");
  unknown.name = "strange";
  unknown.type = 77;
  auto u = weight_matrix(f, unknown);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("strange"), std::string::npos) << u.error().message;

  GgufTensorInfo empty = *f.find_tensor("mat");
  empty.shape = {64, 0};
  EXPECT_FALSE(weight_matrix(f, empty));
}

// ---- repacked weight layouts -------------------------------------------------------------------

/// A repacked copy of `w` in 64-byte aligned memory it owns.
struct RepackedMatrix {
  std::vector<uint8_t> storage;
  WeightMatrix w;
};

RepackedMatrix repacked(const WeightMatrix& w, WeightLayout layout) {
  RepackedMatrix out;
  const size_t bytes = repacked_bytes(w, layout);
  EXPECT_GT(bytes, 0u);
  out.storage.resize(bytes + 64);
  const auto addr = reinterpret_cast<uintptr_t>(out.storage.data());
  out.w = repack_weights(w, layout, out.storage.data() + (64 - addr % 64) % 64);
  return out;
}

// Every row comes back from `r` (a repacked copy of m) as the same GGUF blocks.
void expect_same_gguf_rows(const TestMatrix& m, const WeightMatrix& r) {
  std::vector<uint8_t> row(m.w.row_bytes);
  for (int64_t i = 0; i < m.w.rows; ++i) {
    copy_gguf_row(r, i, row.data());
    EXPECT_EQ(0, std::memcmp(row.data(), m.bytes.data() + i * m.w.row_bytes, row.size())) << i;
    copy_gguf_row(m.w, i, row.data());
    EXPECT_EQ(0, std::memcmp(row.data(), m.bytes.data() + i * m.w.row_bytes, row.size())) << i;
  }
}

TEST(WeightLayouts, X8SizesRowsAndPreferences) {
  const TestMatrix m4 = make_matrix(TensorType::kQ4_0, 13, 160, 71);  // 5 blocks: a partial quad
  const TestMatrix m8 = make_matrix(TensorType::kQ8_0, 13, 160, 72);
  // 2 groups of 8 rows, each 2 quads of 576 (Q4_0) or 1088 bytes (Q8_0).
  EXPECT_EQ(repacked_bytes(m4.w, WeightLayout::kQ4_0x8), 2u * 2u * 576u);
  EXPECT_EQ(repacked_bytes(m8.w, WeightLayout::kQ8_0x8), 2u * 2u * 1088u);
  EXPECT_EQ(x8_group_bytes(WeightLayout::kQ4_0x8, 160), 2u * 576u);
  EXPECT_EQ(x8_group_bytes(WeightLayout::kQ8_0x8, 160), 2u * 1088u);
  EXPECT_EQ(repacked_bytes(m8.w, WeightLayout::kQ4_0x8), 0u);
  EXPECT_EQ(repacked_bytes(m4.w, WeightLayout::kQ8_0x8), 0u);
  EXPECT_EQ(repacked_bytes(make_matrix(TensorType::kQ4_K, 8, 256, 1).w, WeightLayout::kQ8_0x8), 0u);
  for (const auto& [m, layout] :
       {std::pair{&m4, WeightLayout::kQ4_0x8}, std::pair{&m8, WeightLayout::kQ8_0x8}}) {
    const RepackedMatrix r = repacked(m->w, layout);
    EXPECT_EQ(r.w.layout, layout);
    EXPECT_EQ(repacked_bytes(r.w, layout), 0u);  // only from the GGUF layout
    EXPECT_EQ(r.w.row_bytes, m->w.row_bytes);
    expect_same_gguf_rows(*m, r.w);
    // The GGUF layout copies as it is (a model load copies every matrix into huge pages).
    EXPECT_EQ(repacked_bytes(m->w, WeightLayout::kGguf), m->bytes.size());
    expect_same_gguf_rows(*m, repacked(m->w, WeightLayout::kGguf).w);
  }
  for (const auto* k : implementations()) {
    const bool avx512 = k->implementation().starts_with("avx512");
    EXPECT_EQ(k->preferred_layout(TensorType::kQ4_0),
              avx512 ? WeightLayout::kQ4_0x8 : WeightLayout::kGguf)
        << k->implementation();
    // Q8_0's layout needs VPDPBUSD (q + 128 would saturate VPMADDUBSW).
    EXPECT_EQ(k->preferred_layout(TensorType::kQ8_0),
              k->implementation() == "avx512-vnni" ? WeightLayout::kQ8_0x8 : WeightLayout::kGguf)
        << k->implementation();
    EXPECT_EQ(k->preferred_layout(TensorType::kQ4_K), WeightLayout::kGguf) << k->implementation();
  }
}

// Every implementation gives the repacked matrix the results it gives the GGUF one (the integer
// block sums are the same; only the float summation order may differ), for row counts that are
// not a multiple of 8, row ranges that start and end inside a group of 8, partial quads of
// blocks, and batches that span several column blocks; rows outside the ranges stay untouched.
// (Layouts an implementation does not prefer it reads through GGUF rows.)
void expect_repacked_matches_gguf(TensorType type, WeightLayout layout) {
  for (const Shape sh :
       {Shape{1, 32}, Shape{7, 96}, Shape{9, 128}, Shape{29, 1120}, Shape{45, 4096}}) {
    const TestMatrix m = make_matrix(type, sh.rows, sh.cols, 81);
    const RepackedMatrix r = repacked(m.w, layout);
    const int64_t stride = sh.rows + 3;
    for (int64_t batch : {1, 3, 5, 40}) {
      const auto x = random_values(static_cast<size_t>(batch * sh.cols), 82 + batch);
      for (const auto* k : implementations()) {
        const std::string what = std::string(k->implementation()) + " " + std::to_string(sh.rows) +
                                 " x " + std::to_string(sh.cols) + " batch " +
                                 std::to_string(batch);
        QuantizedActivations qa;
        k->quantize_activations(qa, type, x.data(), batch, sh.cols);
        std::vector<float> ref(static_cast<size_t>(batch * stride), -5.0f);
        k->matmul_rows(m.w, qa, ref.data(), stride, 0, sh.rows);
        std::vector<float> y(static_cast<size_t>(batch * stride), -5.0f);
        for (int64_t r0 = 0; r0 < sh.rows;) {  // pieces of 3, 6, 9, ... rows
          const int64_t r1 = std::min(sh.rows, r0 + 3 * (r0 / 3 + 1));
          k->matmul_rows(r.w, qa, y.data(), stride, r0, r1);
          r0 = r1;
        }
        for (int64_t b = 0; b < batch; ++b) {
          for (int64_t row = 0; row < stride; ++row) {
            const size_t at = static_cast<size_t>(b * stride + row);
            if (row >= sh.rows) {
              ASSERT_EQ(y[at], -5.0f) << what << " row " << row;
              continue;
            }
            double abs_sum = 0.0;
            for (int64_t i = 0; i < sh.cols; ++i) {
              abs_sum += std::fabs(m.deq[row * sh.cols + i] * x[b * sh.cols + i]);
            }
            ASSERT_NEAR(y[at], ref[at], 1e-5 * abs_sum + 1e-7) << what << " row " << row;
          }
        }
        expect_matches_reference(m, x, batch, y, stride, 0, sh.rows, what);
      }
    }
  }
}

TEST(WeightLayouts, RepackedQ4_0MatchesGgufLayout) {
  expect_repacked_matches_gguf(TensorType::kQ4_0, WeightLayout::kQ4_0x8);
}

TEST(WeightLayouts, RepackedQ8_0MatchesGgufLayout) {
  expect_repacked_matches_gguf(TensorType::kQ8_0, WeightLayout::kQ8_0x8);
}

// Batches of several activation rows tile the repacked layouts 16 weight rows x 6 activation rows
// at a time (8 x 1 for one activation row), in column blocks that stay in L2. Each output takes
// the same operations whatever tile it falls in, so every activation row of a batch gives exactly
// its batch-of-one result: for row counts and row ranges that leave a lone or partial group of 8,
// batches that leave every tile width, and batches that span several column blocks.
TEST(WeightLayouts, RepackedTilesGiveBatchOfOneResults) {
  for (const auto& [type, layout] : {std::pair{TensorType::kQ4_0, WeightLayout::kQ4_0x8},
                                     std::pair{TensorType::kQ8_0, WeightLayout::kQ8_0x8}}) {
    for (const auto* k : implementations()) {
      if (k->preferred_layout(type) != layout) continue;
      for (const Shape sh : {Shape{45, 4096}, Shape{16, 160}, Shape{37, 1120}}) {
        const TestMatrix m = make_matrix(type, sh.rows, sh.cols, 91);
        const RepackedMatrix r = repacked(m.w, layout);
        for (int64_t batch : {2, 5, 6, 7, 8, 9, 12, 13, 16, 17, 40, 64, 100}) {
          const std::string what = std::string(k->implementation()) + " " + tname(type) + " " +
                                   std::to_string(sh.rows) + " x " + std::to_string(sh.cols) +
                                   " batch " + std::to_string(batch);
          const auto x = random_values(static_cast<size_t>(batch * sh.cols), 92 + batch);
          QuantizedActivations qa;
          k->quantize_activations(qa, type, x.data(), batch, sh.cols);
          std::vector<float> y(static_cast<size_t>(batch * sh.rows), NAN);
          // whole range, then again in pieces that start and end inside groups of 8
          k->matmul_rows(r.w, qa, y.data(), sh.rows, 0, sh.rows);
          std::vector<float> pieces(y.size(), NAN);
          for (int64_t r0 = 0; r0 < sh.rows;) {
            const int64_t r1 = std::min(sh.rows, r0 + 21);
            k->matmul_rows(r.w, qa, pieces.data(), sh.rows, r0, r1);
            r0 = r1;
          }
          ASSERT_EQ(0, std::memcmp(y.data(), pieces.data(), y.size() * sizeof(float))) << what;
          for (int64_t b = 0; b < batch; ++b) {
            QuantizedActivations one;
            k->quantize_activations(one, type, x.data() + b * sh.cols, 1, sh.cols);
            std::vector<float> y1(static_cast<size_t>(sh.rows), NAN);
            k->matmul_rows(r.w, one, y1.data(), sh.rows, 0, sh.rows);
            ASSERT_EQ(0, std::memcmp(y1.data(), y.data() + b * sh.rows, y1.size() * sizeof(float)))
                << what << " activation row " << b;
          }
          expect_matches_reference(m, x, batch, y, sh.rows, 0, sh.rows, what);
        }
      }
    }
  }
}

}  // namespace
}  // namespace airan::llm
