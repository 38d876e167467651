// The engine end to end on the real stories260K model: greedy tokens against llama.cpp's
// reference, continuous batching against solo runs, cancel, stop strings, max_tokens, seeded
// sampling, parking workers mid-generation, and bad requests.
#include "airan/llm/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "airan/llm/gguf.h"
#include "airan/llm/gguf_writer.h"
#include "test_data.h"

namespace airan::llm {
namespace {

const char* kModel = "llm/models/stories260K.gguf";

Engine make_engine(EngineConfig config = {}) {
  auto e = Engine::create(test::data_path(kModel), config);
  EXPECT_TRUE(e) << (e ? "" : e.error().message);
  if (!e) std::abort();
  return std::move(*e);
}

GenerationRequest greedy(const std::string& prompt, uint32_t max_tokens) {
  GenerationRequest r;
  r.prompt = prompt;
  r.sampling.temperature = 0.0f;
  r.max_tokens = max_tokens;
  return r;
}

// What one sequence produced, assembled from its events.
struct Output {
  std::vector<TokenId> tokens;
  std::string text;
  bool finished = false;
  GenerationFinish reason = GenerationFinish::kNone;
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
  int events_after_finish = 0;
};

void record(std::map<uint64_t, Output>& out, std::span<const TokenEvent> events) {
  for (const TokenEvent& ev : events) {
    Output& o = out[ev.sequence];
    if (o.finished) ++o.events_after_finish;
    if (ev.token != kNoToken) o.tokens.push_back(ev.token);
    o.text += ev.text;
    o.prompt_tokens = ev.prompt_tokens;
    o.completion_tokens = ev.completion_tokens;
    if (ev.finished) {
      o.finished = true;
      o.reason = ev.reason;
    }
  }
}

// Steps `engine` until nothing is pending (at most `max_steps`).
void run_to_end(Engine& engine, std::map<uint64_t, Output>& out, int max_steps = 10000) {
  for (int i = 0; i < max_steps && engine.pending() > 0; ++i) record(out, engine.step());
  EXPECT_EQ(engine.pending(), 0u);
}

Output generate_alone(const GenerationRequest& r, EngineConfig config = {}) {
  Engine engine = make_engine(config);
  auto id = engine.submit(r);
  EXPECT_TRUE(id) << (id ? "" : id.error().message);
  std::map<uint64_t, Output> out;
  run_to_end(engine, out);
  return out[*id];
}

TEST(Engine, GreedyReproducesLlamaCppReference) {
  bool ok = false;
  const auto j = nlohmann::json::parse(
      test::read_text(test::data_path("llm/reference/p1_stories260K.json"), &ok));
  ASSERT_TRUE(ok);
  const std::vector<TokenId> expected = j["generated_token_ids"];
  const std::vector<TokenId> prompt_ids = j["prompt_token_ids"];
  ASSERT_EQ(j["first_eog_index"], -1);  // llama.cpp did not stop; neither may we

  EngineConfig config;
  config.kv_type = j["kv_cache_type"] == "f32" ? KvType::kF32 : KvType::kF16;
  config.workers = 1;
  config.prefill_chunk = 3;  // the prompt in two chunks: chunking must not change the result
  GenerationRequest r = greedy(j["prompt"], static_cast<uint32_t>(expected.size()));
  const Output o = generate_alone(r, config);
  EXPECT_EQ(o.tokens, expected);
  EXPECT_EQ(o.text, j["generated_text"].get<std::string>());
  EXPECT_EQ(o.prompt_tokens, prompt_ids.size());
  EXPECT_EQ(o.completion_tokens, expected.size());
  EXPECT_EQ(o.reason, GenerationFinish::kLength);
  EXPECT_EQ(o.events_after_finish, 0);

  // The same by token ids.
  r.prompt.clear();
  r.prompt_ids = prompt_ids;
  EXPECT_EQ(generate_alone(r, config).tokens, expected);
}

TEST(Engine, ContinuousBatchingGivesEachSequenceItsSoloTokens) {
  std::vector<GenerationRequest> requests = {greedy("Once upon a time", 24),
                                             greedy("Lily and Ben went to", 30),
                                             greedy("The cat", 12), greedy("One day, a big", 20)};
  requests[3].sampling.temperature = 0.9f;  // seeded sampling in a batch too
  requests[3].sampling.seed = 77;
  EngineConfig config;
  config.workers = 1;
  config.prefill_chunk = 4;
  config.max_sequences = 3;  // the fourth waits for a free slot
  std::vector<Output> solo;
  for (const auto& r : requests) solo.push_back(generate_alone(r, config));

  Engine engine = make_engine(config);
  const int submit_at[] = {0, 2, 2, 5};  // steps at which each request arrives
  std::vector<uint64_t> ids(requests.size());
  std::map<uint64_t, Output> out;
  for (int step = 0; step < 1000; ++step) {
    for (size_t i = 0; i < requests.size(); ++i) {
      if (submit_at[i] == step) {
        auto id = engine.submit(requests[i]);
        ASSERT_TRUE(id) << id.error().message;
        ids[i] = *id;
      }
    }
    record(out, engine.step());
    if (step > 5 && engine.pending() == 0) break;
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    SCOPED_TRACE(i);
    const Output& o = out[ids[i]];
    EXPECT_TRUE(o.finished);
    EXPECT_EQ(o.tokens, solo[i].tokens);
    EXPECT_EQ(o.text, solo[i].text);
    EXPECT_EQ(o.reason, solo[i].reason);
    EXPECT_EQ(o.events_after_finish, 0);
  }
  EXPECT_EQ(engine.kv_reserved_tokens(), 0u);
}

TEST(Engine, CancelFreesKvSoANewSequenceFits) {
  EngineConfig config;
  config.kv_budget_tokens = 48;  // one sequence of 5 + 40 at a time
  config.n_ctx = 48;
  Engine engine = make_engine(config);
  const uint32_t free_pages = engine.kv_free_pages();
  auto a = engine.submit(greedy("Once upon a time", 40));
  auto b = engine.submit(greedy("Once upon a time", 40));
  ASSERT_TRUE(a && b);
  std::map<uint64_t, Output> out;
  for (int i = 0; i < 5; ++i) record(out, engine.step());
  EXPECT_EQ(out[*a].tokens.size(), 5u);
  EXPECT_TRUE(out[*b].tokens.empty()) << "b must wait: the budget holds one sequence";
  EXPECT_LT(engine.kv_free_pages(), free_pages);

  ASSERT_TRUE(engine.cancel(*a).is_ok());
  record(out, engine.step());
  EXPECT_TRUE(out[*a].finished);
  EXPECT_EQ(out[*a].reason, GenerationFinish::kCancelled);
  EXPECT_FALSE(engine.cancel(*a).is_ok()) << "a finished sequence cannot be cancelled again";
  EXPECT_EQ(out[*b].tokens.size(), 1u) << "b is admitted in the step that frees a";

  run_to_end(engine, out);
  EXPECT_EQ(out[*b].reason, GenerationFinish::kLength);
  EXPECT_EQ(out[*b].tokens.size(), 40u);
  EXPECT_EQ(out[*a].events_after_finish, 0);
  EXPECT_EQ(engine.kv_free_pages(), free_pages);
  EXPECT_EQ(engine.kv_reserved_tokens(), 0u);
  EXPECT_FALSE(engine.cancel(12345).is_ok());
}

TEST(Engine, OnDemandReservationEndsASequenceWithKvBudget) {
  EngineConfig config;
  config.kv_budget_tokens = 48;
  config.n_ctx = 48;
  config.reservation = KvReservation::kOnDemand;  // both are admitted, then run out of cells
  const Output solo = generate_alone(greedy("Once upon a time", 40), config);
  Engine engine = make_engine(config);
  auto a = engine.submit(greedy("Once upon a time", 40));
  auto b = engine.submit(greedy("Once upon a time", 40));
  ASSERT_TRUE(a && b);
  std::map<uint64_t, Output> out;
  run_to_end(engine, out);
  int cut = 0;
  for (uint64_t id : {*a, *b}) {
    const Output& o = out[id];
    EXPECT_TRUE(o.finished);
    EXPECT_EQ(o.events_after_finish, 0);
    ASSERT_LE(o.tokens.size(), solo.tokens.size());
    EXPECT_TRUE(std::equal(o.tokens.begin(), o.tokens.end(), solo.tokens.begin()));
    if (o.reason == GenerationFinish::kKvBudget) {
      ++cut;
      EXPECT_LT(o.tokens.size(), 40u);
    } else {
      EXPECT_EQ(o.reason, GenerationFinish::kLength);
    }
  }
  EXPECT_GE(cut, 1);
  EXPECT_EQ(engine.kv_reserved_tokens(), 0u);
}

TEST(Engine, StopStringsAndMaxTokensEndWithTheRightReason) {
  // The reference continuation is ", there was a little girl named Lily. She loved to play...".
  GenerationRequest r = greedy("Once upon a time", 64);
  r.stop = {"Lily."};
  const Output stopped = generate_alone(r);
  EXPECT_EQ(stopped.reason, GenerationFinish::kStop);
  EXPECT_EQ(stopped.text, ", there was a little girl named ");
  EXPECT_LT(stopped.tokens.size(), 64u);

  const Output limited = generate_alone(greedy("Once upon a time", 7));
  EXPECT_EQ(limited.reason, GenerationFinish::kLength);
  EXPECT_EQ(limited.tokens.size(), 7u);
  EXPECT_EQ(limited.completion_tokens, 7u);

  // A stop string that never appears does not change the text.
  r.stop = {"zebra"};
  r.max_tokens = 20;
  const Output plain = generate_alone(greedy("Once upon a time", 20));
  const Output never = generate_alone(r);
  EXPECT_EQ(never.text, plain.text);
  EXPECT_EQ(never.reason, GenerationFinish::kLength);

  // Context full ends with "length" too.
  EngineConfig small;
  small.n_ctx = 12;
  small.kv_budget_tokens = 64;
  const Output ctx = generate_alone(greedy("Once upon a time", 0), small);
  EXPECT_EQ(ctx.reason, GenerationFinish::kLength);
  EXPECT_EQ(ctx.tokens.size(), 12u - 5u);
}

// stories260K (a llama2.c model) ends its stories with BOS, never with EOS. To see EOS end a
// sequence, the file is rewritten with tokenizer.ggml.eos_token_id pointing at a token its greedy
// continuation does produce.
Expected<Model> stories_with_eos(TokenId eos) {
  auto src = GgufFile::open(test::data_path(kModel));
  if (!src) return src.error();
  GgufWriter w(src->alignment());
  for (const auto& kv : src->metadata()) {
    if (kv.key == "general.alignment") continue;
    if (kv.key == "tokenizer.ggml.eos_token_id") {
      w.set_u32(kv.key, static_cast<uint32_t>(eos));
    } else if (Status st = w.copy_value(kv.key, kv.value); !st) {
      return Error{st.message()};
    }
  }
  for (const auto& t : src->tensors()) {
    if (Status st = w.add_tensor(t.name, t.shape, static_cast<TensorType>(t.type)); !st) {
      return Error{st.message()};
    }
  }
  auto bytes = w.write_memory([&](size_t i, std::span<uint8_t> dst) -> Status {
    auto data = src->tensor_data(src->tensors()[i]);
    if (!data || data->size() != dst.size()) return Error{"tensor data"};
    std::copy(data->begin(), data->end(), dst.begin());
    return {};
  });
  if (!bytes) return bytes.error();
  auto file = GgufFile::parse(*bytes, "stories260K-eos");
  if (!file) return file.error();
  return Model::from_file(std::move(*file));
}

TEST(Engine, EndOfGenerationTokenEndsWithEos) {
  bool ok = false;
  const auto j = nlohmann::json::parse(
      test::read_text(test::data_path("llm/reference/p1_stories260K.json"), &ok));
  ASSERT_TRUE(ok);
  const std::vector<TokenId> expected = j["generated_token_ids"];
  const std::vector<std::string> pieces = j["generated_pieces"];
  const size_t at = 10;  // the 11th greedy token becomes "EOS"
  const TokenId eos = expected[at];
  ASSERT_EQ(std::find(expected.begin(), expected.begin() + at, eos), expected.begin() + at);

  auto run = [&](bool ignore_eos) {
    auto model = stories_with_eos(eos);
    EXPECT_TRUE(model) << (model ? "" : model.error().message);
    auto engine = Engine::create(std::move(*model), {});
    EXPECT_TRUE(engine) << (engine ? "" : engine.error().message);
    EXPECT_EQ(engine->tokenizer().eos(), eos);
    GenerationRequest r = greedy("Once upon a time", 30);
    r.ignore_eos = ignore_eos;
    EXPECT_TRUE(engine->submit(r));
    std::map<uint64_t, Output> out;
    run_to_end(*engine, out);
    return out.begin()->second;
  };
  const Output o = run(false);
  EXPECT_EQ(o.reason, GenerationFinish::kEos);
  EXPECT_EQ(o.tokens, std::vector<TokenId>(expected.begin(), expected.begin() + at + 1));
  EXPECT_EQ(o.completion_tokens, at + 1);
  std::string text;
  for (size_t i = 0; i < at; ++i) text += pieces[i];
  EXPECT_EQ(o.text, text) << "the end-of-generation token adds no text";

  const Output more = run(true);
  EXPECT_EQ(more.reason, GenerationFinish::kLength);
  EXPECT_EQ(more.tokens, std::vector<TokenId>(expected.begin(), expected.begin() + 30));
}

TEST(Engine, SeededSamplingIsReproducible) {
  GenerationRequest r;
  r.prompt = "Once upon a time";
  r.sampling.temperature = 1.0f;
  r.sampling.seed = 1234;
  r.max_tokens = 40;
  const Output a = generate_alone(r);
  const Output b = generate_alone(r);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.tokens.size(), 40u);
  r.sampling.seed = 4321;
  const Output c = generate_alone(r);
  EXPECT_NE(a.tokens, c.tokens) << "another seed should give another story";
}

TEST(Engine, ParkingAllWorkersMidGenerationLosesNoToken) {
  EngineConfig config;
  config.workers = 2;
  config.prefill_chunk = 8;
  const std::vector<GenerationRequest> requests = {
      greedy("Once upon a time", 60), greedy("Lily and Ben", 60), greedy("The sun was", 60)};
  auto run = [&](bool park) {
    Engine engine = make_engine(config);
    std::vector<uint64_t> ids;
    for (const auto& r : requests) ids.push_back(*engine.submit(r));
    std::atomic<bool> done{false};
    std::atomic<int> cycles{0};
    std::thread controller;
    if (park) {
      controller = std::thread([&] {
        StepExecutor& ex = engine.executor();
        while (!done.load()) {
          for (unsigned w = 0; w < ex.max_workers(); ++w) ex.request_park(w);
          for (unsigned w = 0; w < ex.max_workers(); ++w) {
            while (!ex.is_parked(w) && !done.load()) std::this_thread::yield();
          }
          std::this_thread::yield();
          for (unsigned w = 0; w < ex.max_workers(); ++w) ex.resume(w);
          cycles.fetch_add(1);
          std::this_thread::yield();
        }
      });
    }
    // Steps interleave with park/resume cycles: before each step, wait (bounded) until the
    // controller has completed another cycle, so parks land before, between and inside steps
    // whatever the machine's load.
    std::map<uint64_t, Output> out;
    int steps = 0;
    for (int seen = 0; engine.pending() > 0 && steps < 10000; ++steps) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (park && cycles.load() == seen && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      seen = cycles.load();
      record(out, engine.step());
    }
    EXPECT_EQ(engine.pending(), 0u);
    done.store(true);
    if (controller.joinable()) controller.join();
    if (park) {
      EXPECT_GE(cycles.load(), steps - 1);
    }
    std::vector<Output> res;
    for (uint64_t id : ids) res.push_back(out[id]);
    return res;
  };
  const auto plain = run(false);
  const auto parked = run(true);
  ASSERT_EQ(plain.size(), parked.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(parked[i].tokens, plain[i].tokens) << "sequence " << i;
    EXPECT_EQ(parked[i].tokens.size(), 60u);
    EXPECT_EQ(parked[i].events_after_finish, 0);
  }
}

TEST(Engine, BadRequestsAreErrorsNamingTheField) {
  EngineConfig config;
  config.n_ctx = 16;
  config.kv_budget_tokens = 64;
  Engine engine = make_engine(config);
  auto contains = [](const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
  };

  GenerationRequest r = greedy(std::string(200, 'a'), 4);
  auto e = engine.submit(r);
  ASSERT_FALSE(e);
  EXPECT_TRUE(contains(e.error().message, "prompt")) << e.error().message;
  EXPECT_TRUE(contains(e.error().message, "n_ctx = 16")) << e.error().message;

  r.prompt.clear();
  r.prompt_ids = {1, 99999};
  e = engine.submit(r);
  ASSERT_FALSE(e);
  EXPECT_TRUE(contains(e.error().message, "prompt_ids[1]")) << e.error().message;

  r = greedy("", 4);
  r.add_special = false;
  e = engine.submit(r);
  ASSERT_FALSE(e);
  EXPECT_TRUE(contains(e.error().message, "prompt")) << e.error().message;

  r = greedy("Once", 4);
  r.sampling.top_p = 2.0f;
  e = engine.submit(r);
  ASSERT_FALSE(e);
  EXPECT_TRUE(contains(e.error().message, "top_p")) << e.error().message;

  r = greedy("Once", 4);
  r.stop = {"ok", ""};
  e = engine.submit(r);
  ASSERT_FALSE(e);
  EXPECT_TRUE(contains(e.error().message, "stop")) << e.error().message;
  EXPECT_EQ(engine.pending(), 0u);

  EngineConfig tight;
  tight.kv_budget_tokens = 20;
  tight.n_ctx = 20;
  Engine small = make_engine(tight);
  EXPECT_TRUE(small.submit(greedy("Once upon a time", 10)));
  EngineConfig over = tight;
  over.n_ctx = 40;
  auto bad = Engine::create(test::data_path(kModel), over);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.error().message, "n_ctx")) << bad.error().message;
  over = tight;
  over.max_sequences = 0;
  bad = Engine::create(test::data_path(kModel), over);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.error().message, "max_sequences")) << bad.error().message;
  EXPECT_FALSE(Engine::create("/nonexistent/model.gguf", {}));
}

TEST(Engine, StepsAreStreamingAndUtf8Whole) {
  // Every event's text is valid UTF-8 on its own and the pieces join to the whole text.
  Engine engine = make_engine();
  GenerationRequest r;
  r.prompt = "Once upon a time";
  r.sampling.temperature = 1.5f;  // wander into byte tokens
  r.sampling.top_k = 0;
  r.sampling.top_p = 1.0f;
  r.sampling.min_p = 0.0f;
  r.sampling.seed = 5;
  r.max_tokens = 120;
  ASSERT_TRUE(engine.submit(r));
  int events = 0;
  while (engine.pending() > 0) {
    for (const TokenEvent& ev : engine.step()) {
      ++events;
      const std::string& t = ev.text;
      for (size_t i = 0; i < t.size();) {
        const auto c = static_cast<unsigned char>(t[i]);
        const size_t n = c < 0x80         ? 1
                         : (c >> 5) == 6  ? 2
                         : (c >> 4) == 14 ? 3
                         : (c >> 3) == 30 ? 4
                                          : 0;
        ASSERT_NE(n, 0u) << "bad lead byte at " << i << " in event " << events;
        ASSERT_LE(i + n, t.size()) << "partial character at the end of event " << events;
        for (size_t k = 1; k < n; ++k) {
          ASSERT_EQ(static_cast<unsigned char>(t[i + k]) >> 6, 2u);
        }
        i += n;
      }
    }
  }
  EXPECT_EQ(events, 120);
  const EngineStats s = engine.stats();
  EXPECT_EQ(s.prefill_tokens, 5u);
  EXPECT_EQ(s.decode_tokens, 119u);
  EXPECT_GT(s.prefill_seconds + s.decode_seconds, 0.0);
}

}  // namespace
}  // namespace airan::llm
