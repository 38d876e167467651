// Portable matmul kernels: plain C++, the reference the SIMD implementations are checked against.
// Each weight block is decoded once per row and met by up to kBatchChunk activation rows, so the
// weights are streamed once per row however large the batch is.
#include <algorithm>
#include <cassert>
#include <cstring>

#include "llm/matmul_impl.h"
#include "llm/quant_blocks.h"

namespace airan::llm {
namespace {

using namespace quant;

constexpr int64_t kBatchChunk = 16;
constexpr int64_t kFloatChunk = 256;

inline const uint8_t* act_row(const QuantizedActivations& x, int64_t b) {
  return x.data.data() + static_cast<size_t>(b) * x.row_bytes;
}

// ---- F32 / F16 / BF16 --------------------------------------------------------------------------

void decode_floats(TensorType t, const uint8_t* src, float* dst, int64_t n) {
  if (t == TensorType::kF32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * 4);
  } else if (t == TensorType::kF16) {
    for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(load<uint16_t>(src + 2 * i));
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load<uint16_t>(src + 2 * i));
  }
}

void rows_float(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t ys,
                int64_t r0, int64_t r1) {
  const size_t esize = w.type == TensorType::kF32 ? 4 : 2;
  float wbuf[kFloatChunk];
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* wr = w.data + static_cast<size_t>(r) * w.row_bytes;
    for (int64_t b0 = 0; b0 < x.batch; b0 += kBatchChunk) {
      const int64_t nb = std::min(kBatchChunk, x.batch - b0);
      float acc[kBatchChunk] = {};
      for (int64_t c0 = 0; c0 < w.cols; c0 += kFloatChunk) {
        const int64_t n = std::min(kFloatChunk, w.cols - c0);
        decode_floats(w.type, wr + static_cast<size_t>(c0) * esize, wbuf, n);
        for (int64_t b = 0; b < nb; ++b) {
          const float* a = reinterpret_cast<const float*>(act_row(x, b0 + b)) + c0;
          // 8 independent partial sums, so that the compiler can vectorise the reduction
          float part[8] = {};
          int64_t i = 0;
          for (; i + 8 <= n; i += 8) {
            for (int j = 0; j < 8; ++j) part[j] += wbuf[i + j] * a[i + j];
          }
          for (; i < n; ++i) part[0] += wbuf[i] * a[i];
          acc[b] += ((part[0] + part[1]) + (part[2] + part[3])) +
                    ((part[4] + part[5]) + (part[6] + part[7]));
        }
      }
      for (int64_t b = 0; b < nb; ++b) y[(b0 + b) * ys + r] = acc[b];
    }
  }
}

// ---- Q4_0 / Q8_0 against Q8 groups -------------------------------------------------------------

template <bool kQ4>
void rows_q8_groups(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t ys,
                    int64_t r0, int64_t r1) {
  const int64_t nblocks = w.cols / kQK;
  const size_t bb = kQ4 ? 18 : 34;
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* wr = w.data + static_cast<size_t>(r) * w.row_bytes;
    for (int64_t b0 = 0; b0 < x.batch; b0 += kBatchChunk) {
      const int64_t nb = std::min(kBatchChunk, x.batch - b0);
      float acc[kBatchChunk] = {};
      for (int64_t blk = 0; blk < nblocks; ++blk) {
        const uint8_t* wb = wr + static_cast<size_t>(blk) * bb;
        const float dw = f16_at(wb);
        int8_t q[32];
        if (kQ4) {
          for (int j = 0; j < 16; ++j) {
            q[j] = static_cast<int8_t>((wb[2 + j] & 0xF) - 8);
            q[j + 16] = static_cast<int8_t>((wb[2 + j] >> 4) - 8);
          }
        } else {
          std::memcpy(q, wb + 2, 32);
        }
        const int64_t g = blk / kQ8GroupBlocks;
        const int k = static_cast<int>(blk % kQ8GroupBlocks);
        for (int64_t b = 0; b < nb; ++b) {
          const uint8_t* grp = act_row(x, b0 + b) + static_cast<size_t>(g) * kQ8GroupBytes;
          const int8_t* qs = reinterpret_cast<const int8_t*>(grp);
          const float da = load<float>(grp + kQ8GroupDl + 16 * k);
          int32_t dot = 0;
          for (int j = 0; j < 16; ++j) dot += q[j] * qs[16 * k + j];
          for (int j = 0; j < 16; ++j) dot += q[16 + j] * qs[64 + 16 * k + j];
          acc[b] += (dw * da) * static_cast<float>(dot);
        }
      }
      for (int64_t b = 0; b < nb; ++b) y[(b0 + b) * ys + r] = acc[b];
    }
  }
}

// ---- Q4_K / Q5_K / Q6_K against Q8_K -----------------------------------------------------------

template <bool kFive>
void rows_q4_k(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t ys,
               int64_t r0, int64_t r1) {
  const int64_t nsb = w.cols / kQKK;
  const size_t bb = kFive ? 176 : 144;
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* wr = w.data + static_cast<size_t>(r) * w.row_bytes;
    for (int64_t b0 = 0; b0 < x.batch; b0 += kBatchChunk) {
      const int64_t nb = std::min(kBatchChunk, x.batch - b0);
      float acc[kBatchChunk] = {};
      for (int64_t s = 0; s < nsb; ++s) {
        const uint8_t* wb = wr + static_cast<size_t>(s) * bb;
        const float d = f16_at(wb), dmin = f16_at(wb + 2);
        uint8_t sc[8], m[8];
        float mf[8];
        for (int k = 0; k < 8; ++k) {
          scale_min_k4(k, wb + 4, &sc[k], &m[k]);
          mf[k] = dmin * static_cast<float>(m[k]);
        }
        const uint8_t* qh = wb + 16;
        const uint8_t* qs = kFive ? wb + 48 : wb + 16;
        // q in activation order: half h, position p holds natural sub-block 4h + k with
        // k4_subblock_pos(k) = p.
        uint8_t q[256];
        for (int j = 0; j < 4; ++j) {
          for (int l = 0; l < 32; ++l) {
            int q0 = qs[32 * j + l] & 0xF, q1 = qs[32 * j + l] >> 4;
            if (kFive) {
              q0 |= ((qh[l] >> (2 * j)) & 1) << 4;
              q1 |= ((qh[l] >> (2 * j + 1)) & 1) << 4;
            }
            const int k0 = 2 * j, k1 = 2 * j + 1;
            q[128 * (k0 / 4) + 32 * k4_subblock_pos(k0 % 4) + l] = static_cast<uint8_t>(q0);
            q[128 * (k1 / 4) + 32 * k4_subblock_pos(k1 % 4) + l] = static_cast<uint8_t>(q1);
          }
        }
        for (int64_t b = 0; b < nb; ++b) {
          const uint8_t* rec = act_row(x, b0 + b) + static_cast<size_t>(s) * kQ8KRecordBytes;
          const int8_t* a = reinterpret_cast<const int8_t*>(rec);
          int32_t isum = 0;
          float msum = 0.0f;
          for (int k = 0; k < 8; ++k) {
            const int off = 128 * (k / 4) + 32 * k4_subblock_pos(k % 4);
            int32_t dot = 0;
            for (int l = 0; l < 32; ++l) dot += q[off + l] * a[off + l];
            isum += sc[k] * dot;
            msum += mf[k] * load<float>(rec + kQ8KAuxOffset + 4 * k);
          }
          const float da = load<float>(rec + kQ8KDOffset);
          acc[b] += (d * da) * static_cast<float>(isum) - msum;
        }
      }
      for (int64_t b = 0; b < nb; ++b) y[(b0 + b) * ys + r] = acc[b];
    }
  }
}

void rows_q6_k(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t ys,
               int64_t r0, int64_t r1) {
  const int64_t nsb = w.cols / kQKK;
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* wr = w.data + static_cast<size_t>(r) * w.row_bytes;
    for (int64_t b0 = 0; b0 < x.batch; b0 += kBatchChunk) {
      const int64_t nb = std::min(kBatchChunk, x.batch - b0);
      float acc[kBatchChunk] = {};
      for (int64_t s = 0; s < nsb; ++s) {
        const uint8_t* wb = wr + static_cast<size_t>(s) * 210;
        const uint8_t* ql = wb;
        const uint8_t* qh = wb + 128;
        const int8_t* sc = reinterpret_cast<const int8_t*>(wb + 192);
        const float d = f16_at(wb + 208);
        int8_t q[256];
        for (int h = 0; h < 2; ++h) {
          for (int l = 0; l < 32; ++l) {
            const uint8_t a0 = ql[64 * h + l], a1 = ql[64 * h + 32 + l], hb = qh[32 * h + l];
            int8_t* qq = q + 128 * h + l;
            qq[0] = static_cast<int8_t>(((a0 & 0xF) | ((hb & 3) << 4)) - 32);
            qq[32] = static_cast<int8_t>(((a1 & 0xF) | (((hb >> 2) & 3) << 4)) - 32);
            qq[64] = static_cast<int8_t>(((a0 >> 4) | (((hb >> 4) & 3) << 4)) - 32);
            qq[96] = static_cast<int8_t>(((a1 >> 4) | (((hb >> 6) & 3) << 4)) - 32);
          }
        }
        for (int64_t b = 0; b < nb; ++b) {
          const uint8_t* rec = act_row(x, b0 + b) + static_cast<size_t>(s) * kQ8KRecordBytes;
          const int8_t* a = reinterpret_cast<const int8_t*>(rec);
          int32_t isum = 0;
          for (int k = 0; k < 16; ++k) {
            int32_t dot = 0;
            for (int l = 0; l < 16; ++l) dot += q[16 * k + l] * a[16 * k + l];
            isum += sc[k] * dot;
          }
          const float da = load<float>(rec + kQ8KDOffset);
          acc[b] += (d * da) * static_cast<float>(isum);
        }
      }
      for (int64_t b = 0; b < nb; ++b) y[(b0 + b) * ys + r] = acc[b];
    }
  }
}

class PortableKernels final : public MatmulKernels {
 public:
  void quantize_activations(QuantizedActivations& out, TensorType weight_type, const float* x,
                            int64_t batch, int64_t cols) const override {
    detail::prepare_activations(out, weight_type, batch, cols);
    detail::quantize_activations_portable(out, x);
  }

  void matmul_rows(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t y_stride,
                   int64_t row_begin, int64_t row_end) const override {
    assert(x.weight_type == w.type && x.cols == w.cols);
    assert(0 <= row_begin && row_end <= w.rows);
    if (w.layout != WeightLayout::kGguf) {
      return detail::matmul_rows_via_gguf_rows(*this, w, x, y, y_stride, row_begin, row_end);
    }
    switch (w.type) {
      case TensorType::kQ4_0:
        return rows_q8_groups<true>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ8_0:
        return rows_q8_groups<false>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ4_K:
        return rows_q4_k<false>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ5_K:
        return rows_q4_k<true>(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kQ6_K:
        return rows_q6_k(w, x, y, y_stride, row_begin, row_end);
      case TensorType::kF32:
      case TensorType::kF16:
      case TensorType::kBF16:
        return rows_float(w, x, y, y_stride, row_begin, row_end);
      default:
        return;
    }
  }

  std::string_view implementation() const override { return "portable"; }
};

}  // namespace

namespace detail {
const MatmulKernels* matmul_kernels_portable() {
  static const PortableKernels k;
  return &k;
}
}  // namespace detail

}  // namespace airan::llm
