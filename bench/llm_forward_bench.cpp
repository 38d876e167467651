// Forward-pass throughput on one thread, llama-bench style: pp512 (prefill of 512 tokens in one
// step) and tg128 (128 single-token decode steps from an empty context), counter "tokens/s".
// Models come from $AIRAN_TEST_DATA/llm/models (default ../shared/data beside the repository).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "airan/llm/forward.h"

namespace {

using namespace airan::llm;

std::filesystem::path model_path(const std::string& name) {
  std::filesystem::path data;
  if (const char* env = std::getenv("AIRAN_TEST_DATA"); env && *env) {
    data = env;
  } else {
    data = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "shared" / "data";
  }
  return data / "llm" / "models" / name;
}

struct Setup {
  std::unique_ptr<Model> model;  // the forward pass points at it: keep it where it is
  std::unique_ptr<ForwardPass> forward;
  std::unique_ptr<KvCache> cache;
};

// Loads `name` with room for `tokens` tokens; reports the error through `state` on failure.
std::unique_ptr<Setup> setup(benchmark::State& state, const std::string& name, uint32_t tokens) {
  auto model = Model::load(model_path(name));
  if (!model) {
    state.SkipWithError(model.error().message.c_str());
    return nullptr;
  }
  auto s = std::make_unique<Setup>();
  s->model = std::make_unique<Model>(std::move(*model));
  ForwardConfig cfg;
  cfg.max_batch_tokens = tokens;
  cfg.max_logit_rows = 1;
  auto fwd = ForwardPass::create(*s->model, cfg);
  auto cache =
      KvCache::create(KvCacheConfig::for_model(s->model->params(), tokens, 1, KvType::kF16));
  if (!fwd || !cache) {
    state.SkipWithError(!fwd ? fwd.error().message.c_str() : cache.error().message.c_str());
    return nullptr;
  }
  s->forward = std::make_unique<ForwardPass>(std::move(*fwd));
  s->cache = std::make_unique<KvCache>(std::move(*cache));
  return s;
}

std::vector<int32_t> prompt_tokens(size_t n, uint32_t n_vocab) {
  std::vector<int32_t> t(n);
  for (size_t i = 0; i < n; ++i) t[i] = static_cast<int32_t>((i * 7919 + 1) % n_vocab);
  return t;
}

void report(benchmark::State& state, const Setup& s, size_t tokens_per_iteration) {
  state.counters["tokens/s"] = benchmark::Counter(
      static_cast<double>(tokens_per_iteration * state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(s.model->params().architecture + " " +
                 std::to_string(s.model->weight_bytes() / 1024) + " KiB, " +
                 std::string(matmul_kernels()->implementation()) + ", 1 thread");
}

void BM_Prefill(benchmark::State& state, const std::string& name) {
  constexpr uint32_t kTokens = 512;
  auto s = setup(state, name, kTokens);
  if (!s) return;
  const std::vector<int32_t> prompt = prompt_tokens(kTokens, s->model->params().n_vocab);
  const BatchEntry e{0, prompt, false};
  for (auto _ : state) {
    s->cache->clear();
    const airan::Status st = s->forward->run({&e, 1}, *s->cache);
    if (!st) {
      state.SkipWithError(st.message().c_str());
      return;
    }
    benchmark::DoNotOptimize(s->forward->logits(0).data());
  }
  report(state, *s, kTokens);
}

void BM_Decode(benchmark::State& state, const std::string& name) {
  constexpr uint32_t kTokens = 128;
  auto s = setup(state, name, kTokens);
  if (!s) return;
  const std::vector<int32_t> tokens = prompt_tokens(kTokens, s->model->params().n_vocab);
  for (auto _ : state) {
    s->cache->clear();
    for (uint32_t i = 0; i < kTokens; ++i) {
      const BatchEntry e{0, {&tokens[i], 1}, false};
      const airan::Status st = s->forward->run({&e, 1}, *s->cache);
      if (!st) {
        state.SkipWithError(st.message().c_str());
        return;
      }
    }
    benchmark::DoNotOptimize(s->forward->logits(0).data());
  }
  report(state, *s, kTokens);
}

BENCHMARK_CAPTURE(BM_Prefill, pp512_synthetic_tiny_256_Q4_K,
                  std::string("synthetic-tiny-256-Q4_K.gguf"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, tg128_synthetic_tiny_256_Q4_K,
                  std::string("synthetic-tiny-256-Q4_K.gguf"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Prefill, pp512_stories260K, std::string("stories260K.gguf"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, tg128_stories260K, std::string("stories260K.gguf"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Prefill, pp512_stories260K_Q4_0, std::string("stories260K-Q4_0.gguf"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, tg128_stories260K_Q4_0, std::string("stories260K-Q4_0.gguf"))
    ->Unit(benchmark::kMillisecond);

}  // namespace
