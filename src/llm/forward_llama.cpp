// The llama / qwen2 forward pass over a batch of sequences (forward_llama reads like the paper),
// with the small operators it is made of. Numerics follow llama.cpp's CPU backend where that is
// cheap to do: RMSNorm sums squares in double; RoPE angles come from an iterated float
// theta_scale; softmax sums in double; with an F16 KV cache the query and the softmax weights are
// rounded to F16 before they meet F16 keys and values, as ggml's F16 matmul converts them.
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <string>

#include "airan/common/cpu_features.h"
#include "airan/llm/forward.h"
#include "llm/vec_math.h"

namespace airan::llm {

namespace {

// Rows of activations handled together: a matmul piece multiplies one row range of a weight by
// this many tokens, and element-wise operators take this many tokens per piece.
constexpr int64_t kChunkTokens = 32;
// Multiply-adds one matmul piece aims for (a few tens of microseconds), within 16..64 rows.
constexpr int64_t kPieceMacs = int64_t{1} << 20;
constexpr int64_t kMinPieceRows = 16;
constexpr int64_t kMaxPieceRows = 64;
// Queries of one sequence and head handled by one attention piece.
constexpr int64_t kAttnQueryChunk = 32;
// Distinct weight types one projection call may meet (Q, K and V could all differ).
constexpr size_t kMaxInputTypes = 3;

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// ---- Inner loops of attention over cached rows (F32 or F16), portable and AVX2+F16C. ----

float dot_f32_portable(const float* a, const float* b, int64_t n) {
  float acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  }
  for (; i < n; ++i) acc[0] += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

void axpy_f32_portable(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

#if defined(__x86_64__)
#define AIRAN_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))

AIRAN_TARGET_AVX2 float hsum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

AIRAN_TARGET_AVX2 float dot_f32_avx2(const float* a, const float* b, int64_t n) {
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
  float s = hsum_avx2(acc);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

AIRAN_TARGET_AVX2 void axpy_f32_avx2(float a, const float* x, float* y, int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * x[i];
}

#endif

// Blocked forms of the loops above, over one KV page of keys (or values) converted to F32 once
// and shared by every query of an attention piece. Each score and each output element is
// accumulated in the same order as dot_* / axpy_*, so results do not depend on the blocking.

void to_f32_portable(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = half_to_float(x[i]);
}

// s[i * lds + j] = q_i · k_j for nq query rows and nk key rows (hd values each, rows contiguous).
void scores_portable(const float* q, int64_t nq, const float* k, int64_t nk, int64_t hd, float* s,
                     int64_t lds) {
  for (int64_t i = 0; i < nq; ++i) {
    for (int64_t j = 0; j < nk; ++j) s[i * lds + j] = dot_f32_portable(q + i * hd, k + j * hd, hd);
  }
}

// out_i += Σ_j w[i * ldw + j] · v_j for nq rows of out (ldo apart) and nk value rows of hdv.
void weighted_sum_portable(const float* w, int64_t ldw, int64_t nq, const float* v, int64_t nk,
                           int64_t hdv, float* out, int64_t ldo) {
  for (int64_t i = 0; i < nq; ++i) {
    for (int64_t j = 0; j < nk; ++j)
      axpy_f32_portable(w[i * ldw + j], v + j * hdv, out + i * ldo, hdv);
  }
}

// x_i = f16(a · x_i): scales and rounds through F16 (to nearest even, subnormals kept).
void scale_round_f16_portable(float* x, int64_t n, float a) {
  for (int64_t i = 0; i < n; ++i) x[i] = half_to_float(float_to_half(x[i] * a));
}

#if defined(__x86_64__)
AIRAN_TARGET_AVX2 void scale_round_f16_avx2(float* x, int64_t n, float a) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h =
        _mm256_cvtps_ph(_mm256_mul_ps(_mm256_loadu_ps(x + i), av), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_ps(x + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) x[i] = half_to_float(float_to_half(x[i] * a));
}

AIRAN_TARGET_AVX2 void to_f32_avx2(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
  for (; i < n; ++i) y[i] = half_to_float(x[i]);
}

// [lo(a) + hi(a) | lo(b) + hi(b)]
AIRAN_TARGET_AVX2 __m256 half_sums_avx2(__m256 a, __m256 b) {
  return _mm256_add_ps(_mm256_permute2f128_ps(a, b, 0x20), _mm256_permute2f128_ps(a, b, 0x31));
}

// The horizontal sums of a[0..7], lane k holding hsum_avx2(a[k]) bit for bit.
AIRAN_TARGET_AVX2 __m256 hsum8_avx2(const __m256* a) {
  const __m256 r0 = half_sums_avx2(a[0], a[4]);
  const __m256 r1 = half_sums_avx2(a[1], a[5]);
  const __m256 r2 = half_sums_avx2(a[2], a[6]);
  const __m256 r3 = half_sums_avx2(a[3], a[7]);
  const __m256 x = _mm256_add_ps(_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
  const __m256 y = _mm256_add_ps(_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
  return _mm256_add_ps(_mm256_shuffle_ps(x, y, 0x44), _mm256_shuffle_ps(x, y, 0xEE));
}

AIRAN_TARGET_AVX2 void scores_avx2(const float* q, int64_t nq, const float* k, int64_t nk,
                                   int64_t hd, float* s, int64_t lds) {
  for (int64_t i = 0; i < nq; ++i) {
    const float* qi = q + i * hd;
    float* si = s + i * lds;
    int64_t j = 0;
    if (hd % 8 == 0) {
      for (; j + 8 <= nk; j += 8) {
        const float* kj = k + j * hd;
        __m256 acc[8];
        for (__m256& a : acc) a = _mm256_setzero_ps();
        for (int64_t d = 0; d < hd; d += 8) {
          const __m256 qv = _mm256_loadu_ps(qi + d);
          for (int r = 0; r < 8; ++r)
            acc[r] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(kj + r * hd + d), acc[r]);
        }
        _mm256_storeu_ps(si + j, hsum8_avx2(acc));
      }
    }
    for (; j < nk; ++j) si[j] = dot_f32_avx2(qi, k + j * hd, hd);
  }
}

// NQ rows of out, NV vectors of 8 values from column d, kept in registers over all nk values.
template <int NQ, int NV>
AIRAN_TARGET_AVX2 inline void weighted_sum_tile_avx2(const float* w, int64_t ldw, const float* v,
                                                     int64_t nk, int64_t hdv, float* out,
                                                     int64_t ldo, int64_t d) {
  __m256 acc[NQ][NV];
  for (int i = 0; i < NQ; ++i)
    for (int u = 0; u < NV; ++u) acc[i][u] = _mm256_loadu_ps(out + i * ldo + d + 8 * u);
  for (int64_t j = 0; j < nk; ++j) {
    __m256 vv[NV];
    for (int u = 0; u < NV; ++u) vv[u] = _mm256_loadu_ps(v + j * hdv + d + 8 * u);
    for (int i = 0; i < NQ; ++i) {
      const __m256 wv = _mm256_set1_ps(w[i * ldw + j]);
      for (int u = 0; u < NV; ++u) acc[i][u] = _mm256_fmadd_ps(wv, vv[u], acc[i][u]);
    }
  }
  for (int i = 0; i < NQ; ++i)
    for (int u = 0; u < NV; ++u) _mm256_storeu_ps(out + i * ldo + d + 8 * u, acc[i][u]);
}

template <int NQ>
AIRAN_TARGET_AVX2 inline void weighted_sum_rows_avx2(const float* w, int64_t ldw, const float* v,
                                                     int64_t nk, int64_t hdv, float* out,
                                                     int64_t ldo) {
  int64_t d = 0;
  for (; d + 16 <= hdv; d += 16) weighted_sum_tile_avx2<NQ, 2>(w, ldw, v, nk, hdv, out, ldo, d);
  for (; d + 8 <= hdv; d += 8) weighted_sum_tile_avx2<NQ, 1>(w, ldw, v, nk, hdv, out, ldo, d);
}

AIRAN_TARGET_AVX2 void weighted_sum_avx2(const float* w, int64_t ldw, int64_t nq, const float* v,
                                         int64_t nk, int64_t hdv, float* out, int64_t ldo) {
  if (hdv % 8 != 0) {
    for (int64_t i = 0; i < nq; ++i) {
      for (int64_t j = 0; j < nk; ++j)
        axpy_f32_avx2(w[i * ldw + j], v + j * hdv, out + i * ldo, hdv);
    }
    return;
  }
  int64_t i = 0;
  for (; i + 4 <= nq; i += 4)
    weighted_sum_rows_avx2<4>(w + i * ldw, ldw, v, nk, hdv, out + i * ldo, ldo);
  for (; i < nq; ++i) weighted_sum_rows_avx2<1>(w + i * ldw, ldw, v, nk, hdv, out + i * ldo, ldo);
}
#endif

// The attention inner loops for the running CPU.
struct AttentionKernels {
  void (*to_f32)(const uint16_t*, float*, int64_t) = to_f32_portable;
  void (*scale_round_f16)(float*, int64_t, float) = scale_round_f16_portable;
  void (*scores)(const float*, int64_t, const float*, int64_t, int64_t, float*,
                 int64_t) = scores_portable;
  void (*weighted_sum)(const float*, int64_t, int64_t, const float*, int64_t, int64_t, float*,
                       int64_t) = weighted_sum_portable;
};

AttentionKernels attention_kernels() {
  AttentionKernels k;
#if defined(__x86_64__)
  if (detected_simd_level() >= SimdLevel::avx2) {
    k.to_f32 = to_f32_avx2;
    k.scale_round_f16 = scale_round_f16_avx2;
    k.scores = scores_avx2;
    k.weighted_sum = weighted_sum_avx2;
  }
#endif
  return k;
}

// Per-thread attention scratch (queries, one page of converted rows, the piece's score matrix);
// grows once per thread to the longest context seen, then is reused.
thread_local std::vector<float> tl_scratch;

// One weight applied to the current input: out[t * w.rows + r] (+ bias[r]).
struct Projection {
  const WeightMatrix* w;
  float* out;
  const std::vector<float>* bias = nullptr;
};

// One sequence's slice of the step.
struct EntrySlice {
  uint32_t seq;
  int64_t first;   // index of its first new token in the step
  int64_t n;       // new tokens
  uint32_t pos0;   // position of the first new token (the cache length before the step)
  int64_t piece0;  // first attention piece of this entry
};

}  // namespace

struct ForwardPass::State {
  const Model* model = nullptr;
  ForwardConfig config;
  const MatmulKernels* kernels = nullptr;
  AttentionKernels attn_kernels;
  VecMathKernels vec_math = vec_math_kernels();
  StepExecutor* ex = nullptr;  // of the running step

  // Sizes.
  int64_t n_embd = 0, n_q = 0, n_k = 0, n_v = 0, n_attn = 0, n_ff = 0, n_vocab = 0;
  int64_t max_chunks = 0;

  // Per-token buffers of the step, max_batch_tokens rows each.
  std::vector<float> x;   // residual stream
  std::vector<float> xn;  // normalised input of a block
  std::vector<float> q, k, v;
  std::vector<float> attn;  // attention output, heads side by side
  std::vector<float> gate, up;
  std::vector<float> proj;                // output of W_o and W_down before the residual add
  std::vector<float> rope_cos, rope_sin;  // n_rot / 2 per token
  std::vector<float> out_rows;            // final hidden rows whose logits are wanted
  std::vector<float> logits;
  std::vector<QuantizedActivations> quantized;  // [input type][token chunk]

  // The step's batch.
  std::vector<int32_t> tok_id;
  std::vector<uint32_t> tok_seq, tok_pos;
  std::vector<EntrySlice> entries;
  std::vector<int64_t> logit_tokens;  // token index of each logits row
  std::vector<uint32_t> seq_check;    // sorted sequence ids, for the duplicate check
  int64_t n_tokens = 0;
  int64_t n_attn_pieces = 0;
  size_t n_logit_rows = 0;

  template <typename Fn>
  void for_pieces(size_t n, const Fn& fn) {
    if (n == 0) return;
    if (ex == nullptr || n == 1) {
      for (size_t i = 0; i < n; ++i) fn(i);
      return;
    }
    const Fn* f = &fn;  // one pointer: std::function keeps it without allocating
    ex->parallel_for(n, [f](size_t i) { (*f)(i); });
  }

  // fn(r0, r1) over row chunks of kChunkTokens.
  template <typename Fn>
  void for_row_chunks(int64_t rows, const Fn& fn) {
    for_pieces(static_cast<size_t>(ceil_div(rows, kChunkTokens)), [&](size_t c) {
      const int64_t r0 = static_cast<int64_t>(c) * kChunkTokens;
      fn(r0, std::min(rows, r0 + kChunkTokens));
    });
  }

  void forward_llama(KvCache& cache);

  void embed_tokens();
  void rope_tables();
  void rms_norm(const float* in, const std::vector<float>& weight, float* out, int64_t rows);
  void project(const float* in, int64_t cols, int64_t rows,
               std::initializer_list<Projection> projections);
  void apply_rope(float* data, int64_t n_heads);
  void store_kv(KvCache& cache, uint32_t layer);
  void attention(const KvCache& cache, uint32_t layer);
  void add(float* acc, const float* in, int64_t cols, int64_t rows);
  void swiglu();
  void gather_output_rows();
};

// ---- The forward pass ----

void ForwardPass::State::forward_llama(KvCache& cache) {
  const ModelParams& p = model->params();
  const int64_t T = n_tokens;

  embed_tokens();  // x = E[token]
  rope_tables();   // cos / sin of every token's position
  for (uint32_t l = 0; l < p.n_layer; ++l) {
    const LayerWeights& w = model->layers()[l];

    // Attention block: x += W_o · softmax(RoPE(W_q n) · RoPE(W_k n)ᵀ / √d + causal) · W_v n,
    // with n = RMSNorm(x) ⊙ g_attn; query head h reads KV head h / (n_head / n_head_kv).
    rms_norm(x.data(), w.attn_norm, xn.data(), T);
    project(xn.data(), n_embd, T,
            {{&w.attn_q, q.data(), &w.bias_q},
             {&w.attn_k, k.data(), &w.bias_k},
             {&w.attn_v, v.data(), &w.bias_v}});
    apply_rope(q.data(), p.n_head);
    apply_rope(k.data(), p.n_head_kv);
    store_kv(cache, l);
    attention(cache, l);
    project(attn.data(), n_attn, T, {{&w.attn_output, proj.data()}});
    add(x.data(), proj.data(), n_embd, T);

    // Feed-forward block (SwiGLU): x += W_down · (SiLU(W_gate n) ⊙ W_up n), n = RMSNorm(x) ⊙ g_ffn.
    rms_norm(x.data(), w.ffn_norm, xn.data(), T);
    project(xn.data(), n_embd, T, {{&w.ffn_gate, gate.data()}, {&w.ffn_up, up.data()}});
    swiglu();
    project(gate.data(), n_ff, T, {{&w.ffn_down, proj.data()}});
    add(x.data(), proj.data(), n_embd, T);
  }

  // Output: logits = W_out · (RMSNorm(x) ⊙ g_out), only for the rows asked for.
  const auto n_out = static_cast<int64_t>(n_logit_rows);
  gather_output_rows();
  rms_norm(out_rows.data(), model->output_norm(), out_rows.data(), n_out);
  project(out_rows.data(), n_embd, n_out, {{&model->output(), logits.data()}});
}

// ---- Operators ----

void ForwardPass::State::embed_tokens() {
  const WeightMatrix& e = model->token_embd();
  for_row_chunks(n_tokens, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const uint8_t* row = e.data + static_cast<size_t>(tok_id[t]) * e.row_bytes;
      dequantize_row(e.type, row, x.data() + t * n_embd, n_embd);
    }
  });
}

void ForwardPass::State::rope_tables() {
  const ModelParams& p = model->params();
  const int64_t half = p.n_rot / 2;
  const float theta_scale = std::pow(p.rope_freq_base, -2.0f / static_cast<float>(p.n_rot));
  const float freq_scale = model->rope_freq_scale();
  const std::vector<float>& factors = model->rope_freq_factors();
  for_row_chunks(n_tokens, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      // theta_i = pos * base^(-2i / n_rot), iterated in float like ggml's rope cache.
      float theta = static_cast<float>(tok_pos[t]);
      for (int64_t i = 0; i < half; ++i) {
        const float ff = factors.empty() ? 1.0f : factors[i];
        const float angle = freq_scale * (theta / ff);
        rope_cos[t * half + i] = std::cos(angle);
        rope_sin[t * half + i] = std::sin(angle);
        theta *= theta_scale;
      }
    }
  });
}

void ForwardPass::State::rms_norm(const float* in, const std::vector<float>& weight, float* out,
                                  int64_t rows) {
  const float eps = model->params().rms_eps;
  const int64_t n = n_embd;
  for_row_chunks(rows, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = in + r * n;
      float* yr = out + r * n;
      double sum = 0.0;
      for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(xr[i] * xr[i]);
      const float scale = 1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(n)) + eps);
      for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] * scale) * weight[i];
    }
  });
}

void ForwardPass::State::project(const float* in, int64_t cols, int64_t rows,
                                 std::initializer_list<Projection> projections) {
  // Quantise the input once per distinct weight type, one piece per (type, token chunk).
  std::array<TensorType, kMaxInputTypes> types{};
  std::array<size_t, kMaxInputTypes> type_of{};
  size_t n_types = 0;
  size_t j = 0;
  for (const Projection& pr : projections) {
    size_t t = 0;
    while (t < n_types && types[t] != pr.w->type) ++t;
    if (t == n_types) types[n_types++] = pr.w->type;
    type_of[j++] = t;
  }
  const int64_t n_chunks = ceil_div(rows, kChunkTokens);
  for_pieces(static_cast<size_t>(n_types * n_chunks), [&](size_t piece) {
    const size_t t = piece / static_cast<size_t>(n_chunks);
    const int64_t c = static_cast<int64_t>(piece % static_cast<size_t>(n_chunks));
    const int64_t r0 = c * kChunkTokens;
    const int64_t nr = std::min(rows, r0 + kChunkTokens) - r0;
    kernels->quantize_activations(quantized[t * max_chunks + c], types[t], in + r0 * cols, nr,
                                  cols);
  });

  // Pieces: projection, then weight row range, then token chunk (fastest), so that consecutive
  // pieces reuse the same weight rows from cache.
  std::array<int64_t, kMaxInputTypes + 1> first_piece{};
  std::array<int64_t, kMaxInputTypes> piece_rows{};
  const int64_t chunk_rows = std::min(rows, kChunkTokens);
  j = 0;
  for (const Projection& pr : projections) {
    int64_t pr_rows = kPieceMacs / std::max<int64_t>(1, pr.w->cols * chunk_rows);
    pr_rows = std::clamp(pr_rows / kMinPieceRows * kMinPieceRows, kMinPieceRows, kMaxPieceRows);
    piece_rows[j] = pr_rows;
    first_piece[j + 1] = first_piece[j] + ceil_div(pr.w->rows, pr_rows) * n_chunks;
    ++j;
  }
  const Projection* prs = projections.begin();
  for_pieces(static_cast<size_t>(first_piece[projections.size()]), [&](size_t piece_index) {
    const auto piece = static_cast<int64_t>(piece_index);
    size_t pj = 0;
    while (piece >= first_piece[pj + 1]) ++pj;
    const Projection& pr = prs[pj];
    const int64_t local = piece - first_piece[pj];
    const int64_t c = local % n_chunks;
    const int64_t w0 = (local / n_chunks) * piece_rows[pj];
    const int64_t w1 = std::min(pr.w->rows, w0 + piece_rows[pj]);
    const int64_t r0 = c * kChunkTokens;
    const int64_t r1 = std::min(rows, r0 + kChunkTokens);
    float* y = pr.out + r0 * pr.w->rows;
    kernels->matmul_rows(*pr.w, quantized[type_of[pj] * max_chunks + c], y, pr.w->rows, w0, w1);
    if (pr.bias && !pr.bias->empty()) {
      const float* b = pr.bias->data();
      for (int64_t r = 0; r < r1 - r0; ++r) {
        for (int64_t i = w0; i < w1; ++i) y[r * pr.w->rows + i] += b[i];
      }
    }
  });
}

void ForwardPass::State::apply_rope(float* data, int64_t n_heads) {
  const ModelParams& p = model->params();
  const int64_t hd = p.head_dim;
  const int64_t half = p.n_rot / 2;
  const bool neox = model->rope_type() == RopeType::kNeox;
  for_row_chunks(n_tokens, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* cs = rope_cos.data() + t * half;
      const float* sn = rope_sin.data() + t * half;
      for (int64_t h = 0; h < n_heads; ++h) {
        float* x_h = data + (t * n_heads + h) * hd;
        for (int64_t i = 0; i < half; ++i) {
          // Rotate the pair (a, b) by the angle of frequency i; dimensions past n_rot stay.
          float& a = neox ? x_h[i] : x_h[2 * i];
          float& b = neox ? x_h[i + half] : x_h[2 * i + 1];
          const float a0 = a, b0 = b;
          a = a0 * cs[i] - b0 * sn[i];
          b = a0 * sn[i] + b0 * cs[i];
        }
      }
    }
  });
}

void ForwardPass::State::store_kv(KvCache& cache, uint32_t layer) {
  for_row_chunks(n_tokens, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      cache.store(layer, tok_seq[t], tok_pos[t], k.data() + t * n_k, v.data() + t * n_v);
    }
  });
}

void ForwardPass::State::attention(const KvCache& cache, uint32_t layer) {
  const ModelParams& p = model->params();
  const int64_t hd = p.head_dim;
  const int64_t hdv = p.head_dim_v;
  const int64_t n_head = p.n_head;
  const int64_t group = p.n_head / p.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const bool f16 = cache.type() == KvType::kF16;
  const int64_t page_tokens = KvCache::kPageTokens;
  const AttentionKernels& kk = attn_kernels;

  // Pieces: (entry, query head, chunk of the entry's new tokens). A piece walks the sequence's
  // pages once for the keys and once for the values; each page is converted to F32 once and
  // used by all the piece's queries that see it (query i sees positions 0 .. pos0 + i).
  for_pieces(static_cast<size_t>(n_attn_pieces), [&](size_t piece_index) {
    const auto piece = static_cast<int64_t>(piece_index);
    size_t e = 0;
    while (e + 1 < entries.size() && entries[e + 1].piece0 <= piece) ++e;
    const EntrySlice& es = entries[e];
    const int64_t local = piece - es.piece0;
    const int64_t h = local % n_head;
    const int64_t qc = local / n_head;
    const auto kv_head = static_cast<uint32_t>(h / group);
    const std::span<const uint32_t> pages = cache.page_table(es.seq);

    const int64_t i0 = qc * kAttnQueryChunk;
    const int64_t i1 = std::min(es.n, i0 + kAttnQueryChunk);
    const int64_t nq = i1 - i0;
    const int64_t ctx_end = es.pos0 + i1;  // positions seen by the piece's last query
    const int64_t n_pages = ceil_div(ctx_end, page_tokens);
    const int64_t ld = n_pages * page_tokens;  // score row stride
    const auto scratch_size =
        static_cast<size_t>(nq * hd + page_tokens * std::max(hd, hdv) + nq * ld);
    if (tl_scratch.size() < scratch_size) tl_scratch.resize(scratch_size);
    float* q_rows = tl_scratch.data();
    float* rows = q_rows + nq * hd;  // one page of keys or values in F32
    float* scores = rows + page_tokens * std::max(hd, hdv);

    for (int64_t i = 0; i < nq; ++i) {
      const float* q_src = q.data() + ((es.first + i0 + i) * n_head + h) * hd;
      std::copy(q_src, q_src + hd, q_rows + i * hd);
    }
    if (f16) kk.scale_round_f16(q_rows, nq * hd, 1.0f);  // queries meet F16 keys at F16 precision
    // First query (relative to i0) that sees position j0.
    const auto first_query = [&](int64_t j0) { return std::max<int64_t>(0, j0 - es.pos0 - i0); };
    const auto page_rows = [&](const uint8_t* block, int64_t n_values) -> const float* {
      if (!f16) return reinterpret_cast<const float*>(block);
      kk.to_f32(reinterpret_cast<const uint16_t*>(block), rows, n_values);
      return rows;
    };

    // scores_ij = q_i · k_j
    for (int64_t c = 0; c < n_pages; ++c) {
      const int64_t j0 = c * page_tokens;
      const int64_t nk = std::min(page_tokens, ctx_end - j0);
      const int64_t ib = first_query(j0);
      const float* k_rows = page_rows(cache.k_block(layer, pages[c], kv_head), nk * hd);
      kk.scores(q_rows + ib * hd, nq - ib, k_rows, nk, hd, scores + ib * ld + j0, ld);
    }

    // Softmax of scores · 1/√d per query (max-shifted, sum in double), into weights; positions a
    // query does not see but its last page holds get weight 0.
    for (int64_t i = 0; i < nq; ++i) {
      float* row = scores + i * ld;
      const int64_t n_ctx = es.pos0 + i0 + i + 1;
      float max_score = -INFINITY;
      for (int64_t j = 0; j < n_ctx; ++j) {
        row[j] *= scale;
        max_score = std::max(max_score, row[j]);
      }
      const double sum = vec_math.exp_shifted_sum(row, n_ctx, max_score);
      const auto inv_sum = static_cast<float>(1.0 / sum);
      if (f16) {
        kk.scale_round_f16(row, n_ctx, inv_sum);
      } else {
        for (int64_t j = 0; j < n_ctx; ++j) row[j] *= inv_sum;
      }
      const int64_t row_end = std::min(ceil_div(n_ctx, page_tokens) * page_tokens, ctx_end);
      std::fill(row + n_ctx, row + row_end, 0.0f);
    }

    // out_i = Σ_j w_ij · v_j
    float* out = attn.data() + ((es.first + i0) * n_head + h) * hdv;
    const int64_t ldo = n_head * hdv;
    for (int64_t i = 0; i < nq; ++i) std::fill(out + i * ldo, out + i * ldo + hdv, 0.0f);
    for (int64_t c = 0; c < n_pages; ++c) {
      const int64_t j0 = c * page_tokens;
      const int64_t nk = std::min(page_tokens, ctx_end - j0);
      const int64_t ib = first_query(j0);
      const float* v_rows = page_rows(cache.v_block(layer, pages[c], kv_head), nk * hdv);
      kk.weighted_sum(scores + ib * ld + j0, ld, nq - ib, v_rows, nk, hdv, out + ib * ldo, ldo);
    }
  });
}

void ForwardPass::State::add(float* acc, const float* in, int64_t cols, int64_t rows) {
  for_row_chunks(rows, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0 * cols; i < r1 * cols; ++i) acc[i] += in[i];
  });
}

void ForwardPass::State::swiglu() {
  for_row_chunks(n_tokens, [&](int64_t r0, int64_t r1) {
    vec_math.silu_mul(gate.data() + r0 * n_ff, up.data() + r0 * n_ff, (r1 - r0) * n_ff);
  });
}

void ForwardPass::State::gather_output_rows() {
  for (size_t r = 0; r < n_logit_rows; ++r) {
    const float* src = x.data() + logit_tokens[r] * n_embd;
    std::copy(src, src + n_embd, out_rows.data() + static_cast<int64_t>(r) * n_embd);
  }
}

// ---- ForwardPass ----

ForwardPass::ForwardPass(std::unique_ptr<State> state) : s_(std::move(state)) {}
ForwardPass::ForwardPass(ForwardPass&&) noexcept = default;
ForwardPass& ForwardPass::operator=(ForwardPass&&) noexcept = default;
ForwardPass::~ForwardPass() = default;

Expected<ForwardPass> ForwardPass::create(const Model& model, const ForwardConfig& config) {
  if (config.max_batch_tokens == 0) return Error{"forward: max_batch_tokens is 0, expected >= 1"};
  if (config.max_logit_rows == 0) return Error{"forward: max_logit_rows is 0, expected >= 1"};
  auto s = std::make_unique<State>();
  s->model = &model;
  s->config = config;
  s->config.max_logit_rows = std::min(config.max_logit_rows, config.max_batch_tokens);
  s->kernels = config.kernels ? config.kernels : matmul_kernels();
  if (!s->kernels) return Error{"forward: no matmul kernels for this CPU"};
  s->attn_kernels = attention_kernels();

  const ModelParams& p = model.params();
  s->n_embd = p.n_embd;
  s->n_q = static_cast<int64_t>(p.n_head) * p.head_dim;
  s->n_k = static_cast<int64_t>(p.n_head_kv) * p.head_dim;
  s->n_v = static_cast<int64_t>(p.n_head_kv) * p.head_dim_v;
  s->n_attn = static_cast<int64_t>(p.n_head) * p.head_dim_v;
  s->n_ff = p.n_ff;
  s->n_vocab = p.n_vocab;
  const auto T = static_cast<size_t>(s->config.max_batch_tokens);
  const auto R = static_cast<size_t>(s->config.max_logit_rows);
  s->max_chunks = ceil_div(static_cast<int64_t>(T), kChunkTokens);
  s->x.resize(T * s->n_embd);
  s->xn.resize(T * s->n_embd);
  s->q.resize(T * s->n_q);
  s->k.resize(T * s->n_k);
  s->v.resize(T * s->n_v);
  s->attn.resize(T * s->n_attn);
  s->gate.resize(T * s->n_ff);
  s->up.resize(T * s->n_ff);
  s->proj.resize(T * s->n_embd);
  s->rope_cos.resize(T * (p.n_rot / 2));
  s->rope_sin.resize(T * (p.n_rot / 2));
  s->out_rows.resize(R * s->n_embd);
  s->logits.resize(R * s->n_vocab);
  s->quantized.resize(kMaxInputTypes * static_cast<size_t>(s->max_chunks));
  s->tok_id.resize(T);
  s->tok_seq.resize(T);
  s->tok_pos.resize(T);
  s->entries.reserve(T);
  s->logit_tokens.resize(R);
  s->seq_check.reserve(T);
  return ForwardPass(std::move(s));
}

Status ForwardPass::run(std::span<const BatchEntry> batch, KvCache& cache, StepExecutor* executor) {
  State& s = *s_;
  const ModelParams& p = s.model->params();
  const KvCacheConfig& kc = cache.config();
  if (kc.n_layer != p.n_layer || kc.n_head_kv != p.n_head_kv || kc.head_dim != p.head_dim ||
      kc.head_dim_v != p.head_dim_v) {
    return Error{"forward: KV cache shape (n_layer " + std::to_string(kc.n_layer) + ", n_head_kv " +
                 std::to_string(kc.n_head_kv) + ", head_dim " + std::to_string(kc.head_dim) +
                 ") does not match the model's"};
  }
  if (batch.empty()) return Error{"forward: empty batch, expected >= 1 entry"};

  // Validate everything before changing anything.
  size_t n_tokens = 0, n_rows = 0, pages = 0;
  s.seq_check.clear();
  for (size_t e = 0; e < batch.size(); ++e) {
    const BatchEntry& be = batch[e];
    if (be.tokens.empty()) {
      return Error{"forward: batch entry " + std::to_string(e) + " (sequence " +
                   std::to_string(be.seq) + ") has no tokens"};
    }
    for (size_t i = 0; i < be.tokens.size(); ++i) {
      if (be.tokens[i] < 0 || static_cast<int64_t>(be.tokens[i]) >= s.n_vocab) {
        return Error{"forward: token id " + std::to_string(be.tokens[i]) + " (entry " +
                     std::to_string(e) + ", index " + std::to_string(i) + ") out of range [0, " +
                     std::to_string(s.n_vocab) + ")"};
      }
    }
    n_tokens += be.tokens.size();
    n_rows += be.all_logits ? be.tokens.size() : 1;
    if (n_tokens > s.config.max_batch_tokens) {
      return Error{"forward: batch holds more than max_batch_tokens = " +
                   std::to_string(s.config.max_batch_tokens) + " tokens"};
    }
    if (n_rows > s.config.max_logit_rows) {
      return Error{"forward: batch asks for more than max_logit_rows = " +
                   std::to_string(s.config.max_logit_rows) + " logits rows"};
    }
    if (Status st = cache.check_room(be.seq, static_cast<uint32_t>(be.tokens.size())); !st) {
      return Error{"forward: " + st.message()};
    }
    pages += cache.pages_needed(be.seq, static_cast<uint32_t>(be.tokens.size()));
    s.seq_check.push_back(be.seq);
  }
  std::sort(s.seq_check.begin(), s.seq_check.end());
  if (auto dup = std::adjacent_find(s.seq_check.begin(), s.seq_check.end());
      dup != s.seq_check.end()) {
    return Error{"forward: sequence " + std::to_string(*dup) + " appears twice in the batch"};
  }
  if (pages > cache.free_pages()) {
    return Error{"forward: KV cache budget exceeded: the batch needs " + std::to_string(pages) +
                 " pages but " + std::to_string(cache.free_pages()) + " of " +
                 std::to_string(cache.total_pages()) + " are free"};
  }

  // Lay the batch out token by token.
  s.entries.clear();
  int64_t t = 0, piece = 0;
  size_t row = 0;
  for (const BatchEntry& be : batch) {
    const auto n = static_cast<int64_t>(be.tokens.size());
    const uint32_t pos0 = cache.length(be.seq);
    s.entries.push_back(EntrySlice{be.seq, t, n, pos0, piece});
    piece += static_cast<int64_t>(p.n_head) * ceil_div(n, kAttnQueryChunk);
    for (int64_t i = 0; i < n; ++i, ++t) {
      s.tok_id[t] = be.tokens[i];
      s.tok_seq[t] = be.seq;
      s.tok_pos[t] = pos0 + static_cast<uint32_t>(i);
      if (be.all_logits || i == n - 1) s.logit_tokens[row++] = t;
    }
    [[maybe_unused]] const Status reserved = cache.reserve(be.seq, static_cast<uint32_t>(n));
  }
  s.n_tokens = t;
  s.n_attn_pieces = piece;
  s.n_logit_rows = row;

  s.ex = executor;
  s.forward_llama(cache);
  s.ex = nullptr;
  for (const BatchEntry& be : batch) cache.advance(be.seq, static_cast<uint32_t>(be.tokens.size()));
  return Status::ok();
}

size_t ForwardPass::n_logit_rows() const {
  return s_->n_logit_rows;
}

std::span<const float> ForwardPass::logits(size_t row) const {
  if (row >= s_->n_logit_rows) return {};
  return {s_->logits.data() + row * static_cast<size_t>(s_->n_vocab),
          static_cast<size_t>(s_->n_vocab)};
}

const Model& ForwardPass::model() const {
  return *s_->model;
}
const ForwardConfig& ForwardPass::config() const {
  return s_->config;
}

}  // namespace airan::llm
