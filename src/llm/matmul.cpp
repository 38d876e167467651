// Quantised matmul: weight views, row (de)quantisation, activation quantisation and the
// run-time choice of implementation.
#include "airan/llm/matmul.h"

#include <cpuid.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "llm/matmul_impl.h"
#include "llm/quant_blocks.h"

namespace airan::llm {

using namespace quant;

namespace {

// CPUID.1:ECX[29] F16C (compilers disagree on the names __builtin_cpu_supports accepts).
bool cpu_has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (ecx & (1u << 29)) != 0;
}

bool is_engine_type(TensorType t) {
  const auto* tr = tensor_type_traits(static_cast<uint32_t>(t));
  return tr != nullptr && tr->engine_supported;
}

// ---- dequantisation of one block --------------------------------------------------------------

void dequant_q8_0(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(static_cast<int8_t>(b[2 + j]));
}

void dequant_q4_0(const uint8_t* b, float* y) {
  const float d = f16_at(b);
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>((b[2 + j] & 0xF) - 8);
    y[j + 16] = d * static_cast<float>((b[2 + j] >> 4) - 8);
  }
}

void dequant_q4_k(const uint8_t* b, float* y, bool five_bit) {
  const float d = f16_at(b);
  const float dmin = f16_at(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* qs = five_bit ? b + 48 : b + 16;
  for (int j = 0; j < 4; ++j) {
    uint8_t sc0, m0, sc1, m1;
    scale_min_k4(2 * j, scales, &sc0, &m0);
    scale_min_k4(2 * j + 1, scales, &sc1, &m1);
    const float d0 = d * sc0, d1 = d * sc1, mm0 = dmin * m0, mm1 = dmin * m1;
    for (int l = 0; l < 32; ++l) {
      int q0 = qs[32 * j + l] & 0xF;
      int q1 = qs[32 * j + l] >> 4;
      if (five_bit) {
        q0 += ((qh[l] >> (2 * j)) & 1) << 4;
        q1 += ((qh[l] >> (2 * j + 1)) & 1) << 4;
      }
      y[64 * j + l] = d0 * static_cast<float>(q0) - mm0;
      y[64 * j + 32 + l] = d1 * static_cast<float>(q1) - mm1;
    }
  }
}

void dequant_q6_k(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  const float d = f16_at(b + 208);
  for (int h = 0; h < 2; ++h) {
    for (int e = 0; e < 128; ++e) {
      const int l = e & 63;
      const int lo = (e < 64) ? (ql[64 * h + l] & 0xF) : (ql[64 * h + l] >> 4);
      const int hi = (qh[32 * h + (e & 31)] >> (2 * (e >> 5))) & 3;
      const int q = (lo | (hi << 4)) - 32;
      y[128 * h + e] = d * static_cast<float>(sc[8 * h + e / 16]) * static_cast<float>(q);
    }
  }
}

// ---- quantisation of one block -----------------------------------------------------------------

// The f16 nearest to |d| from above (so that values coded against the rounded scale never need
// more levels than the format has), with the sign of d.
uint16_t f16_not_below(float d) {
  uint16_t h = f32_to_f16(d);
  if (std::fabs(f16_to_f32(h)) < std::fabs(d) && (h & 0x7FFF) < 0x7C00) ++h;
  return h;
}

void quant_q8_0(const float* x, uint8_t* b) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const uint16_t dh = f16_not_below(amax / 127.0f);
  const float d = f16_to_f32(dh);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  std::memcpy(b, &dh, 2);
  for (int j = 0; j < 32; ++j) {
    b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(round_clamp(x[j] * id, -127, 127)));
  }
}

// ggml's Q4_0 rounding: the value of largest magnitude maps to -8, d = max / -8.
void quant_q4_0(const float* x, uint8_t* b) {
  float amax = 0.0f, vmax = 0.0f;
  for (int j = 0; j < 32; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      vmax = x[j];
    }
  }
  const uint16_t dh = f16_not_below(vmax / -8.0f);
  const float d = f16_to_f32(dh);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  std::memcpy(b, &dh, 2);
  for (int j = 0; j < 16; ++j) {
    const int q0 = round_clamp(std::floor(x[j] * id + 8.5f), 0, 15);
    const int q1 = round_clamp(std::floor(x[j + 16] * id + 8.5f), 0, 15);
    b[2 + j] = static_cast<uint8_t>(q0 | (q1 << 4));
  }
}

// Round-to-nearest Q4_K / Q5_K: per sub-block of 32 a scale (max - min) / levels and a min
// (-min(0, lowest)); both are then coded with 6 bits against the super-block's d and dmin.
void quant_q4_k(const float* x, uint8_t* b, bool five_bit) {
  const int levels = five_bit ? 31 : 15;
  float scale[8], minv[8];
  float max_scale = 0.0f, max_min = 0.0f;
  for (int k = 0; k < 8; ++k) {
    float lo = 0.0f, hi = 0.0f;
    for (int l = 0; l < 32; ++l) {
      lo = std::min(lo, x[32 * k + l]);
      hi = std::max(hi, x[32 * k + l]);
    }
    scale[k] = (hi - lo) / static_cast<float>(levels);
    minv[k] = -lo;
    max_scale = std::max(max_scale, scale[k]);
    max_min = std::max(max_min, minv[k]);
  }
  const float d = max_scale / 63.0f;
  const float dmin = max_min / 63.0f;
  const uint16_t dh = f16_not_below(d), dminh = f16_not_below(dmin);
  std::memcpy(b, &dh, 2);
  std::memcpy(b + 2, &dminh, 2);
  // Code against the rounded super-block scales, as the decoder sees them.
  const float dr = f16_to_f32(dh), dminr = f16_to_f32(dminh);
  uint8_t sc[8], m[8];
  for (int k = 0; k < 8; ++k) {
    sc[k] = static_cast<uint8_t>(dr > 0.0f ? round_clamp(scale[k] / dr, 0, 63) : 0);
    m[k] = static_cast<uint8_t>(dminr > 0.0f ? round_clamp(minv[k] / dminr, 0, 63) : 0);
    // A sub-block whose range rounds to scale 0 but has values needs at least 1.
    if (sc[k] == 0 && scale[k] > 0.0f && dr > 0.0f) sc[k] = 1;
  }
  pack_scale_min_k4(sc, m, b + 4);
  uint8_t* qh = b + 16;
  uint8_t* qs = five_bit ? b + 48 : b + 16;
  if (five_bit) std::memset(qh, 0, 32);
  uint8_t q[256];
  for (int k = 0; k < 8; ++k) {
    const float ds = dr * sc[k];
    const float dm = dminr * m[k];
    const float ids = ds > 0.0f ? 1.0f / ds : 0.0f;
    for (int l = 0; l < 32; ++l) {
      q[32 * k + l] = static_cast<uint8_t>(round_clamp((x[32 * k + l] + dm) * ids, 0, levels));
    }
  }
  for (int j = 0; j < 4; ++j) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t q0 = q[64 * j + l], q1 = q[64 * j + 32 + l];
      qs[32 * j + l] = static_cast<uint8_t>((q0 & 0xF) | ((q1 & 0xF) << 4));
      if (five_bit) {
        qh[l] = static_cast<uint8_t>(qh[l] | ((q0 >> 4) << (2 * j)) | ((q1 >> 4) << (2 * j + 1)));
      }
    }
  }
}

// Round-to-nearest Q6_K: per sub-block of 16 a signed scale mapping the value of largest
// magnitude to -32, coded in int8 against d = max |scale| / 127.
void quant_q6_k(const float* x, uint8_t* b) {
  float scale[16];
  float max_abs_scale = 0.0f, max_scale = 0.0f;
  for (int k = 0; k < 16; ++k) {
    float amax = 0.0f, vmax = 0.0f;
    for (int l = 0; l < 16; ++l) {
      if (std::fabs(x[16 * k + l]) > amax) {
        amax = std::fabs(x[16 * k + l]);
        vmax = x[16 * k + l];
      }
    }
    scale[k] = vmax / -32.0f;
    if (std::fabs(scale[k]) > max_abs_scale) {
      max_abs_scale = std::fabs(scale[k]);
      max_scale = scale[k];
    }
  }
  const float d = max_scale / -128.0f;  // d * -128 = max_scale: int8 scales in [-127, 128)
  const uint16_t dh = f16_not_below(d);
  std::memcpy(b + 208, &dh, 2);
  const float dr = f16_to_f32(dh);
  int8_t* sc = reinterpret_cast<int8_t*>(b + 192);
  uint8_t q[256];
  for (int k = 0; k < 16; ++k) {
    const int s = dr != 0.0f ? round_clamp(scale[k] / dr, -128, 127) : 0;
    sc[k] = static_cast<int8_t>(s);
    const float ds = dr * static_cast<float>(s);
    const float ids = ds != 0.0f ? 1.0f / ds : 0.0f;
    for (int l = 0; l < 16; ++l) {
      q[16 * k + l] = static_cast<uint8_t>(round_clamp(x[16 * k + l] * ids, -32, 31) + 32);
    }
  }
  uint8_t* ql = b;
  uint8_t* qh = b + 128;
  std::memset(qh, 0, 64);
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 64; ++l) {
      const uint8_t lo = q[128 * h + l], hi = q[128 * h + 64 + l];
      ql[64 * h + l] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
    }
    for (int e = 0; e < 128; ++e) {
      const int l = e & 31, s = e >> 5;
      qh[32 * h + l] = static_cast<uint8_t>(qh[32 * h + l] | ((q[128 * h + e] >> 4) << (2 * s)));
    }
  }
}

// ---- activation quantisation -------------------------------------------------------------------

// amax / 127 and the multiplier 127 / amax every implementation uses.
inline void q8_scale(float amax, float* d, float* id) {
  *d = amax / 127.0f;
  *id = amax != 0.0f ? 127.0f / amax : 0.0f;
}

inline int8_t q8_value(float x, float id) {
  return static_cast<int8_t>(round_clamp(x * id, -127, 127));
}

void quantize_q8_groups(const float* x, int64_t cols, bool q4_0, uint8_t* row) {
  const int64_t nb = cols / kQK;
  const int64_t groups = (nb + kQ8GroupBlocks - 1) / kQ8GroupBlocks;
  const int bias_k = q4_0 ? -8 : -128;
  for (int64_t g = 0; g < groups; ++g) {
    uint8_t* grp = row + g * kQ8GroupBytes;
    int8_t* qs = reinterpret_cast<int8_t*>(grp);
    float dl[16];
    int32_t bias[16];
    for (int k = 0; k < kQ8GroupBlocks; ++k) {
      const int64_t blk = g * kQ8GroupBlocks + k;
      int8_t q[32];
      float d = 0.0f;
      if (blk < nb) {
        const float* xb = x + blk * kQK;
        float amax = 0.0f;
        for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(xb[j]));
        float id;
        q8_0_activation_scale(amax, &d, &id);
        for (int j = 0; j < kQK; ++j) q[j] = q8_value(xb[j], id);
      } else {
        std::memset(q, 0, sizeof q);
      }
      std::memcpy(qs + 16 * k, q, 16);
      std::memcpy(qs + 64 + 16 * k, q + 16, 16);
      for (int w = 0; w < 4; ++w) {
        int s = 0;
        for (int i = 0; i < 4; ++i) s += q[4 * w + i] + q[16 + 4 * w + i];
        dl[4 * k + w] = d;
        bias[4 * k + w] = bias_k * s;
      }
    }
    std::memcpy(grp + kQ8GroupDl, dl, sizeof dl);
    std::memcpy(grp + kQ8GroupBias, bias, sizeof bias);
  }
}

void quantize_q8_k(const float* x, int64_t cols, TensorType wt, uint8_t* row) {
  const int64_t nsb = cols / kQKK;
  const bool k4 = wt != TensorType::kQ6_K;
  for (int64_t s = 0; s < nsb; ++s) {
    const float* xs = x + s * kQKK;
    uint8_t* rec = row + s * kQ8KRecordBytes;
    float amax = 0.0f;
    for (int j = 0; j < kQKK; ++j) amax = std::max(amax, std::fabs(xs[j]));
    float d, id;
    q8_scale(amax, &d, &id);
    int8_t q[256];
    for (int j = 0; j < kQKK; ++j) q[j] = q8_value(xs[j], id);
    int8_t* qs = reinterpret_cast<int8_t*>(rec);
    if (k4) {
      float msum[8];
      for (int k = 0; k < 8; ++k) {
        const int half = k / 4, pos = k4_subblock_pos(k % 4);
        std::memcpy(qs + 128 * half + 32 * pos, q + 32 * k, 32);
        int sum = 0;
        for (int l = 0; l < 32; ++l) sum += q[32 * k + l];
        msum[k] = d * static_cast<float>(sum);
      }
      std::memcpy(rec + kQ8KAuxOffset, msum, 32);
    } else {
      std::memcpy(qs, q, 256);
      int16_t bsums[16];
      for (int k = 0; k < 16; ++k) {
        int sum = 0;
        for (int l = 0; l < 16; ++l) sum += q[16 * k + l];
        bsums[k] = static_cast<int16_t>(sum);
      }
      std::memcpy(rec + kQ8KAuxOffset, bsums, 32);
    }
    std::memcpy(rec + kQ8KDOffset, &d, 4);
    std::memset(rec + kQ8KDOffset + 4, 0, kQ8KRecordBytes - kQ8KDOffset - 4);
  }
}

}  // namespace

namespace detail {

size_t activation_row_bytes(TensorType wt, int64_t cols) {
  switch (wt) {
    case TensorType::kQ4_0:
    case TensorType::kQ8_0: {
      const int64_t nb = cols / kQK;
      const int64_t groups = (nb + kQ8GroupBlocks - 1) / kQ8GroupBlocks;
      return static_cast<size_t>(groups) * kQ8GroupBytes;
    }
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K:
      return static_cast<size_t>(cols / kQKK) * kQ8KRecordBytes;
    default:
      return static_cast<size_t>(cols) * sizeof(float);
  }
}

void prepare_activations(QuantizedActivations& out, TensorType wt, int64_t batch, int64_t cols) {
  out.weight_type = wt;
  out.batch = batch;
  out.cols = cols;
  out.row_bytes = activation_row_bytes(wt, cols);
  const size_t need = out.row_bytes * static_cast<size_t>(batch);
  if (out.data.size() < need) out.data.resize(need);
}

void quantize_activations_portable(QuantizedActivations& out, const float* x) {
  detail::quantize_activation_rows(out, x, quantize_q8_groups, quantize_q8_k);
}

bool cpu_has_avx512_kernels() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
  const bool vbmi = (ecx & (1u << 1)) != 0;  // CPUID.7.0:ECX[1] AVX512_VBMI
  return cpu_supports(SimdLevel::avx512) && vbmi && cpu_has_f16c();
}

bool cpu_has_avx512_vnni() {
  return cpu_has_avx512_kernels() && airan::cpu_has_avx512_vnni();
}

}  // namespace detail

Expected<WeightMatrix> weight_matrix(const GgufFile& file, const GgufTensorInfo& tensor) {
  const std::string what = file.name() + ": tensor \"" + tensor.name + "\"";
  const auto* tr = tensor_type_traits(tensor.type);
  if (tr == nullptr || !tr->engine_supported) {
    return Error{what + " has type " + tensor_type_name(tensor.type) +
                 ", which the engine does not compute with (supported: F32, F16, BF16, Q8_0, "
                 "Q4_0, Q4_K, Q5_K, Q6_K)"};
  }
  size_t dims = tensor.shape.size();
  while (dims > 2 && tensor.shape[dims - 1] == 1) --dims;  // trailing 1s do not count
  if (dims != 2) {
    return Error{what + " with shape " + tensor.shape_string() + " is not a 2-D matrix"};
  }
  const int64_t cols = tensor.shape[0], rows = tensor.shape[1];
  if (cols <= 0 || rows <= 0) {
    return Error{what + " with shape " + tensor.shape_string() + " is empty"};
  }
  if (cols % tr->block_elements != 0) {
    return Error{what + ": row length " + std::to_string(cols) + " is not a multiple of " +
                 std::to_string(tr->block_elements) + ", the block size of " + tr->name};
  }
  auto data = file.tensor_data(tensor);
  if (!data) return data.error();
  WeightMatrix w;
  w.type = static_cast<TensorType>(tensor.type);
  w.rows = rows;
  w.cols = cols;
  w.row_bytes = static_cast<size_t>(cols / tr->block_elements) * tr->block_bytes;
  if (data->size() < w.row_bytes * static_cast<size_t>(rows)) {
    return Error{what + ": " + std::to_string(data->size()) + " bytes of data, " +
                 std::to_string(w.row_bytes * static_cast<size_t>(rows)) + " needed"};
  }
  w.data = data->data();
  return w;
}

void dequantize_row(TensorType type, const uint8_t* src, float* dst, int64_t n) {
  switch (type) {
    case TensorType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case TensorType::kF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(load<uint16_t>(src + 2 * i));
      return;
    case TensorType::kBF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load<uint16_t>(src + 2 * i));
      return;
    case TensorType::kQ8_0:
      for (int64_t b = 0; b < n / kQK; ++b) dequant_q8_0(src + 34 * b, dst + kQK * b);
      return;
    case TensorType::kQ4_0:
      for (int64_t b = 0; b < n / kQK; ++b) dequant_q4_0(src + 18 * b, dst + kQK * b);
      return;
    case TensorType::kQ4_K:
      for (int64_t b = 0; b < n / kQKK; ++b) dequant_q4_k(src + 144 * b, dst + kQKK * b, false);
      return;
    case TensorType::kQ5_K:
      for (int64_t b = 0; b < n / kQKK; ++b) dequant_q4_k(src + 176 * b, dst + kQKK * b, true);
      return;
    case TensorType::kQ6_K:
      for (int64_t b = 0; b < n / kQKK; ++b) dequant_q6_k(src + 210 * b, dst + kQKK * b);
      return;
    default:
      std::fill(dst, dst + n, 0.0f);
      return;
  }
}

Status quantize_row(TensorType type, const float* src, uint8_t* dst, int64_t n) {
  if (!is_engine_type(type)) {
    return Error{"quantize_row: tensor type " + tensor_type_name(static_cast<uint32_t>(type)) +
                 " is not one the engine supports (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)"};
  }
  const auto* tr = tensor_type_traits(static_cast<uint32_t>(type));
  if (n < 0 || n % tr->block_elements != 0) {
    return Error{"quantize_row: n = " + std::to_string(n) + " is not a multiple of " +
                 std::to_string(tr->block_elements) + ", the block size of " + tr->name};
  }
  switch (type) {
    case TensorType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      break;
    case TensorType::kF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_f16(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      break;
    case TensorType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_bf16(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      break;
    case TensorType::kQ8_0:
      for (int64_t b = 0; b < n / kQK; ++b) quant_q8_0(src + kQK * b, dst + 34 * b);
      break;
    case TensorType::kQ4_0:
      for (int64_t b = 0; b < n / kQK; ++b) quant_q4_0(src + kQK * b, dst + 18 * b);
      break;
    case TensorType::kQ4_K:
      for (int64_t b = 0; b < n / kQKK; ++b) quant_q4_k(src + kQKK * b, dst + 144 * b, false);
      break;
    case TensorType::kQ5_K:
      for (int64_t b = 0; b < n / kQKK; ++b) quant_q4_k(src + kQKK * b, dst + 176 * b, true);
      break;
    case TensorType::kQ6_K:
      for (int64_t b = 0; b < n / kQKK; ++b) quant_q6_k(src + kQKK * b, dst + 210 * b);
      break;
    default:
      break;
  }
  return Status::ok();
}

const MatmulKernels* matmul_kernels(std::optional<SimdLevel> level) {
  SimdLevel l = level.value_or(detected_simd_level());
  // The AVX-512 kernels also need VBMI (byte permutes): without it the best is AVX2.
  if (!level && l == SimdLevel::avx512 && !detail::cpu_has_avx512_kernels()) l = SimdLevel::avx2;
  if (!cpu_supports(l)) return nullptr;
  switch (l) {
    case SimdLevel::avx512:
      if (!detail::cpu_has_avx512_kernels()) return nullptr;
      return detail::matmul_kernels_avx512(detail::cpu_has_avx512_vnni());
    case SimdLevel::avx2:
      if (!cpu_has_f16c()) return nullptr;
      return detail::matmul_kernels_avx2();
    case SimdLevel::portable:
      break;
  }
  return detail::matmul_kernels_portable();
}

}  // namespace airan::llm
