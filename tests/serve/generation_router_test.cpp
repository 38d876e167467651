// GenerationRouter and EngineLoop on the real stories260K model: events reach the right stream
// whoever steps the engine, outputs equal the engine's own, admission limits, cancellation frees
// KV cells, and the loop does not step while idle.
#include "airan/serve/generation_router.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "serve_test_util.h"

namespace airan::serve {
namespace {

using test::make_engine;

llm::GenerationRequest greedy(const std::string& prompt, uint32_t max_tokens) {
  llm::GenerationRequest r;
  r.prompt = prompt;
  r.sampling.temperature = 0.0f;
  r.max_tokens = max_tokens;
  return r;
}

// Text and finish of one sequence run alone on its own engine, stepped directly.
std::pair<std::string, llm::GenerationFinish> direct(const llm::GenerationRequest& r) {
  llm::Engine engine = make_engine();
  auto id = engine.submit(r);
  EXPECT_TRUE(id);
  std::string text;
  llm::GenerationFinish reason = llm::GenerationFinish::kNone;
  while (engine.pending() > 0) {
    for (const auto& ev : engine.step()) {
      text += ev.text;
      if (ev.finished) reason = ev.reason;
    }
  }
  return {text, reason};
}

// Takes every event of `stream` (waiting at most 30 s in all).
std::pair<std::string, StreamEvent> drain(GenerationStream& stream) {
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    auto ev = stream.next(std::chrono::milliseconds(10));
    if (!ev) continue;
    text += ev->text;
    if (ev->finished) return {text, *ev};
  }
  ADD_FAILURE() << "stream did not finish";
  return {text, {}};
}

TEST(GenerationRouter, EngineLoopDeliversTheEnginesOwnOutput) {
  const auto a = greedy("Once upon a time", 24);
  const auto b = greedy("The little dog", 16);
  const auto want_a = direct(a);
  const auto want_b = direct(b);

  llm::Engine engine = make_engine();
  GenerationRouter router(engine);
  EngineLoop loop(router);
  loop.start();
  auto sa = router.submit(a);
  auto sb = router.submit(b);
  ASSERT_TRUE(sa && sb);
  EXPECT_NE((*sa)->sequence(), (*sb)->sequence());
  auto [text_a, end_a] = drain(**sa);
  auto [text_b, end_b] = drain(**sb);
  EXPECT_EQ(text_a, want_a.first);
  EXPECT_EQ(text_b, want_b.first);
  EXPECT_EQ(end_a.reason, want_a.second);
  EXPECT_GT(end_a.prompt_tokens, 0u);
  EXPECT_GT(end_a.completion_tokens, 0u);
  EXPECT_TRUE((*sa)->done());
  EXPECT_FALSE((*sa)->next(std::chrono::milliseconds(1)));  // nothing after the finished event

  const RouterCounters c = router.counters();
  EXPECT_EQ(c.admitted, 2u);
  EXPECT_EQ(c.finished, 2u);
  EXPECT_EQ(c.in_flight, 0u);
  EXPECT_EQ(c.completion_tokens, end_a.completion_tokens + end_b.completion_tokens);

  // Idle: the loop sleeps on its condition variable instead of stepping.
  const uint64_t steps = loop.steps();
  EXPECT_GT(steps, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(loop.steps(), steps);
  loop.stop();
}

TEST(GenerationRouter, WorksWhenSomeoneElseStepsTheEngine) {
  // As in `airan run`: another thread (here the test's) calls step() and deliver().
  const auto r = greedy("Once upon a time", 12);
  const auto want = direct(r);
  llm::Engine engine = make_engine();
  GenerationRouter router(engine);
  std::string got;
  bool finished = false;
  std::thread reader([&] {
    auto s = router.submit(r);
    ASSERT_TRUE(s);
    auto [text, end] = drain(**s);
    got = text;
    finished = end.finished;
  });
  ASSERT_TRUE(test::eventually([&] { return router.counters().admitted == 1; }));
  while (engine.pending() > 0) router.deliver(engine.step());
  reader.join();
  EXPECT_TRUE(finished);
  EXPECT_EQ(got, want.first);
  // Events of sequences submitted to the engine directly are not the router's: ignored.
  auto other = engine.submit(r);
  ASSERT_TRUE(other);
  while (engine.pending() > 0) router.deliver(engine.step());
  EXPECT_EQ(router.counters().finished, 1u);
}

TEST(GenerationRouter, QueueFullIs429UntilASequenceFinishes) {
  llm::Engine engine = make_engine();
  GenerationRouter router(engine, RouterLimits{2});
  auto s1 = router.submit(greedy("a", 2));
  auto s2 = router.submit(greedy("b", 2));
  ASSERT_TRUE(s1 && s2);
  auto s3 = router.submit(greedy("c", 2));
  ASSERT_FALSE(s3);
  EXPECT_EQ(s3.error().http_status, 429);
  EXPECT_EQ(s3.error().code, "queue_full");
  EXPECT_EQ(router.counters().rejected_full, 1u);
  EXPECT_EQ(router.counters().in_flight, 2u);
  while (engine.pending() > 0) router.deliver(engine.step());
  EXPECT_EQ(router.counters().in_flight, 0u);
  auto s4 = router.submit(greedy("d", 2));
  EXPECT_TRUE(s4);
}

TEST(GenerationRouter, EngineRefusalIs400) {
  llm::Engine engine = make_engine();
  GenerationRouter router(engine);
  llm::GenerationRequest r = greedy("", 2);
  r.prompt_ids = {1, 99999999};  // a token id outside the vocabulary
  auto s = router.submit(r);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().http_status, 400);
  EXPECT_NE(s.error().message.find("prompt"), std::string::npos) << s.error().message;
  EXPECT_EQ(router.counters().rejected_invalid, 1u);
  EXPECT_EQ(router.counters().in_flight, 0u);
}

TEST(GenerationRouter, CancelAndDroppedHandlesFreeKvCells) {
  llm::Engine engine = make_engine();
  GenerationRouter router(engine);
  auto keep = router.submit(greedy("Once upon a time", 200));
  auto drop = router.submit(greedy("The little dog", 200));
  ASSERT_TRUE(keep && drop);
  router.deliver(engine.step());  // both prefill and sample a first token
  EXPECT_GT(engine.kv_reserved_tokens(), 0u);
  (*keep)->cancel();
  (*keep)->cancel();  // idempotent
  drop->reset();      // the last handle of an unfinished stream: cancels it
  EXPECT_EQ(router.counters().cancels_requested, 2u);
  for (int i = 0; i < 10 && engine.pending() > 0; ++i) router.deliver(engine.step());
  EXPECT_EQ(engine.pending(), 0u);
  EXPECT_EQ(engine.kv_reserved_tokens(), 0u);
  const RouterCounters c = router.counters();
  EXPECT_EQ(c.cancelled, 2u);
  EXPECT_EQ(c.in_flight, 0u);
  auto [text, end] = drain(**keep);
  EXPECT_EQ(end.reason, llm::GenerationFinish::kCancelled);
}

TEST(GenerationRouter, StreamsOutlivingTheRouterEndWithAnError) {
  llm::Engine engine = make_engine();
  std::shared_ptr<GenerationStream> s;
  {
    GenerationRouter router(engine);
    auto r = router.submit(greedy("a", 4));
    ASSERT_TRUE(r);
    s = *r;
  }
  auto ev = s->next(std::chrono::milliseconds(100));
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->finished);
  EXPECT_EQ(ev->reason, llm::GenerationFinish::kError);
  s->cancel();  // no engine to reach any more: no effect
}

}  // namespace
}  // namespace airan::serve
