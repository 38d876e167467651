// Forward pass, model loading and KV cache.
//
// Against llama.cpp (../shared/data/llm/reference, see its README): first-step logits and greedy
// token ids for every reference file. Tolerances, from that README and what it measured:
//  - stories260K with an F32 KV cache: an exact FP32 engine agrees with llama.cpp to ~5e-6; we
//    allow 1e-4 (our kernels sum in another order than ggml's; we measure ~7e-6).
//  - F16 KV cache: this engine rounds K, V, Q and the softmax weights to F16 where ggml does, so
//    the first step lands far inside the 1.6e-2 that F16 rounding alone moves the logits and the
//    6.3e-3 between llama.cpp's own F16 and F32 dumps (we measure ~5e-6 and allow 2e-3). Later
//    decode steps drift to ~7e-3 (ggml's single-token path rounds somewhere we do not copy), so
//    steps get the README's 1.6e-2.
//  - Quantised weights: activations are quantised as ggml does (Q8_0 / Q8_K), so we must be much
//    closer than the 0.13-0.26 a float engine on dequantised weights is; we allow 2e-2 (a
//    ggml-exact dot product gets ~2e-6 on stories260K-Q8_0/Q4_0 and the Q4_K file). The
//    random-weight synthetic files amplify every rounding (the README says: use only their
//    logits); even a ggml-exact Q4_0 x Q8_0 emulation is 0.044 away on synthetic-Q4_0, inside
//    the 0.05 the README measured for float; they get 6e-2.
// Greedy decoding must reproduce every token for the F32 model; for quantised files it must agree
// until a step whose recorded top-1 margin is within twice the step tolerance (a legitimate flip),
// and our logit of the reference token must match the recorded one at every step before that.
//
// Independent of llama.cpp: a tiny llama / qwen2 model written here byte by byte, checked against
// a naive double-precision forward pass in this file (NeoX RoPE, Q/K/V bias, tied output, partial
// rotary dimensions, linear RoPE scaling). Batch and chunking invariance, executor vs serial, bad
// model files and the KV cache's budget.
#include "airan/llm/forward.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "airan/llm/executor.h"
#include "airan/llm/kv_cache.h"
#include "airan/llm/model.h"
#include "gguf_builder.h"
#include "test_data.h"

namespace airan::llm {
namespace {

using test::GgufBuilder;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

int32_t argmax(std::span<const float> v) {
  // Ties go to the lowest id, as in the reference dumps.
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

double max_abs_diff(std::span<const float> a, std::span<const float> b) {
  double m = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  }
  return a.size() == b.size() ? m : INFINITY;
}

std::vector<float> read_f32_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

Model load_model(const std::string& name) {
  auto m = Model::load(test::data_path("llm/models/" + name));
  EXPECT_TRUE(m) << (m ? "" : m.error().message);
  if (!m) std::abort();
  return std::move(*m);
}

KvCache make_cache(const Model& m, uint32_t tokens, uint32_t seqs, KvType type) {
  auto c = KvCache::create(KvCacheConfig::for_model(m.params(), tokens, seqs, type));
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  if (!c) std::abort();
  return std::move(*c);
}

ForwardPass make_forward(const Model& m, uint32_t max_tokens = 64, uint32_t max_rows = 64) {
  ForwardConfig cfg;
  cfg.max_batch_tokens = max_tokens;
  cfg.max_logit_rows = max_rows;
  auto f = ForwardPass::create(m, cfg);
  EXPECT_TRUE(f) << (f ? "" : f.error().message);
  if (!f) std::abort();
  return std::move(*f);
}

std::vector<float> row(const ForwardPass& f, size_t r) {
  auto l = f.logits(r);
  return {l.begin(), l.end()};
}

// ---------------------------------------------------------------------------------------------
// llama.cpp reference files

struct Tolerance {
  double first_step;  // max |logit diff| after the prompt
  double step;        // |logit diff| of the reference token at each greedy step
  bool greedy;        // check the greedy continuation (trained stories260K models only)
};

Tolerance tolerance_for(const nlohmann::json& j) {
  const std::string model = j["model"];
  const bool kv_f32 = j["kv_cache_type"] == "f32";
  const bool quantised = contains(model, "Q4") || contains(model, "Q8") || contains(model, "Q5") ||
                         contains(model, "Q6");
  const bool trained = contains(model, "stories260K");
  const double f16_drift = kv_f32 ? 0.0 : 1.6e-2;
  if (!quantised) return {kv_f32 ? 1e-4 : 2e-3, kv_f32 ? 1e-4 : f16_drift, trained};
  const double first = trained ? 2e-2 : 6e-2;
  // Later greedy steps: the first step matches llama.cpp's quantised arithmetic to ~2e-6, but with
  // an F16 KV cache small rounding differences in K/V re-enter every step and quantised
  // activations amplify them (measured up to 0.16 by step 40 of stories260K-Q4_0, on the scale of
  // the README's 0.13-0.26 for a reference on dequantised weights). The tokens must still agree.
  return {first, kv_f32 ? first : 0.25, trained};
}

std::vector<std::filesystem::path> reference_files() {
  std::vector<std::filesystem::path> files;
  const auto dir = test::data_path("llm/reference");
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ForwardReference, FirstStepLogitsAndGreedyTokensMatchLlamaCpp) {
  const auto files = reference_files();
  ASSERT_GE(files.size(), 7u) << "reference files missing under "
                              << test::data_path("llm/reference");
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    bool ok = false;
    const auto j = nlohmann::json::parse(test::read_text(path, &ok));
    ASSERT_TRUE(ok);
    const Model model = load_model(j["model"]);
    const KvType kv = j["kv_cache_type"] == "f32" ? KvType::kF32 : KvType::kF16;
    const Tolerance tol = tolerance_for(j);
    const std::vector<int32_t> prompt = j["prompt_token_ids"];
    const std::vector<int32_t> generated = j["generated_token_ids"];
    const std::vector<double> top1 = j["per_step_top1_logit"];
    const std::vector<double> runner_up = j["per_step_runner_up_logit"];

    std::string logits_name = path.filename().string();
    logits_name.replace(logits_name.size() - 5, 5, ".first_logits.f32");
    const std::vector<float> ref = read_f32_file(path.parent_path() / logits_name);
    ASSERT_EQ(ref.size(), model.params().n_vocab);

    KvCache cache = make_cache(model, 256, 1, kv);
    ForwardPass fwd = make_forward(model);
    const BatchEntry prefill{0, prompt, false};
    ASSERT_TRUE(fwd.run({&prefill, 1}, cache).is_ok());
    const auto first = row(fwd, 0);
    const double diff = max_abs_diff(first, ref);
    std::printf("  %-40s kv %s: first-step max |logit diff| = %.3g (tolerance %.3g)\n",
                path.filename().string().c_str(), kv_type_name(kv), diff, tol.first_step);
    EXPECT_LE(diff, tol.first_step);
    EXPECT_EQ(argmax(first), argmax(ref));
    EXPECT_EQ(argmax(first), generated[0]);
    if (!tol.greedy) continue;

    // Greedy continuation, one decode step at a time.
    std::vector<float> logits = first;
    int agreed = 0;
    double max_step_diff = 0.0;
    for (size_t step = 0; step < generated.size(); ++step) {
      const int32_t ours = argmax(logits);
      const double d = std::fabs(logits[generated[step]] - top1[step]);
      max_step_diff = std::max(max_step_diff, d);
      if (ours != generated[step]) {
        // Allowed only where the reference itself was nearly tied.
        const double margin = top1[step] - runner_up[step];
        EXPECT_LE(margin, 2 * tol.step)
            << "greedy token " << step << ": ours " << ours << ", llama.cpp " << generated[step];
        break;
      }
      EXPECT_LE(d, tol.step) << "step " << step;
      ++agreed;
      const int32_t next = generated[step];
      const BatchEntry decode{0, {&next, 1}, false};
      ASSERT_TRUE(fwd.run({&decode, 1}, cache).is_ok());
      logits = row(fwd, 0);
    }
    std::printf("  %-40s greedy tokens agreeing: %d / %zu, max |top-1 logit diff| %.3g\n",
                path.filename().string().c_str(), agreed, generated.size(), max_step_diff);
    if (!contains(j["model"], "Q")) {
      EXPECT_EQ(agreed, static_cast<int>(generated.size()));
    }
  }
}

// ggml's CPU arithmetic for Q8_0 / Q4_0 / F16 weights, written out plainly: activations become
// Q8_0 blocks (d = amax / 127 stored as F16, q = round(x / d)) or F16 values; a block contributes
// d_w * d_x * (integer dot). Other types go to the engine's kernels. With these the forward pass
// must meet llama.cpp's logits on the trained quantised files almost exactly, which checks the
// forward pass independently of how the engine's own kernels quantise.
class GgmlStyleKernels : public MatmulKernels {
 public:
  void quantize_activations(QuantizedActivations& out, TensorType wt, const float* x, int64_t batch,
                            int64_t cols) const override {
    if (!handled(wt)) return real_->quantize_activations(out, wt, x, batch, cols);
    out.weight_type = wt;
    out.batch = batch;
    out.cols = cols;
    out.row_bytes = wt == TensorType::kF16 ? cols * 4 : cols / 32 * 36;
    out.data.resize(batch * out.row_bytes);
    for (int64_t b = 0; b < batch; ++b) {
      const float* xr = x + b * cols;
      uint8_t* row = out.data.data() + b * out.row_bytes;
      if (wt == TensorType::kF16) {
        for (int64_t i = 0; i < cols; ++i) {
          const float h = half_to_float(float_to_half(xr[i]));
          std::memcpy(row + 4 * i, &h, 4);
        }
        continue;
      }
      for (int64_t k = 0; k < cols / 32; ++k) {
        float amax = 0.0f;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(xr[k * 32 + j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const float d16 = half_to_float(float_to_half(d));
        std::memcpy(row + k * 36, &d16, 4);
        for (int j = 0; j < 32; ++j) {
          row[k * 36 + 4 + j] =
              static_cast<uint8_t>(static_cast<int8_t>(std::nearbyint(xr[k * 32 + j] * id)));
        }
      }
    }
  }
  void matmul_rows(const WeightMatrix& w, const QuantizedActivations& x, float* y, int64_t ys,
                   int64_t r0, int64_t r1) const override {
    if (!handled(w.type)) return real_->matmul_rows(w, x, y, ys, r0, r1);
    std::vector<uint8_t> row_buf(w.row_bytes);  // the row as GGUF blocks, whatever w.layout
    for (int64_t b = 0; b < x.batch; ++b) {
      const uint8_t* xr = x.data.data() + b * x.row_bytes;
      for (int64_t r = r0; r < r1; ++r) {
        copy_gguf_row(w, r, row_buf.data());
        const uint8_t* wr = row_buf.data();
        float acc = 0.0f;
        if (w.type == TensorType::kF16) {
          for (int64_t c = 0; c < w.cols; ++c) {
            uint16_t h;
            float xv;
            std::memcpy(&h, wr + 2 * c, 2);
            std::memcpy(&xv, xr + 4 * c, 4);
            acc += half_to_float(h) * xv;
          }
        }
        for (int64_t k = 0; w.type != TensorType::kF16 && k < w.cols / 32; ++k) {
          float xd;
          std::memcpy(&xd, xr + k * 36, 4);
          const auto* xq = reinterpret_cast<const int8_t*>(xr + k * 36 + 4);
          const bool q8 = w.type == TensorType::kQ8_0;
          const uint8_t* blk = wr + k * (q8 ? 34 : 18);
          uint16_t hd;
          std::memcpy(&hd, blk, 2);
          int sumi = 0;
          for (int j = 0; j < 16; ++j) {
            if (q8) {
              sumi += static_cast<int8_t>(blk[2 + j]) * xq[j] +
                      static_cast<int8_t>(blk[18 + j]) * xq[16 + j];
            } else {
              sumi += ((blk[2 + j] & 15) - 8) * xq[j] + ((blk[2 + j] >> 4) - 8) * xq[16 + j];
            }
          }
          acc += half_to_float(hd) * xd * static_cast<float>(sumi);
        }
        y[b * ys + r] = acc;
      }
    }
  }
  std::string_view implementation() const override { return "ggml-style reference"; }

 private:
  static bool handled(TensorType t) {
    return t == TensorType::kQ8_0 || t == TensorType::kQ4_0 || t == TensorType::kF16;
  }
  const MatmulKernels* real_ = matmul_kernels();
};

TEST(ForwardReference, QuantisedStoriesMatchLlamaCppWithGgmlStyleDotProducts) {
  const GgmlStyleKernels kernels;
  for (const char* name : {"stories260K-Q8_0", "stories260K-Q4_0"}) {
    SCOPED_TRACE(name);
    const Model model = load_model(std::string(name) + ".gguf");
    const std::vector<float> ref = read_f32_file(
        test::data_path(std::string("llm/reference/p1_") + name + ".first_logits.f32"));
    ForwardConfig cfg;
    cfg.max_batch_tokens = 16;
    cfg.max_logit_rows = 1;
    cfg.kernels = &kernels;
    auto fwd = ForwardPass::create(model, cfg);
    ASSERT_TRUE(fwd);
    KvCache cache = make_cache(model, 32, 1, KvType::kF16);
    const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
    const BatchEntry e{0, prompt, false};
    ASSERT_TRUE(fwd->run({&e, 1}, cache).is_ok());
    const double diff = max_abs_diff(fwd->logits(0), ref);
    std::printf("  %-40s with ggml-style Q8_0 dot products: max |logit diff| = %.3g\n", name, diff);
    EXPECT_LE(diff, 2e-3);  // the F16 KV tolerance: only summation order differs
  }
}

// ---------------------------------------------------------------------------------------------
// Batch and chunk invariance

// Prefill `prompt` alone into a fresh cache and return the logits of every position.
std::vector<std::vector<float>> logits_of_prefix(const Model& m, KvType kv,
                                                 const std::vector<int32_t>& prompt, size_t chunk,
                                                 StepExecutor* ex = nullptr) {
  KvCache cache = make_cache(m, 256, 1, kv);
  ForwardPass fwd = make_forward(m);
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < prompt.size(); i += chunk) {
    const size_t n = std::min(chunk, prompt.size() - i);
    const BatchEntry e{0, {prompt.data() + i, n}, true};
    const Status st = fwd.run({&e, 1}, cache, ex);
    EXPECT_TRUE(st.is_ok()) << st.message();
    for (size_t r = 0; r < fwd.n_logit_rows(); ++r) out.push_back(row(fwd, r));
  }
  EXPECT_EQ(cache.length(0), prompt.size());
  return out;
}

class ForwardInvariance : public ::testing::TestWithParam<std::string> {};

TEST_P(ForwardInvariance, PrefillInChunksOf1And3AndAllGivesTheSameLogits) {
  const Model m = load_model(GetParam());
  // 21 tokens: crosses a KV page boundary (16 tokens).
  const std::vector<int32_t> prompt = {1,   403, 407, 261, 378, 432, 383, 286, 261, 376, 298,
                                       315, 421, 395, 317, 426, 338, 401, 396, 267, 337};
  for (KvType kv : {KvType::kF32, KvType::kF16}) {
    const auto full = logits_of_prefix(m, kv, prompt, prompt.size());
    ASSERT_EQ(full.size(), prompt.size());
    for (size_t chunk : {size_t{1}, size_t{3}}) {
      const auto chunked = logits_of_prefix(m, kv, prompt, chunk);
      ASSERT_EQ(chunked.size(), prompt.size());
      double worst = 0.0;
      for (size_t i = 0; i < prompt.size(); ++i)
        worst = std::max(worst, max_abs_diff(full[i], chunked[i]));
      EXPECT_LE(worst, 1e-4) << "chunk " << chunk << " kv " << kv_type_name(kv);
    }
  }
}

TEST_P(ForwardInvariance, TwoPromptsInOneBatchMatchEachAlone) {
  const Model m = load_model(GetParam());
  const std::vector<int32_t> a = {1, 403, 407, 261, 378};
  const std::vector<int32_t> b = {1, 300, 311, 322, 333, 344, 355, 366, 377};
  constexpr int kSteps = 6;

  // Each alone: prefill, then kSteps greedy decode steps; record the logits of every step.
  auto alone = [&](const std::vector<int32_t>& prompt) {
    KvCache cache = make_cache(m, 128, 1, KvType::kF16);
    ForwardPass fwd = make_forward(m);
    std::vector<std::vector<float>> steps;
    BatchEntry e{0, prompt, false};
    EXPECT_TRUE(fwd.run({&e, 1}, cache).is_ok());
    steps.push_back(row(fwd, 0));
    for (int s = 0; s < kSteps; ++s) {
      const int32_t next = argmax(steps.back());
      e.tokens = {&next, 1};
      EXPECT_TRUE(fwd.run({&e, 1}, cache).is_ok());
      steps.push_back(row(fwd, 0));
    }
    return steps;
  };
  const auto ra = alone(a);
  const auto rb = alone(b);

  // Together: one batch with both prompts, then both decoded in the same steps, on sequence ids
  // 3 and 1 of a shared cache, through an executor with two workers.
  StepExecutor ex(2);
  KvCache cache = make_cache(m, 128, 4, KvType::kF16);
  ForwardPass fwd = make_forward(m);
  std::array<BatchEntry, 2> batch{BatchEntry{3, a, false}, BatchEntry{1, b, false}};
  ASSERT_TRUE(fwd.run(batch, cache, &ex).is_ok());
  ASSERT_EQ(fwd.n_logit_rows(), 2u);
  double worst = std::max(max_abs_diff(row(fwd, 0), ra[0]), max_abs_diff(row(fwd, 1), rb[0]));
  for (int s = 0; s < kSteps; ++s) {
    const int32_t na = argmax(ra[s]);
    const int32_t nb = argmax(rb[s]);
    batch[0].tokens = {&na, 1};
    batch[1].tokens = {&nb, 1};
    ASSERT_TRUE(fwd.run(batch, cache, &ex).is_ok());
    worst = std::max(worst, max_abs_diff(row(fwd, 0), ra[s + 1]));
    worst = std::max(worst, max_abs_diff(row(fwd, 1), rb[s + 1]));
  }
  EXPECT_LE(worst, 1e-4);
  EXPECT_EQ(cache.length(3), a.size() + kSteps);
  EXPECT_EQ(cache.length(1), b.size() + kSteps);
}

TEST_P(ForwardInvariance, ExecutorGivesTheSameLogitsAsSerial) {
  const Model m = load_model(GetParam());
  std::vector<int32_t> prompt(40);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int32_t>((i * 37 + 5) % 500);
  StepExecutor ex(2);
  const auto serial = logits_of_prefix(m, KvType::kF16, prompt, prompt.size());
  const auto parallel = logits_of_prefix(m, KvType::kF16, prompt, prompt.size(), &ex);
  ASSERT_EQ(serial.size(), parallel.size());
  for (size_t i = 0; i < serial.size(); ++i) EXPECT_EQ(serial[i], parallel[i]) << "position " << i;
}

INSTANTIATE_TEST_SUITE_P(Models, ForwardInvariance,
                         ::testing::Values("stories260K.gguf", "synthetic-tiny-256-Q4_K.gguf",
                                           "stories260K-Q4_0.gguf"),
                         [](const auto& param_info) {
                           std::string s = param_info.param;
                           s = s.substr(0, s.find(".gguf"));
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

TEST(Forward, RejectsBadBatchesWithoutChangingTheCache) {
  const Model m = load_model("stories260K.gguf");
  KvCache cache = make_cache(m, 32, 2, KvType::kF16);
  ForwardPass fwd = make_forward(m, 16, 4);
  const std::vector<int32_t> ok = {1, 2, 3};
  const std::vector<int32_t> bad_id = {1, 512};
  const std::vector<int32_t> long_prompt(17, 5);
  auto run1 = [&](uint32_t seq, const std::vector<int32_t>& t, bool all = false) {
    const BatchEntry e{seq, t, all};
    return fwd.run({&e, 1}, cache);
  };
  Status s = run1(0, bad_id);
  EXPECT_FALSE(s.is_ok());
  EXPECT_TRUE(contains(s.message(), "token id 512")) << s.message();
  s = run1(0, long_prompt);
  EXPECT_TRUE(contains(s.message(), "max_batch_tokens")) << s.message();
  s = run1(5, ok);
  EXPECT_TRUE(contains(s.message(), "sequence id 5")) << s.message();
  s = run1(0, {});
  EXPECT_TRUE(contains(s.message(), "no tokens")) << s.message();
  const std::vector<int32_t> eight(8, 7);
  s = run1(0, eight, true);
  EXPECT_TRUE(contains(s.message(), "max_logit_rows")) << s.message();
  std::array<BatchEntry, 2> dup{BatchEntry{1, ok, false}, BatchEntry{1, ok, false}};
  s = fwd.run(dup, cache);
  EXPECT_TRUE(contains(s.message(), "appears twice")) << s.message();
  EXPECT_EQ(cache.length(0), 0u);
  EXPECT_EQ(cache.length(1), 0u);
  EXPECT_EQ(cache.free_pages(), cache.total_pages());

  // Budget: 32 tokens = 2 pages. Sequence 0 takes 16 tokens + 1, sequence 1 cannot start.
  const std::vector<int32_t> sixteen(16, 9);
  ASSERT_TRUE(run1(0, sixteen).is_ok());
  ASSERT_TRUE(run1(0, ok).is_ok());
  s = run1(1, ok);
  EXPECT_FALSE(s.is_ok());
  EXPECT_TRUE(contains(s.message(), "budget exceeded")) << s.message();
  EXPECT_EQ(cache.length(1), 0u);
  cache.free_sequence(0);
  EXPECT_TRUE(run1(1, ok).is_ok());
  // The KV cache shape must match the model.
  auto other = KvCache::create(KvCacheConfig{1, 4, 8, 8, 32, 1, 0, KvType::kF16});
  ASSERT_TRUE(other);
  const BatchEntry e{0, ok, false};
  s = fwd.run({&e, 1}, *other);
  EXPECT_TRUE(contains(s.message(), "does not match")) << s.message();
}

// ---------------------------------------------------------------------------------------------
// KV cache

TEST(KvCache, HalfConversionRoundsToNearestEven) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65519.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);  // halfway to 65536: rounds to Inf
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);         // tie -> even (0)
  EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);         // tie -> even (2)
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie -> even
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(3.0f, -11)), 0x3c02);  // tie -> even
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14)), 0x0400);         // smallest normal
  EXPECT_EQ(float_to_half(INFINITY), 0x7c00);
  EXPECT_EQ(float_to_half(NAN) & 0x7c00, 0x7c00);
  EXPECT_NE(float_to_half(NAN) & 0x03ff, 0);
  for (uint32_t h = 0; h < 0x7c00; ++h) {  // every finite half survives the round trip
    ASSERT_EQ(float_to_half(half_to_float(static_cast<uint16_t>(h))), h);
    ASSERT_EQ(float_to_half(half_to_float(static_cast<uint16_t>(h | 0x8000))), h | 0x8000);
  }
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
}

TEST(KvCache, PagesComeFromOnePoolAndGoBack) {
  auto c = KvCache::create(KvCacheConfig{2, 2, 8, 8, 40, 3, 24, KvType::kF32});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->total_pages(), 3u);  // 40 tokens -> 3 pages of 16
  EXPECT_TRUE(c->reserve(0, 10).is_ok());
  c->advance(0, 10);
  EXPECT_EQ(c->length(0), 10u);
  EXPECT_EQ(c->free_pages(), 2u);
  Status s = c->reserve(0, 15);  // 25 > max_seq_tokens 24
  EXPECT_TRUE(contains(s.message(), "context of 24")) << s.message();
  EXPECT_TRUE(c->reserve(1, 20).is_ok());
  s = c->reserve(2, 1);
  EXPECT_TRUE(contains(s.message(), "budget exceeded")) << s.message();
  c->free_sequence(0);
  EXPECT_EQ(c->free_pages(), 1u);
  EXPECT_TRUE(c->reserve(2, 16).is_ok());
  c->truncate(1, 0);
  c->clear();
  EXPECT_EQ(c->free_pages(), 3u);

  // Stored values land where the page table says.
  ASSERT_TRUE(c->reserve(1, 18).is_ok());
  std::vector<float> k(16), v(16);
  for (int i = 0; i < 16; ++i) k[i] = static_cast<float>(i), v[i] = static_cast<float>(-i);
  c->store(1, 1, 17, k.data(), v.data());
  const uint32_t page = c->page_table(1)[1];
  const auto* kb = reinterpret_cast<const float*>(c->k_block(1, page, 1)) + 1 * 8;
  const auto* vb = reinterpret_cast<const float*>(c->v_block(1, page, 0)) + 1 * 8;
  EXPECT_EQ(kb[3], 11.0f);
  EXPECT_EQ(vb[3], -3.0f);

  auto bad = KvCache::create(KvCacheConfig{2, 0, 8, 8, 40, 1, 0, KvType::kF16});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.error().message, "n_head_kv")) << bad.error().message;
}

// ---------------------------------------------------------------------------------------------
// A tiny model written here, checked against a naive double-precision forward pass

struct TinySpec {
  std::string arch = "llama";
  uint32_t n_embd = 32, n_layer = 2, n_head = 4, n_head_kv = 2, n_ff = 48, n_vocab = 24;
  uint32_t n_rot = 8;  // head_dim = 8
  float rope_base = 10000.0f;
  float rope_scale_factor = 0.0f;  // 0: no scaling
  bool tied_output = false;
  std::string omit;     // tensor to leave out
  std::string reshape;  // tensor whose last dimension is made one larger
  std::map<std::string, std::vector<float>> weights;  // filled by build()
};

struct TinyTensor {
  std::string name;
  std::vector<uint64_t> dims;
};

std::vector<TinyTensor> tiny_tensors(const TinySpec& s) {
  const uint64_t hd = s.n_embd / s.n_head;
  std::vector<TinyTensor> t = {{"token_embd.weight", {s.n_embd, s.n_vocab}},
                               {"output_norm.weight", {s.n_embd}}};
  if (!s.tied_output) t.push_back({"output.weight", {s.n_embd, s.n_vocab}});
  for (uint32_t l = 0; l < s.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    t.push_back({b + "attn_norm.weight", {s.n_embd}});
    t.push_back({b + "attn_q.weight", {s.n_embd, s.n_head * hd}});
    t.push_back({b + "attn_k.weight", {s.n_embd, s.n_head_kv * hd}});
    t.push_back({b + "attn_v.weight", {s.n_embd, s.n_head_kv * hd}});
    if (s.arch == "qwen2") {
      t.push_back({b + "attn_q.bias", {s.n_head * hd}});
      t.push_back({b + "attn_k.bias", {s.n_head_kv * hd}});
      t.push_back({b + "attn_v.bias", {s.n_head_kv * hd}});
    }
    t.push_back({b + "attn_output.weight", {s.n_head * hd, s.n_embd}});
    t.push_back({b + "ffn_norm.weight", {s.n_embd}});
    t.push_back({b + "ffn_gate.weight", {s.n_embd, s.n_ff}});
    t.push_back({b + "ffn_up.weight", {s.n_embd, s.n_ff}});
    t.push_back({b + "ffn_down.weight", {s.n_ff, s.n_embd}});
  }
  return t;
}

// An F32 GGUF for `s` with random weights (kept in s.weights for the reference pass).
std::vector<uint8_t> build_tiny(TinySpec& s) {
  std::vector<TinyTensor> tensors = tiny_tensors(s);
  std::erase_if(tensors, [&](const TinyTensor& t) { return t.name == s.omit; });
  for (TinyTensor& t : tensors) {
    if (t.name == s.reshape) t.dims.back() += 1;
  }
  std::mt19937 rng(1234);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  GgufBuilder b;
  const uint32_t n_kv = 10 + (s.rope_scale_factor > 0 ? 2 : 0);
  b.header(tensors.size(), n_kv);
  const std::string a = s.arch + ".";
  b.kv_str("general.architecture", s.arch);
  b.kv_u32(a + "embedding_length", s.n_embd);
  b.kv_u32(a + "block_count", s.n_layer);
  b.kv_u32(a + "attention.head_count", s.n_head);
  b.kv_u32(a + "attention.head_count_kv", s.n_head_kv);
  b.kv_u32(a + "feed_forward_length", s.n_ff);
  b.kv_u32(a + "context_length", 256);
  b.kv_u32(a + "vocab_size", s.n_vocab);
  b.kv_u32(a + "rope.dimension_count", s.n_rot);
  b.kv_f32(a + "rope.freq_base", s.rope_base);
  if (s.rope_scale_factor > 0) {
    b.kv_str(a + "rope.scaling.type", "linear");
    b.kv_f32(a + "rope.scaling.factor", s.rope_scale_factor);
  }
  uint64_t offset = 0;
  std::vector<std::vector<float>> data;
  for (const TinyTensor& t : tensors) {
    uint64_t n = 1;
    for (uint64_t d : t.dims) n *= d;
    std::vector<float> w(n);
    const bool norm = contains(t.name, "norm");
    const float scale =
        contains(t.name, "embd") ? 1.0f : 1.0f / std::sqrt(static_cast<float>(t.dims[0]));
    for (float& x : w) x = norm ? 1.0f + 0.1f * nd(rng) : scale * nd(rng);
    b.tensor(t.name, t.dims, 0, offset);
    offset += (n * 4 + 31) / 32 * 32;
    s.weights[t.name] = w;
    data.push_back(std::move(w));
  }
  b.pad_to(32);
  for (const auto& w : data) {
    for (float x : w) b.raw(x);
    b.pad_to(32);
  }
  return b.bytes;
}

Expected<Model> tiny_model(TinySpec& s) {
  auto f = GgufFile::parse(build_tiny(s), "tiny.gguf");
  if (!f) return f.error();
  return Model::from_file(std::move(*f));
}

// Logits of the last token of `tokens`, computed naively in double from s.weights.
std::vector<double> naive_forward(const TinySpec& s, const std::vector<int32_t>& tokens) {
  const auto& W = s.weights;
  const size_t E = s.n_embd, H = s.n_head, HK = s.n_head_kv, D = E / H, F = s.n_ff;
  const size_t T = tokens.size();
  // y = M x for a GGUF matrix [cols, rows] stored row by row.
  auto matvec = [](const std::vector<float>& m, const std::vector<double>& x, size_t rows) {
    std::vector<double> y(rows, 0.0);
    const size_t cols = x.size();
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < cols; ++c) y[r] += static_cast<double>(m[r * cols + c]) * x[c];
    }
    return y;
  };
  auto rmsnorm = [&](const std::vector<double>& x, const std::vector<float>& g) {
    double ss = 0.0;
    for (double v : x) ss += v * v;
    const double k = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + 1e-5);
    std::vector<double> y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * k * g[i];
    return y;
  };
  const double freq_scale = s.rope_scale_factor > 0 ? 1.0 / s.rope_scale_factor : 1.0;
  auto rope = [&](std::vector<double>& v, size_t heads, size_t pos) {
    for (size_t h = 0; h < heads; ++h) {
      for (size_t i = 0; i < s.n_rot / 2; ++i) {
        const double theta = static_cast<double>(pos) * freq_scale *
                             std::pow(static_cast<double>(s.rope_base), -2.0 * i / s.n_rot);
        const size_t ia = s.arch == "qwen2" ? i : 2 * i;
        const size_t ib = s.arch == "qwen2" ? i + s.n_rot / 2 : 2 * i + 1;
        const double a = v[h * D + ia], b = v[h * D + ib];
        v[h * D + ia] = a * std::cos(theta) - b * std::sin(theta);
        v[h * D + ib] = a * std::sin(theta) + b * std::cos(theta);
      }
    }
  };
  std::vector<std::vector<double>> x(T, std::vector<double>(E));
  for (size_t t = 0; t < T; ++t) {
    for (size_t i = 0; i < E; ++i) x[t][i] = W.at("token_embd.weight")[tokens[t] * E + i];
  }
  for (uint32_t l = 0; l < s.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    std::vector<std::vector<double>> q(T), k(T), v(T);
    for (size_t t = 0; t < T; ++t) {
      const auto n = rmsnorm(x[t], W.at(b + "attn_norm.weight"));
      q[t] = matvec(W.at(b + "attn_q.weight"), n, H * D);
      k[t] = matvec(W.at(b + "attn_k.weight"), n, HK * D);
      v[t] = matvec(W.at(b + "attn_v.weight"), n, HK * D);
      if (s.arch == "qwen2") {
        for (size_t i = 0; i < H * D; ++i) q[t][i] += W.at(b + "attn_q.bias")[i];
        for (size_t i = 0; i < HK * D; ++i) k[t][i] += W.at(b + "attn_k.bias")[i];
        for (size_t i = 0; i < HK * D; ++i) v[t][i] += W.at(b + "attn_v.bias")[i];
      }
      rope(q[t], H, t);
      rope(k[t], HK, t);
    }
    for (size_t t = 0; t < T; ++t) {
      std::vector<double> att(H * D, 0.0);
      for (size_t h = 0; h < H; ++h) {
        const size_t g = h / (H / HK);
        std::vector<double> sc(t + 1);
        double mx = -INFINITY, sum = 0.0;
        for (size_t j = 0; j <= t; ++j) {
          double d = 0.0;
          for (size_t i = 0; i < D; ++i) d += q[t][h * D + i] * k[j][g * D + i];
          sc[j] = d / std::sqrt(static_cast<double>(D));
          mx = std::max(mx, sc[j]);
        }
        for (double& e : sc) sum += (e = std::exp(e - mx));
        for (size_t j = 0; j <= t; ++j) {
          for (size_t i = 0; i < D; ++i) att[h * D + i] += sc[j] / sum * v[j][g * D + i];
        }
      }
      const auto o = matvec(W.at(b + "attn_output.weight"), att, E);
      for (size_t i = 0; i < E; ++i) x[t][i] += o[i];
      const auto n = rmsnorm(x[t], W.at(b + "ffn_norm.weight"));
      auto gate = matvec(W.at(b + "ffn_gate.weight"), n, F);
      const auto up = matvec(W.at(b + "ffn_up.weight"), n, F);
      for (size_t i = 0; i < F; ++i) gate[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
      const auto d = matvec(W.at(b + "ffn_down.weight"), gate, E);
      for (size_t i = 0; i < E; ++i) x[t][i] += d[i];
    }
  }
  const auto n = rmsnorm(x[T - 1], W.at("output_norm.weight"));
  return matvec(W.at(s.tied_output ? "token_embd.weight" : "output.weight"), n, s.n_vocab);
}

void expect_matches_naive(TinySpec& s) {
  auto m = tiny_model(s);
  ASSERT_TRUE(m) << m.error().message;
  const std::vector<int32_t> tokens = {3,  17, 5, 9, 23, 0, 11, 2,  8,
                                       14, 19, 6, 1, 21, 4, 7,  12, 15};
  const auto ref = naive_forward(s, tokens);
  KvCache cache = make_cache(*m, 64, 1, KvType::kF32);
  ForwardPass fwd = make_forward(*m);
  // Prompt in two chunks, so that attention also reads earlier steps' cache entries.
  const BatchEntry e1{0, {tokens.data(), 7}, false};
  const BatchEntry e2{0, {tokens.data() + 7, tokens.size() - 7}, false};
  ASSERT_TRUE(fwd.run({&e1, 1}, cache).is_ok());
  ASSERT_TRUE(fwd.run({&e2, 1}, cache).is_ok());
  const auto got = fwd.logits(0);
  ASSERT_EQ(got.size(), ref.size());
  double worst = 0.0;
  for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::fabs(got[i] - ref[i]));
  EXPECT_LE(worst, 1e-4);
}

TEST(TinyModel, LlamaMatchesNaiveForward) {
  TinySpec s;
  expect_matches_naive(s);
}

TEST(TinyModel, LlamaTiedOutputPartialRotaryAndLinearScalingMatchNaiveForward) {
  TinySpec s;
  s.tied_output = true;
  s.n_rot = 4;
  s.rope_scale_factor = 4.0f;
  s.rope_base = 500000.0f;
  auto m = tiny_model(s);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->output_tied());
  EXPECT_FLOAT_EQ(m->rope_freq_scale(), 0.25f);
  expect_matches_naive(s);
}

TEST(TinyModel, Qwen2WithBiasAndNeoxRopeMatchesNaiveForward) {
  TinySpec s;
  s.arch = "qwen2";
  s.n_embd = 64;  // head_dim 16
  s.n_rot = 16;
  s.tied_output = true;
  auto m = tiny_model(s);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->rope_type(), RopeType::kNeox);
  EXPECT_EQ(m->layers()[1].bias_k.size(), 32u);
  expect_matches_naive(s);
}

TEST(TinyModel, MissingOrMisshapenTensorsAreNamed) {
  {
    TinySpec s;
    s.omit = "blk.1.ffn_up.weight";
    auto m = tiny_model(s);
    ASSERT_FALSE(m);
    EXPECT_TRUE(contains(m.error().message, "blk.1.ffn_up.weight is missing")) << m.error().message;
    EXPECT_TRUE(contains(m.error().message, "[32, 48]")) << m.error().message;
  }
  {
    TinySpec s;
    s.reshape = "blk.0.attn_k.weight";
    auto m = tiny_model(s);
    ASSERT_FALSE(m);
    EXPECT_TRUE(contains(m.error().message, "blk.0.attn_k.weight has shape [32, 17]"))
        << m.error().message;
    EXPECT_TRUE(contains(m.error().message, "expected [32, 16]")) << m.error().message;
  }
  {
    TinySpec s;
    s.arch = "qwen2";
    s.omit = "blk.0.attn_v.bias";
    auto m = tiny_model(s);
    ASSERT_FALSE(m);
    EXPECT_TRUE(contains(m.error().message, "blk.0.attn_v.bias is missing")) << m.error().message;
  }
  {
    TinySpec s;
    s.omit = "output_norm.weight";
    auto m = tiny_model(s);
    ASSERT_FALSE(m);
    EXPECT_TRUE(contains(m.error().message, "output_norm.weight")) << m.error().message;
  }
  {
    TinySpec s;
    s.arch = "gpt2";
    auto m = tiny_model(s);
    ASSERT_FALSE(m);
    EXPECT_TRUE(contains(m.error().message, "gpt2")) << m.error().message;
  }
}

TEST(Model, LoadsTheSharedModels) {
  for (const char* name : {"stories260K.gguf", "stories260K-Q8_0.gguf", "stories260K-Q4_0.gguf",
                           "synthetic-tiny-256-Q8_0.gguf", "synthetic-tiny-256-Q4_0.gguf",
                           "synthetic-tiny-256-Q4_K.gguf"}) {
    SCOPED_TRACE(name);
    auto m = Model::load(test::data_path(std::string("llm/models/") + name));
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->layers().size(), m->params().n_layer);
    EXPECT_EQ(m->rope_type(), RopeType::kNormal);
    EXPECT_FALSE(m->output_tied());
    EXPECT_GT(m->weight_bytes(), 0u);
    EXPECT_LE(m->weight_bytes(), m->file().file_size());
  }
  auto missing = Model::load(test::data_path("llm/models/no-such-model.gguf"));
  EXPECT_FALSE(missing);
}

// Matrices are copied at load into the layout the default kernels prefer (the embedding table,
// read a row at a time, is not); the copies hold the file's blocks, and kernels that do not
// compute with that layout (portable) still give the same logits.
TEST(Model, RepacksMatricesForTheDefaultKernels) {
  for (const char* name :
       {"stories260K-Q4_0.gguf", "synthetic-tiny-256-Q4_0.gguf", "stories260K-Q8_0.gguf",
        "synthetic-tiny-256-Q8_0.gguf", "synthetic-tiny-256-Q4_K.gguf"}) {
    SCOPED_TRACE(name);
    const Model m = load_model(name);
    EXPECT_EQ(m.token_embd().layout, WeightLayout::kGguf);
    const std::string b = "blk.0.";
    const std::pair<const WeightMatrix*, std::string> matrices[] = {
        {&m.layers()[0].attn_q, b + "attn_q.weight"},
        {&m.layers()[0].ffn_down, b + "ffn_down.weight"},
        {&m.output(), "output.weight"}};
    for (const auto& [w, tensor] : matrices) {
      SCOPED_TRACE(tensor);
      EXPECT_EQ(w->layout, matmul_kernels()->preferred_layout(w->type));
      auto file_view = weight_matrix(m.file(), *m.file().find_tensor(tensor));
      ASSERT_TRUE(file_view);
      std::vector<uint8_t> got(w->row_bytes);
      for (int64_t r = 0; r < w->rows; ++r) {
        copy_gguf_row(*w, r, got.data());
        ASSERT_EQ(0, std::memcmp(got.data(), file_view->data + r * w->row_bytes, got.size()))
            << "row " << r;
      }
    }
    const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
    std::vector<std::vector<float>> logits;
    for (const MatmulKernels* k : {matmul_kernels(), matmul_kernels(SimdLevel::portable)}) {
      ForwardConfig cfg;
      cfg.max_batch_tokens = 16;
      cfg.max_logit_rows = 1;
      cfg.kernels = k;
      auto fwd = ForwardPass::create(m, cfg);
      ASSERT_TRUE(fwd);
      KvCache cache = make_cache(m, 32, 1, KvType::kF16);
      const BatchEntry e{0, prompt, false};
      ASSERT_TRUE(fwd->run({&e, 1}, cache).is_ok());
      logits.push_back(row(*fwd, 0));
    }
    // Same integer block sums; only the float summation order differs between the kernels.
    EXPECT_LE(max_abs_diff(logits[0], logits[1]), 1e-3);
  }
}

// Attention over many pages and query chunks: GQA groups of 1, 2 and 8 query heads per KV head,
// a prompt that crosses KvCache::kPageTokens and the attention query chunk, prefilled in two
// steps and also decoded token by token, with F32 and F16 caches.
TEST(TinyModel, GroupedAttentionAcrossPagesAndQueryChunksMatchesNaiveForward) {
  std::vector<int32_t> tokens(75);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>((i * 7 + 3) % 24);
  for (const uint32_t n_head_kv : {8u, 4u, 1u}) {
    TinySpec s;
    s.n_embd = 64;  // 8 heads of 8
    s.n_head = 8;
    s.n_head_kv = n_head_kv;
    auto m = tiny_model(s);
    ASSERT_TRUE(m) << m.error().message;
    const auto ref = naive_forward(s, tokens);
    for (const KvType type : {KvType::kF32, KvType::kF16}) {
      const double tol = type == KvType::kF32 ? 1e-4 : 2e-2;
      KvCache prefill_cache = make_cache(*m, 128, 1, type);
      ForwardPass fwd = make_forward(*m);
      const size_t split = 37;  // second step starts inside a page and a query chunk
      const BatchEntry e1{0, {tokens.data(), split}, false};
      const BatchEntry e2{0, {tokens.data() + split, tokens.size() - split}, false};
      ASSERT_TRUE(fwd.run({&e1, 1}, prefill_cache).is_ok());
      ASSERT_TRUE(fwd.run({&e2, 1}, prefill_cache).is_ok());
      const std::vector<float> prefilled(fwd.logits(0).begin(), fwd.logits(0).end());
      ASSERT_EQ(prefilled.size(), ref.size());

      KvCache decode_cache = make_cache(*m, 128, 1, type);
      for (size_t t = 0; t < tokens.size(); ++t) {
        const BatchEntry e{0, {tokens.data() + t, 1}, false};
        ASSERT_TRUE(fwd.run({&e, 1}, decode_cache).is_ok());
      }
      const auto decoded = fwd.logits(0);
      for (size_t i = 0; i < ref.size(); ++i) {
        EXPECT_NEAR(prefilled[i], ref[i], tol) << "n_head_kv " << n_head_kv << " logit " << i;
        EXPECT_NEAR(decoded[i], prefilled[i], 1e-5) << "n_head_kv " << n_head_kv << " logit " << i;
      }
    }
  }
}

}  // namespace
}  // namespace airan::llm
