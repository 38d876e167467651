// Sampling chain (greedy, temperature, top-k, top-p, min-p, penalties, seed) and stop conditions.
#include "airan/llm/sampler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

// Counts heap allocations made by this thread while `g_count_allocs` is set (the sampler must make
// none per token). Not under AddressSanitizer, which owns operator new there.
#if defined(__SANITIZE_ADDRESS__)
#define AIRAN_COUNT_ALLOCS 0
#else
#define AIRAN_COUNT_ALLOCS 1
#endif
namespace {
thread_local bool g_count_allocs = false;
thread_local size_t g_allocs = 0;
}  // namespace

#if AIRAN_COUNT_ALLOCS
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  if (g_count_allocs) ++g_allocs;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop
#endif

namespace airan::llm {
namespace {

SamplingParams plain(uint64_t seed = 42) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = seed;
  return p;
}

std::vector<float> log_probs(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return l;
}

// Frequencies of each token over `n` draws.
std::vector<double> frequencies(Sampler& s, const std::vector<float>& logits, int n) {
  std::vector<double> f(logits.size(), 0.0);
  for (int i = 0; i < n; ++i) {
    auto t = s.sample(logits);
    EXPECT_TRUE(t) << t.error().message;
    if (t) f[static_cast<size_t>(*t)] += 1.0 / n;
  }
  return f;
}

TEST(Sampler, GreedyPicksTheHighestLogitAndLowestIdOnTies) {
  SamplingParams p = plain();
  p.temperature = 0.0f;
  auto s = Sampler::create(p, 5);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(*s->sample(std::vector<float>{0.1f, 3.0f, -1.0f, 2.9f, 0.0f}), 1);
  EXPECT_EQ(*s->sample(std::vector<float>{1.0f, 5.0f, 5.0f, 2.0f, 0.0f}), 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(*s->sample(std::vector<float>{nan, -2.0f, nan, -1.0f, nan}), 3);
}

TEST(Sampler, SameSeedSameTokensOtherSeedOtherTokens) {
  std::mt19937 gen(1);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  std::vector<float> logits(1000);
  for (float& l : logits) l = nd(gen);
  auto run = [&](uint64_t seed) {
    SamplingParams p;  // llama.cpp defaults: top-k 40, top-p 0.95, min-p 0.05, temp 0.8
    p.seed = seed;
    auto s = Sampler::create(p, logits.size());
    std::vector<TokenId> out;
    for (int i = 0; i < 64; ++i) out.push_back(*s->sample(logits));
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
  // reset() restarts the generator.
  SamplingParams p;
  p.seed = 7;
  auto s = Sampler::create(p, logits.size());
  const TokenId first = *s->sample(logits);
  for (int i = 0; i < 10; ++i) (void)s->sample(logits);
  s->reset();
  EXPECT_EQ(*s->sample(logits), first);
}

TEST(Sampler, DrawsFollowTheDistribution) {
  auto s = Sampler::create(plain(), 3);
  const auto f = frequencies(*s, log_probs({0.5, 0.3, 0.2}), 40000);
  EXPECT_NEAR(f[0], 0.5, 0.01);
  EXPECT_NEAR(f[1], 0.3, 0.01);
  EXPECT_NEAR(f[2], 0.2, 0.01);
}

TEST(Sampler, TemperatureSharpensAndFlattens) {
  // p^(1/T) renormalised: T = 0.5 squares the probabilities, T = 2 takes their square roots.
  const auto logits = log_probs({0.6, 0.3, 0.1});
  SamplingParams p = plain(3);
  p.temperature = 0.5f;
  auto cold = Sampler::create(p, 3);
  auto f = frequencies(*cold, logits, 40000);
  const double z = 0.36 + 0.09 + 0.01;
  EXPECT_NEAR(f[0], 0.36 / z, 0.01);
  EXPECT_NEAR(f[2], 0.01 / z, 0.005);
  p.temperature = 2.0f;
  auto hot = Sampler::create(p, 3);
  f = frequencies(*hot, logits, 40000);
  const double zh = std::sqrt(0.6) + std::sqrt(0.3) + std::sqrt(0.1);
  EXPECT_NEAR(f[0], std::sqrt(0.6) / zh, 0.01);
  EXPECT_NEAR(f[2], std::sqrt(0.1) / zh, 0.01);
}

TEST(Sampler, TopKKeepsTheKMostLikely) {
  SamplingParams p = plain();
  p.top_k = 2;
  auto s = Sampler::create(p, 4);
  const auto f = frequencies(*s, log_probs({0.2, 0.4, 0.1, 0.3}), 20000);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_EQ(f[2], 0.0);
  EXPECT_NEAR(f[1], 0.4 / 0.7, 0.015);
  p.top_k = 1;
  auto one = Sampler::create(p, 4);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(*one->sample(log_probs({0.2, 0.4, 0.1, 0.3})), 1);
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  const auto logits = log_probs({0.05, 0.5, 0.15, 0.3});
  SamplingParams p = plain();
  p.top_p = 0.75f;  // 0.5 + 0.3 reaches it
  auto s = Sampler::create(p, 4);
  auto f = frequencies(*s, logits, 20000);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_EQ(f[2], 0.0);
  EXPECT_NEAR(f[1], 0.5 / 0.8, 0.015);
  p.top_p = 0.85f;  // needs 0.15 too
  auto s2 = Sampler::create(p, 4);
  f = frequencies(*s2, logits, 20000);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_GT(f[2], 0.1);
}

TEST(Sampler, TopPOnALargeVocabulary) {
  // Many tokens: the sorted prefix must grow past its first chunk to reach the mass.
  const size_t n = 50000;
  std::vector<float> logits(n, 0.0f);
  SamplingParams p = plain(5);
  p.top_p = 0.5f;
  auto s = Sampler::create(p, n);
  for (int i = 0; i < 200; ++i) {
    auto t = s->sample(logits);
    ASSERT_TRUE(t);
    // Equal logits sort by id, so only the first half of the ids can be kept.
    EXPECT_LT(*t, static_cast<TokenId>(n / 2 + 1));
  }
}

TEST(Sampler, MinPDropsTokensBelowAFractionOfTheTop) {
  SamplingParams p = plain();
  p.min_p = 0.2f;  // threshold 0.1: drops 0.05
  auto s = Sampler::create(p, 4);
  const auto f = frequencies(*s, log_probs({0.5, 0.3, 0.15, 0.05}), 20000);
  EXPECT_EQ(f[3], 0.0);
  EXPECT_NEAR(f[2], 0.15 / 0.95, 0.015);
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplingParams p = plain();
  p.temperature = 0.0f;
  p.repeat_penalty = 2.0f;
  auto s = Sampler::create(p, 3);
  const std::vector<float> logits = {2.0f, 1.9f, -1.0f};
  EXPECT_EQ(*s->sample(logits), 0);
  s->accept(0);
  EXPECT_EQ(*s->sample(logits), 1);  // 2 / 2 = 1 < 1.9
  // Negative logits move further down: -0.6 x 2 = -1.2 < -1.0.
  const std::vector<float> neg = {-0.6f, -5.0f, -1.0f};
  EXPECT_EQ(*s->sample(neg), 2);
}

TEST(Sampler, FrequencyAndPresencePenaltiesOverTheWindow) {
  SamplingParams p = plain();
  p.temperature = 0.0f;
  p.frequency_penalty = 0.06f;
  p.penalty_last_n = 3;
  auto s = Sampler::create(p, 3);
  const std::vector<float> logits = {2.0f, 1.9f, 0.0f};
  s->accept(0);
  EXPECT_EQ(*s->sample(logits), 0);  // 2 - 0.06 = 1.94 > 1.9
  s->accept(0);
  EXPECT_EQ(*s->sample(logits), 1);  // 2 - 0.12 = 1.88 < 1.9
  // Three more tokens push both 0s out of the 3-token window.
  s->accept(2);
  s->accept(2);
  s->accept(2);
  EXPECT_EQ(*s->sample(logits), 0);

  SamplingParams q = plain();
  q.temperature = 0.0f;
  q.presence_penalty = 0.05f;  // once, however often the token appeared
  auto pr = Sampler::create(q, 3);
  for (int i = 0; i < 5; ++i) pr->accept(0);
  EXPECT_EQ(*pr->sample(logits), 0);  // 1.95 > 1.9
  q.presence_penalty = 0.2f;
  auto pr2 = Sampler::create(q, 3);
  pr2->accept(0);
  EXPECT_EQ(*pr2->sample(logits), 1);
}

TEST(Sampler, PenaltiesComeBeforeTopK) {
  // llama.cpp's order: a penalised token can fall out of the top-k.
  SamplingParams p = plain();
  p.top_k = 1;
  p.repeat_penalty = 4.0f;
  auto s = Sampler::create(p, 2);
  s->accept(0);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(*s->sample(std::vector<float>{2.0f, 1.0f}), 1);
}

TEST(Sampler, RejectsBadParametersAndInputs) {
  auto bad = [](auto change) {
    SamplingParams p;
    change(p);
    return Sampler::create(p, 10);
  };
  auto e = bad([](SamplingParams& p) { p.top_p = 0.0f; });
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("top_p"), std::string::npos);
  EXPECT_FALSE(bad([](SamplingParams& p) { p.top_p = 1.5f; }));
  EXPECT_FALSE(bad([](SamplingParams& p) { p.min_p = -0.1f; }));
  EXPECT_FALSE(bad([](SamplingParams& p) { p.repeat_penalty = 0.0f; }));
  EXPECT_FALSE(bad([](SamplingParams& p) { p.penalty_last_n = -1; }));
  EXPECT_FALSE(bad([](SamplingParams& p) { p.temperature = std::nanf(""); }));
  EXPECT_FALSE(bad([](SamplingParams& p) { p.frequency_penalty = INFINITY; }));
  EXPECT_FALSE(Sampler::create(SamplingParams{}, 0));

  auto s = Sampler::create(plain(), 3);
  auto wrong = s->sample(std::vector<float>{1.0f, 2.0f});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("expected n_vocab = 3"), std::string::npos);
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(s->sample(std::vector<float>{-inf, -inf, std::nanf("")}));
  s->accept(-1);  // ignored
  s->accept(99);  // ignored
}

TEST(Sampler, NoAllocationPerToken) {
  if (!AIRAN_COUNT_ALLOCS) GTEST_SKIP() << "operator new belongs to the sanitizer";
  SamplingParams p;
  p.seed = 1;
  p.repeat_penalty = 1.1f;
  p.frequency_penalty = 0.1f;
  p.top_k = 0;
  auto s = Sampler::create(p, 32000);
  ASSERT_TRUE(s);
  std::vector<float> logits(32000);
  std::mt19937 gen(3);
  std::normal_distribution<float> nd;
  for (float& l : logits) l = nd(gen);
  g_allocs = 0;
  g_count_allocs = true;
  for (int i = 0; i < 20; ++i) {
    auto t = s->sample(logits);
    if (t) s->accept(*t);
  }
  g_count_allocs = false;
  EXPECT_EQ(g_allocs, 0u);
}

std::string run_stop(StopCondition& sc, const std::vector<std::string>& pieces,
                     FinishReason* reason = nullptr) {
  std::string text;
  for (const auto& piece : pieces) {
    auto step = sc.push(piece);
    text += step.text;
    if (step.done) {
      if (reason) *reason = step.reason;
      return text;
    }
  }
  auto end = sc.finish();
  if (reason) *reason = end.reason;
  return text + std::string(end.text);
}

TEST(StopCondition, StopStringAcrossTokensReturnsTheTextBeforeIt) {
  auto sc = StopCondition::create({"world"}, 100);
  ASSERT_TRUE(sc);
  auto a = sc->push("Hello");
  EXPECT_EQ(a.text, "Hello");
  auto b = sc->push(" wor");  // "wor" may start "world": held back
  EXPECT_EQ(b.text, " ");
  EXPECT_FALSE(b.done);
  auto c = sc->push("ld! more");
  EXPECT_TRUE(c.done);
  EXPECT_EQ(c.reason, FinishReason::kStop);
  EXPECT_EQ(c.text, "");
  EXPECT_TRUE(sc->done());
  EXPECT_EQ(sc->tokens_generated(), 3);
}

TEST(StopCondition, HeldTextIsReleasedWhenItDiverges) {
  auto sc = StopCondition::create({"abc"}, 100);
  FinishReason r = FinishReason::kNone;
  EXPECT_EQ(run_stop(*sc, {"xa", "bd", "ab"}, &r), "xabdab");
  EXPECT_EQ(r, FinishReason::kEndOfGeneration);
}

TEST(StopCondition, EarliestOfSeveralStopsWins) {
  auto sc = StopCondition::create({"END", "\n\n"}, 100);
  FinishReason r = FinishReason::kNone;
  EXPECT_EQ(run_stop(*sc, {"one\n", "\ntwo END"}, &r), "one");
  EXPECT_EQ(r, FinishReason::kStop);
  auto sc2 = StopCondition::create({"END", "\n\n"}, 100);
  EXPECT_EQ(run_stop(*sc2, {"aEN", "Db\n\nc"}), "a");
}

TEST(StopCondition, JapaneseStopStringFromByteTokens) {
  // "です。次" arriving byte-wise: the stop "。" spans two tokens.
  auto sc = StopCondition::create({"。"}, 100);
  FinishReason r = FinishReason::kNone;
  EXPECT_EQ(run_stop(*sc, {"で", "す", "\xE3\x80", "\x82", "次"}, &r), "です");
  EXPECT_EQ(r, FinishReason::kStop);
}

TEST(StopCondition, MaxTokensEndsWithLengthAndFlushesHeldText) {
  auto sc = StopCondition::create({"stop"}, 3);
  FinishReason r = FinishReason::kNone;
  EXPECT_EQ(run_stop(*sc, {"a", "b", "st", "op"}, &r), "abst");
  EXPECT_EQ(r, FinishReason::kLength);
  EXPECT_EQ(sc->tokens_generated(), 3);
  EXPECT_TRUE(sc->push("x").done);
}

TEST(StopCondition, RejectsBadSettings) {
  auto e = StopCondition::create({"ok", ""}, 10);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("stop[1]"), std::string::npos);
  EXPECT_FALSE(StopCondition::create({}, 0));
  EXPECT_EQ(finish_reason_name(FinishReason::kLength), "length");
  EXPECT_EQ(finish_reason_name(FinishReason::kStop), "stop");
}

}  // namespace
}  // namespace airan::llm
