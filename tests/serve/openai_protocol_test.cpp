// OpenAI request parsing (every wrong field is named) and response / chunk formatting.
#include "airan/serve/openai_protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "airan/serve/request_builder.h"

namespace airan::serve {
namespace {

using nlohmann::json;

ChatCompletionRequest parse_chat_ok(const std::string& body) {
  auto r = parse_chat_completion_request(body);
  EXPECT_TRUE(r) << body << " -> " << (r ? "" : r.error().message);
  return r ? *r : ChatCompletionRequest{};
}

TEST(OpenAiProtocol, ParsesEveryChatField) {
  const auto r = parse_chat_ok(R"({
    "model": "m", "stream": true, "stream_options": {"include_usage": true},
    "messages": [{"role": "system", "content": "be brief"},
                 {"role": "user", "content": [{"type": "text", "text": "a"},
                                              {"type": "text", "text": "b"}]},
                 {"role": "assistant", "content": "ok"},
                 {"role": "developer", "content": "dev"}],
    "max_tokens": 12, "temperature": 0.5, "top_p": 0.9, "stop": ["x", "yy"], "seed": -1,
    "frequency_penalty": 0.5, "presence_penalty": -0.25, "n": 1,
    "response_format": {"type": "json_object"}, "user": "ignored", "logprobs": false})");
  EXPECT_EQ(r.model, "m");
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0].role, llm::ChatRole::kSystem);
  EXPECT_EQ(r.messages[1].content, "a\nb");
  EXPECT_EQ(r.messages[2].role, llm::ChatRole::kAssistant);
  EXPECT_EQ(r.messages[3].role, llm::ChatRole::kSystem);
  EXPECT_EQ(r.options.max_tokens, 12u);
  EXPECT_FLOAT_EQ(*r.options.temperature, 0.5f);
  EXPECT_FLOAT_EQ(*r.options.top_p, 0.9f);
  EXPECT_EQ(r.options.stop, (std::vector<std::string>{"x", "yy"}));
  EXPECT_EQ(*r.options.seed, UINT64_MAX);
  EXPECT_FLOAT_EQ(*r.options.frequency_penalty, 0.5f);
  EXPECT_FLOAT_EQ(*r.options.presence_penalty, -0.25f);
  EXPECT_EQ(r.response_format, ResponseFormat::kJsonObject);
}

TEST(OpenAiProtocol, NullAndAbsentFieldsTakeDefaults) {
  const auto r = parse_chat_ok(
      R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":null,"stop":null,"seed":null})");
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.options.max_tokens);
  EXPECT_FALSE(r.options.temperature);
  EXPECT_TRUE(r.options.stop.empty());
  EXPECT_FALSE(r.options.seed);
  EXPECT_EQ(r.response_format, ResponseFormat::kText);
  const auto s = parse_chat_ok(R"({"messages":[{"role":"user","content":"hi"}],"stop":"END",
                                   "max_completion_tokens": 7, "max_tokens": 9})");
  EXPECT_EQ(s.options.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(s.options.max_tokens, 7u);
}

struct BadCase {
  const char* body;
  const char* param;
  const char* words;  // a piece of the message
};

TEST(OpenAiProtocol, EveryWrongChatFieldIsNamed) {
  const std::vector<BadCase> cases = {
      {R"([1,2])", "body", "a JSON object"},
      {R"({"messages": 3})", "messages", "expected an array"},
      {R"({})", "messages", "required"},
      {R"({"messages": []})", "messages", "at least one"},
      {R"({"messages": [1]})", "messages[0]", "an object"},
      {R"({"messages": [{"content": "x"}]})", "messages[0].role", "required"},
      {R"({"messages": [{"role": 1, "content": "x"}]})", "messages[0].role", "a string"},
      {R"({"messages": [{"role": "tool", "content": "x"}]})", "messages[0].role", "\"tool\""},
      {R"({"messages": [{"role": "user"}]})", "messages[0].content", "required"},
      {R"({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                        {"role": "user", "content": 7}]})",
       "messages[2].content", "expected a string or an array of text parts, got a number"},
      {R"({"messages": [{"role": "user", "content": [5]}]})", "messages[0].content[0]",
       "an object"},
      {R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})",
       "messages[0].content[0].type", "only \"text\""},
      {R"({"messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}]})",
       "messages[0].content[0].text", "a string"},
      {R"({"messages": [{"role": "user", "content": [{"text": "x"}]}]})",
       "messages[0].content[0].type", "required"},
  };
  const std::string ok_messages = R"("messages": [{"role": "user", "content": "x"}])";
  const std::vector<BadCase> option_cases = {
      {"\"model\": 5", "model", "a string"},
      {"\"stream\": \"yes\"", "stream", "a boolean"},
      {"\"stream_options\": 1", "stream_options", "an object"},
      {"\"stream_options\": {\"include_usage\": 1}", "stream_options.include_usage", "a boolean"},
      {"\"max_tokens\": \"10\"", "max_tokens", "an integer"},
      {"\"max_tokens\": 1.5", "max_tokens", "an integer"},
      {"\"max_tokens\": 0", "max_tokens", ">= 1"},
      {"\"max_completion_tokens\": -3", "max_completion_tokens", ">= 1"},
      {"\"temperature\": \"hot\"", "temperature", "a number"},
      {"\"temperature\": 2.5", "temperature", "[0, 2]"},
      {"\"top_p\": 0", "top_p", "(0, 1]"},
      {"\"top_p\": 1.01", "top_p", "(0, 1]"},
      {"\"frequency_penalty\": 3", "frequency_penalty", "[-2, 2]"},
      {"\"presence_penalty\": true", "presence_penalty", "a number"},
      {"\"stop\": 3", "stop", "a string or an array"},
      {"\"stop\": \"\"", "stop", "non-empty"},
      {"\"stop\": [\"a\", 2]", "stop[1]", "a string"},
      {"\"stop\": [\"a\", \"\"]", "stop[1]", "non-empty"},
      {"\"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]", "stop", "at most 4"},
      {"\"seed\": 1.5", "seed", "an integer"},
      {"\"n\": 2", "n", "only n = 1"},
      {"\"n\": \"1\"", "n", "an integer"},
      {"\"response_format\": \"json\"", "response_format", "an object"},
      {"\"response_format\": {}", "response_format.type", "required"},
      {"\"response_format\": {\"type\": \"json_schema\"}", "response_format.type",
       "\"json_object\""},
      {"\"tools\": [{\"type\": \"function\"}]", "tools", "not supported"},
      {"\"logprobs\": true", "logprobs", "not supported"},
  };
  std::vector<BadCase> all = cases;
  std::vector<std::string> bodies;
  bodies.reserve(option_cases.size());
  for (const auto& c : option_cases) {
    bodies.push_back("{" + ok_messages + ", " + c.body + "}");
  }
  for (size_t i = 0; i < option_cases.size(); ++i) {
    all.push_back({bodies[i].c_str(), option_cases[i].param, option_cases[i].words});
  }
  for (const auto& c : all) {
    auto r = parse_chat_completion_request(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().http_status, 400) << c.body;
    EXPECT_EQ(r.error().param, c.param) << c.body << " -> " << r.error().message;
    EXPECT_EQ(r.error().message.rfind(std::string(c.param) + ": ", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find(c.words), std::string::npos)
        << c.body << " -> " << r.error().message;
  }
}

TEST(OpenAiProtocol, CompletionPrompts) {
  auto a = parse_completion_request(R"({"prompt": "hello", "max_tokens": 3, "stream": true})");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->prompt, "hello");
  EXPECT_TRUE(a->stream);
  auto b = parse_completion_request(R"({"prompt": ["one"]})");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->prompt, "one");
  auto c = parse_completion_request(R"({"prompt": [1, 2, 3]})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prompt_ids, (std::vector<llm::TokenId>{1, 2, 3}));
  const std::vector<BadCase> bad = {
      {R"({})", "prompt", "required"},
      {R"({"prompt": 5})", "prompt", "a string"},
      {R"({"prompt": ""})", "prompt", "non-empty"},
      {R"({"prompt": ["a", "b"]})", "prompt", "batched prompts"},
      {R"({"prompt": [1, "b"]})", "prompt[1]", "token id"},
      {R"({"prompt": [1, -2]})", "prompt[1]", "out of range"},
      {R"({"prompt": [1, 99999999999]})", "prompt[1]", "out of range"},
      {R"({"prompt": "x", "temperature": -1})", "temperature", "[0, 2]"},
  };
  for (const auto& bc : bad) {
    auto r = parse_completion_request(bc.body);
    ASSERT_FALSE(r) << bc.body;
    EXPECT_EQ(r.error().param, bc.param) << bc.body << " -> " << r.error().message;
    EXPECT_NE(r.error().message.find(bc.words), std::string::npos) << r.error().message;
  }
}

TEST(OpenAiProtocol, InvalidUtf8AndJsonAre400WithOffsets) {
  EXPECT_FALSE(find_invalid_utf8("plain ascii, caf\xc3\xa9, \xe3\x81\x82, \xf0\x9f\x98\x80"));
  EXPECT_EQ(find_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(find_invalid_utf8("\xc0\xaf"), 0u);          // overlong '/'
  EXPECT_EQ(find_invalid_utf8("x\xed\xa0\x80"), 1u);     // a UTF-16 surrogate
  EXPECT_EQ(find_invalid_utf8("xy\xe3\x81"), 2u);        // cut short
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  auto bad_utf8 = parse_chat_completion_request(
      "{\"messages\":[{\"role\":\"user\",\"content\":\"\xc3\x28\"}]}");
  ASSERT_FALSE(bad_utf8);
  EXPECT_EQ(bad_utf8.error().http_status, 400);
  EXPECT_NE(bad_utf8.error().message.find("invalid UTF-8 at byte 39"), std::string::npos)
      << bad_utf8.error().message;
  auto bad_json = parse_chat_completion_request("{\"messages\": [");
  ASSERT_FALSE(bad_json);
  EXPECT_EQ(bad_json.error().param, "body");
  EXPECT_NE(bad_json.error().message.find("invalid JSON"), std::string::npos);
  auto lone_surrogate = parse_completion_request(R"({"prompt": "\ud800"})");
  EXPECT_FALSE(lone_surrogate);
  // A number beyond a double (found by request_fuzz): a 400, not an exception.
  auto huge =
      parse_completion_request("{\"prompt\": \"x\", \"seed\": 1" + std::string(400, '5') + "}");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().param, "body");
}

TEST(OpenAiProtocol, FinishReasons) {
  EXPECT_EQ(openai_finish_reason(llm::GenerationFinish::kStop), "stop");
  EXPECT_EQ(openai_finish_reason(llm::GenerationFinish::kEos), "stop");
  EXPECT_EQ(openai_finish_reason(llm::GenerationFinish::kLength), "length");
  EXPECT_EQ(openai_finish_reason(llm::GenerationFinish::kKvBudget), "length");
  EXPECT_EQ(openai_finish_reason(llm::GenerationFinish::kCancelled), "");
  EXPECT_EQ(openai_finish_reason(llm::GenerationFinish::kError), "");
}

TEST(OpenAiProtocol, ResponseObjects) {
  const ResponseHeader h{"chatcmpl-abc", 1700000000, "m"};
  const json r = chat_completion_response(h, "hi \xe3\x81\x82", "length", {5, 3});
  EXPECT_EQ(r["id"], "chatcmpl-abc");
  EXPECT_EQ(r["object"], "chat.completion");
  EXPECT_EQ(r["created"], 1700000000);
  EXPECT_EQ(r["model"], "m");
  EXPECT_EQ(r["choices"][0]["index"], 0);
  EXPECT_EQ(r["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(r["choices"][0]["message"]["content"], "hi \xe3\x81\x82");
  EXPECT_EQ(r["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(r["usage"],
            json({{"prompt_tokens", 5}, {"completion_tokens", 3}, {"total_tokens", 8}}));
  const json c = completion_response({"cmpl-x", 1, "m"}, "text", "stop", {1, 1});
  EXPECT_EQ(c["object"], "text_completion");
  EXPECT_EQ(c["choices"][0]["text"], "text");
  EXPECT_EQ(c["choices"][0]["finish_reason"], "stop");

  ApiError e = invalid_field("messages[2].content", "expected a string");
  const json eb = error_body(e);
  EXPECT_EQ(eb["error"]["message"], "messages[2].content: expected a string");
  EXPECT_EQ(eb["error"]["type"], "invalid_request_error");
  EXPECT_EQ(eb["error"]["param"], "messages[2].content");
  EXPECT_TRUE(eb["error"]["code"].is_null());
}

// Parses one "data: {...}\n\n" event.
json event_json(const std::string& ev) {
  EXPECT_EQ(ev.rfind("data: ", 0), 0u) << ev;
  EXPECT_EQ(ev.substr(ev.size() - 2), "\n\n");
  return json::parse(ev.substr(6, ev.size() - 8));
}

TEST(OpenAiProtocol, StreamingChunks) {
  const ResponseHeader h{"chatcmpl-abc", 7, "m"};
  const json first = event_json(chat_chunk_event(h, "assistant", "", ""));
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["id"], "chatcmpl-abc");
  EXPECT_EQ(first["choices"][0]["delta"], json({{"role", "assistant"}, {"content", ""}}));
  EXPECT_TRUE(first["choices"][0]["finish_reason"].is_null());
  const json mid = event_json(chat_chunk_event(h, std::nullopt, "tok", ""));
  EXPECT_EQ(mid["choices"][0]["delta"], json({{"content", "tok"}}));
  const json last = event_json(chat_chunk_event(h, std::nullopt, std::nullopt, "stop"));
  EXPECT_EQ(last["choices"][0]["delta"], json::object());
  EXPECT_EQ(last["choices"][0]["finish_reason"], "stop");
  const json usage = event_json(usage_chunk_event(h, "chat.completion.chunk", {2, 3}));
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["total_tokens"], 5);
  const json text = event_json(completion_chunk_event({"cmpl-1", 7, "m"}, "ab", ""));
  EXPECT_EQ(text["object"], "text_completion");
  EXPECT_EQ(text["choices"][0]["text"], "ab");
  EXPECT_EQ(done_event(), "data: [DONE]\n\n");
  const std::string id = make_response_id("chatcmpl-");
  EXPECT_EQ(id.size(), 9u + 24u);
  EXPECT_NE(id, make_response_id("chatcmpl-"));
}

TEST(RequestBuilder, OpenAiSamplingDefaultsAndLimits) {
  GenerationLimits limits;
  limits.default_max_tokens = 16;
  limits.max_tokens = 100;
  GenerationOptions o;
  auto r = generation_request(o, limits);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->max_tokens, 16u);
  EXPECT_FLOAT_EQ(r->sampling.temperature, 1.0f);
  EXPECT_FLOAT_EQ(r->sampling.top_p, 1.0f);
  EXPECT_EQ(r->sampling.top_k, 0);
  EXPECT_FLOAT_EQ(r->sampling.min_p, 0.0f);
  EXPECT_EQ(r->sampling.seed, llm::kRandomSeed);
  o.max_tokens = 101;
  auto over = generation_request(o, limits);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().param, "max_tokens");
  EXPECT_NE(over.error().message.find("at most 100"), std::string::npos);
  o.max_tokens = 5;
  o.seed = 42;
  o.temperature = 0.0f;
  o.stop = {"z"};
  auto ok = generation_request(o, limits);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->max_tokens, 5u);
  EXPECT_EQ(ok->sampling.seed, 42u);
  EXPECT_FLOAT_EQ(ok->sampling.temperature, 0.0f);
  EXPECT_EQ(ok->stop, std::vector<std::string>{"z"});
}

}  // namespace
}  // namespace airan::serve
