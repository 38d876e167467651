// JSON-constrained decoding: the prefix recogniser against valid and invalid documents (refused at
// the exact byte), and the engine producing parseable objects from a model that knows no JSON.
#include "airan/llm/json_constraint.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "airan/llm/engine.h"
#include "test_data.h"

namespace airan::llm {
namespace {

// Index of the first refused byte of `text`, or -1 when every byte is accepted.
long first_refused(const std::string& text, JsonPrefix* out = nullptr) {
  JsonPrefix p;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!p.push(static_cast<uint8_t>(text[i]))) return static_cast<long>(i);
  }
  if (out) *out = p;
  return -1;
}

TEST(JsonPrefix, AcceptsCompleteObjects) {
  const char* docs[] = {
      R"({})",
      R"(  {"a": 1})",
      R"({"a":[1,-2.5e+3,0,0.25,1E9,true,false,null,"x"],"b":{"c":{}},"d":[]})",
      R"({"s":"esc \" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"})",
      "{\"ja\":\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\", \"emoji\": \"\xf0\x9f\x98\x80\"}\n",
      R"({"n":-0,"m":[[[]]]} )",
  };
  for (const char* d : docs) {
    JsonPrefix p;
    EXPECT_EQ(first_refused(d, &p), -1) << d;
    EXPECT_TRUE(p.complete()) << d;
    EXPECT_FALSE(nlohmann::json::parse(d, nullptr, false).is_discarded()) << d;
  }
}

TEST(JsonPrefix, PrefixesAreAcceptedButNotComplete) {
  const std::string doc = R"({"key": [1.5, "text", {"x": null}], "t": true})";
  for (size_t n = 0; n < doc.size(); ++n) {
    JsonPrefix p;
    ASSERT_EQ(first_refused(doc.substr(0, n), &p), -1) << n;
    EXPECT_FALSE(p.complete()) << n;
  }
}

TEST(JsonPrefix, RefusesAtTheFirstInvalidByte) {
  struct Case {
    std::string text;
    long at;
  };
  const Case cases[] = {
      {"[1]", 0},                  // the root must be an object
      {"x", 0},                    //
      {"{'a':1}", 1},              // single quotes
      {"{\"a\" 1}", 5},            // missing colon
      {"{\"a\":01}", 6},           // leading zero
      {"{\"a\":1.}", 7},           // no fraction digits
      {"{\"a\":-}", 6},            //
      {"{\"a\":1e}", 7},           //
      {"{\"a\":tru}", 8},          // broken literal
      {"{\"a\":nul1}", 8},         //
      {"{\"a\":1,}", 7},           // trailing comma
      {"{\"a\":[1,]}", 8},         //
      {"{\"a\":\"\\x\"}", 7},      // bad escape
      {"{\"a\":\"\\u12G4\"}", 10},  // bad hex digit
      {"{\"a\":\"\x01\"}", 6},     // raw control character
      {"{\"a\":\"\xc0\xaf\"}", 6},  // overlong UTF-8
      {"{\"a\":\"\xed\xa0\x80\"}", 7},  // UTF-16 surrogate in UTF-8
      {"{\"a\":\"\xe6\x97\"}", 8},  // truncated character
      {"{\"a\":1}x", 7},           // text after the object
      {"{\"a\":1]", 6},            // wrong closer
      {"{1:2}", 1},                // keys are strings
  };
  for (const Case& c : cases) EXPECT_EQ(first_refused(c.text), c.at) << c.text;
}

TEST(JsonPrefix, ClosingTextCompletesEveryPrefix) {
  const std::string doc =
      "{\"key\": [1.5e-3, \"te\\u00e9xt\xe6\x97\xa5\", {\"x\": null, \"y\": -0}], \"t\": true}";
  for (size_t n = 0; n < doc.size(); ++n) {
    JsonPrefix p;
    ASSERT_EQ(first_refused(doc.substr(0, n), &p), -1) << n;
    const std::string closed = doc.substr(0, n) + p.closing();
    JsonPrefix q;
    EXPECT_EQ(first_refused(closed, &q), -1) << closed;
    EXPECT_TRUE(q.complete()) << closed;
    EXPECT_FALSE(nlohmann::json::parse(closed, nullptr, false).is_discarded()) << closed;
  }
  JsonPrefix done;
  ASSERT_EQ(first_refused(doc, &done), -1);
  EXPECT_EQ(done.closing(), "");
}

TEST(JsonPrefix, NestingIsBounded) {
  std::string deep = "{\"a\":";
  for (int i = 1; i < JsonPrefix::kMaxDepth; ++i) deep += "[";
  EXPECT_EQ(first_refused(deep), -1);
  EXPECT_EQ(first_refused(deep + "["), static_cast<long>(deep.size()));
}

// Generates with json_object from the stories model (trained on children's stories, never JSON):
// every output is a JSON object that closes within max_tokens.
TEST(JsonConstrainedEngine, ProducesAParseableObjectWithinMaxTokens) {
  EngineConfig config;
  config.n_ctx = 512;
  auto engine = Engine::create(test::data_path("llm/models/stories260K.gguf"), config);
  ASSERT_TRUE(engine) << engine.error().message;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    GenerationRequest r;
    r.prompt = "Once upon a time";
    r.json_object = true;
    r.max_tokens = 20 + 40 * static_cast<uint32_t>(seed);
    r.sampling.seed = seed;
    r.sampling.temperature = 1.0f;
    auto id = engine->submit(r);
    ASSERT_TRUE(id) << id.error().message;
    std::string text;
    GenerationFinish reason = GenerationFinish::kNone;
    for (int steps = 0; steps < 400 && reason == GenerationFinish::kNone; ++steps) {
      for (const TokenEvent& ev : engine->step()) {
        text += ev.text;
        if (ev.finished) reason = ev.reason;
      }
    }
    EXPECT_EQ(reason, GenerationFinish::kStop) << text;
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << text;
    EXPECT_TRUE(doc.is_object()) << text;
  }
}

}  // namespace
}  // namespace airan::llm
