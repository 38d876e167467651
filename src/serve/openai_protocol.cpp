#include "airan/serve/openai_protocol.h"

#include <cmath>
#include <limits>
#include <random>

namespace airan::serve {
namespace {

using nlohmann::json;

std::string type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

ApiError expected_type(const std::string& param, std::string_view what, const json& got) {
  return invalid_field(param, "expected " + std::string(what) + ", got " + type_name(got));
}

// The member `key` of `obj`, or nullptr when it is absent or null.
const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<ApiError> read_bool(const json& obj, const char* key, bool& out) {
  const json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) return expected_type(key, "a boolean", *v);
  out = v->get<bool>();
  return std::nullopt;
}

std::optional<ApiError> read_float(const json& obj, const char* key, double lo, double hi,
                                   bool lo_open, std::optional<float>& out) {
  const json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) return expected_type(key, "a number", *v);
  const double x = v->get<double>();
  if (!std::isfinite(x) || x > hi || x < lo || (lo_open && x == lo)) {
    char range[96];
    std::snprintf(range, sizeof range, "a number in %c%g, %g]", lo_open ? '(' : '[', lo, hi);
    return invalid_field(key, "expected " + std::string(range) + ", got " + v->dump());
  }
  out = static_cast<float>(x);
  return std::nullopt;
}

std::optional<ApiError> read_generation_options(const json& body, GenerationOptions& o) {
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    const json* v = member(body, key);
    if (!v) continue;
    if (!v->is_number_integer()) return expected_type(key, "an integer", *v);
    if (v->is_number_unsigned() ? v->get<uint64_t>() < 1 : v->get<int64_t>() < 1) {
      return invalid_field(key, "expected an integer >= 1, got " + v->dump());
    }
    const uint64_t n = v->is_number_unsigned() ? v->get<uint64_t>() : v->get<int64_t>();
    const auto capped =
        static_cast<uint32_t>(std::min<uint64_t>(n, std::numeric_limits<uint32_t>::max()));
    // max_completion_tokens is the newer name; when both are given, the smaller wins.
    o.max_tokens = o.max_tokens ? std::min(*o.max_tokens, capped) : capped;
  }
  if (auto e = read_float(body, "temperature", 0.0, 2.0, false, o.temperature)) return e;
  if (auto e = read_float(body, "top_p", 0.0, 1.0, true, o.top_p)) return e;
  if (auto e = read_float(body, "frequency_penalty", -2.0, 2.0, false, o.frequency_penalty)) {
    return e;
  }
  if (auto e = read_float(body, "presence_penalty", -2.0, 2.0, false, o.presence_penalty)) {
    return e;
  }
  if (const json* v = member(body, "stop")) {
    if (v->is_string()) {
      if (v->get_ref<const std::string&>().empty()) {
        return invalid_field("stop", "expected a non-empty string");
      }
      o.stop.push_back(v->get<std::string>());
    } else if (v->is_array()) {
      if (v->size() > 4) {
        return invalid_field("stop",
                             "expected at most 4 strings, got " + std::to_string(v->size()));
      }
      for (size_t i = 0; i < v->size(); ++i) {
        const json& s = (*v)[i];
        const std::string param = "stop[" + std::to_string(i) + "]";
        if (!s.is_string()) return expected_type(param, "a string", s);
        if (s.get_ref<const std::string&>().empty()) {
          return invalid_field(param, "expected a non-empty string");
        }
        o.stop.push_back(s.get<std::string>());
      }
    } else {
      return expected_type("stop", "a string or an array of strings", *v);
    }
  }
  if (const json* v = member(body, "seed")) {
    if (!v->is_number_integer()) return expected_type("seed", "an integer", *v);
    o.seed =
        v->is_number_unsigned() ? v->get<uint64_t>() : static_cast<uint64_t>(v->get<int64_t>());
    // kRandomSeed (all ones) means "draw one" to the engine; -1 keeps that meaning.
  }
  if (const json* v = member(body, "n")) {
    if (!v->is_number_integer()) return expected_type("n", "an integer", *v);
    if (!(v->is_number_unsigned() ? v->get<uint64_t>() == 1 : v->get<int64_t>() == 1)) {
      return invalid_field("n", "only n = 1 is supported, got " + v->dump());
    }
  }
  // Fields that would change the response and are not implemented: refused, never ignored.
  for (const char* key : {"tools", "tool_choice", "functions", "function_call", "logit_bias",
                          "top_logprobs", "audio", "prediction", "best_of", "suffix", "echo"}) {
    const json* v = member(body, key);
    if (!v) continue;
    if ((v->is_array() || v->is_object()) && v->empty()) continue;
    if (v->is_boolean() && !v->get<bool>()) continue;
    return invalid_field(key, "is not supported by this server");
  }
  if (const json* v = member(body, "logprobs")) {
    if (!(v->is_boolean() && !v->get<bool>())) {
      return invalid_field("logprobs", "is not supported by this server (only false)");
    }
  }
  return std::nullopt;
}

std::optional<ApiError> read_stream(const json& body, bool& stream, bool& include_usage) {
  if (auto e = read_bool(body, "stream", stream)) return e;
  if (const json* v = member(body, "stream_options")) {
    if (!v->is_object()) return expected_type("stream_options", "an object", *v);
    if (const json* u = member(*v, "include_usage")) {
      if (!u->is_boolean()) {
        return expected_type("stream_options.include_usage", "a boolean", *u);
      }
      include_usage = u->get<bool>();
    }
  }
  return std::nullopt;
}

std::optional<ApiError> read_model(const json& body, std::string& model) {
  if (const json* v = member(body, "model")) {
    if (!v->is_string()) return expected_type("model", "a string", *v);
    model = v->get<std::string>();
  }
  return std::nullopt;
}

// Text of a message's content: a string, or the concatenation (newline-separated) of text parts.
std::optional<ApiError> read_content(const json& msg, const std::string& param, std::string& out) {
  auto it = msg.find("content");
  if (it == msg.end()) return invalid_field(param, "is required");
  const json& c = *it;
  if (c.is_string()) {
    out = c.get<std::string>();
    return std::nullopt;
  }
  if (!c.is_array()) return expected_type(param, "a string or an array of text parts", c);
  for (size_t i = 0; i < c.size(); ++i) {
    const json& part = c[i];
    const std::string p = param + "[" + std::to_string(i) + "]";
    if (!part.is_object()) return expected_type(p, "an object", part);
    const json* type = member(part, "type");
    if (!type) return invalid_field(p + ".type", "is required");
    if (!type->is_string()) return expected_type(p + ".type", "a string", *type);
    if (type->get_ref<const std::string&>() != "text") {
      return invalid_field(p + ".type", "only \"text\" parts are supported, got " + type->dump());
    }
    const json* text = member(part, "text");
    if (!text) return invalid_field(p + ".text", "is required");
    if (!text->is_string()) return expected_type(p + ".text", "a string", *text);
    if (i > 0) out += '\n';
    out += text->get_ref<const std::string&>();
  }
  return std::nullopt;
}

std::optional<ApiError> read_messages(const json& body, std::vector<llm::ChatMessage>& out) {
  const json* v = member(body, "messages");
  if (!v) return invalid_field("messages", "is required");
  if (!v->is_array()) return expected_type("messages", "an array", *v);
  if (v->empty()) return invalid_field("messages", "expected at least one message");
  for (size_t i = 0; i < v->size(); ++i) {
    const json& m = (*v)[i];
    const std::string p = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return expected_type(p, "an object", m);
    const json* role = member(m, "role");
    if (!role) return invalid_field(p + ".role", "is required");
    if (!role->is_string()) return expected_type(p + ".role", "a string", *role);
    llm::ChatMessage msg;
    const std::string& r = role->get_ref<const std::string&>();
    if (r == "developer") {  // OpenAI's newer name for system instructions
      msg.role = llm::ChatRole::kSystem;
    } else {
      auto parsed = llm::chat_role_from_name(r);
      if (!parsed) {
        return invalid_field(p + ".role",
                             "expected \"system\", \"developer\", \"user\" or "
                             "\"assistant\", got " +
                                 role->dump());
      }
      msg.role = *parsed;
    }
    if (auto e = read_content(m, p + ".content", msg.content)) return e;
    out.push_back(std::move(msg));
  }
  return std::nullopt;
}

std::optional<ApiError> read_response_format(const json& body, ResponseFormat& out) {
  const json* v = member(body, "response_format");
  if (!v) return std::nullopt;
  if (!v->is_object()) return expected_type("response_format", "an object", *v);
  const json* t = member(*v, "type");
  if (!t) return invalid_field("response_format.type", "is required");
  if (!t->is_string()) return expected_type("response_format.type", "a string", *t);
  const std::string& s = t->get_ref<const std::string&>();
  if (s == "text") {
    out = ResponseFormat::kText;
  } else if (s == "json_object") {
    out = ResponseFormat::kJsonObject;
  } else {
    return invalid_field("response_format.type",
                         "expected \"text\" or \"json_object\", got " + t->dump());
  }
  return std::nullopt;
}

std::optional<ApiError> read_prompt(const json& body, CompletionRequest& out) {
  const json* v = member(body, "prompt");
  if (!v) return invalid_field("prompt", "is required");
  if (v->is_string()) {
    out.prompt = v->get<std::string>();
  } else if (v->is_array() && v->size() == 1 && (*v)[0].is_string()) {
    out.prompt = (*v)[0].get<std::string>();
  } else if (v->is_array() && !v->empty() && (*v)[0].is_number()) {
    for (size_t i = 0; i < v->size(); ++i) {
      const json& t = (*v)[i];
      const std::string p = "prompt[" + std::to_string(i) + "]";
      if (!t.is_number_integer()) return expected_type(p, "a token id (integer)", t);
      const int64_t id =
          t.is_number_unsigned()
              ? static_cast<int64_t>(std::min<uint64_t>(t.get<uint64_t>(), INT64_MAX))
              : t.get<int64_t>();
      if (id < 0 || id > std::numeric_limits<llm::TokenId>::max()) {
        return invalid_field(p, "token id out of range: " + t.dump());
      }
      out.prompt_ids.push_back(static_cast<llm::TokenId>(id));
    }
  } else if (v->is_array()) {
    return invalid_field("prompt",
                         "expected a string, an array of one string or an array of "
                         "token ids (batched prompts are not supported)");
  } else {
    return expected_type("prompt", "a string or an array of token ids", *v);
  }
  if (out.prompt.empty() && out.prompt_ids.empty()) {
    return invalid_field("prompt", "expected a non-empty prompt");
  }
  return std::nullopt;
}

// Invalid UTF-8 first (nlohmann's message would not say where), then JSON, then an object.
ApiResult<json> parse_object(std::string_view body) {
  auto parsed = parse_json_body(body);
  if (!parsed) return parsed.error();
  if (!parsed->is_object()) return expected_type("body", "a JSON object", *parsed);
  return parsed;
}

}  // namespace

ApiError invalid_field(std::string param, std::string_view what) {
  ApiError e;
  e.http_status = 400;
  e.message = param + ": " + std::string(what);
  e.param = std::move(param);
  return e;
}

std::optional<size_t> find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;  // continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::nullopt;
}

ApiResult<json> parse_json_body(std::string_view body) {
  if (auto bad = find_invalid_utf8(body)) {
    return invalid_field("body", "invalid UTF-8 at byte " + std::to_string(*bad));
  }
  try {
    return json::parse(body.begin(), body.end());
  } catch (const json::exception& e) {
    // parse_error's message holds the byte offset; out_of_range is a number beyond a double.
    return invalid_field("body", std::string("invalid JSON: ") + e.what());
  }
}

ApiResult<ChatCompletionRequest> parse_chat_completion_request(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  ChatCompletionRequest r;
  if (auto e = read_model(j, r.model)) return *e;
  if (auto e = read_messages(j, r.messages)) return *e;
  if (auto e = read_stream(j, r.stream, r.include_usage)) return *e;
  if (auto e = read_response_format(j, r.response_format)) return *e;
  if (auto e = read_generation_options(j, r.options)) return *e;
  return r;
}

ApiResult<CompletionRequest> parse_completion_request(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  CompletionRequest r;
  if (auto e = read_model(j, r.model)) return *e;
  if (auto e = read_prompt(j, r)) return *e;
  if (auto e = read_stream(j, r.stream, r.include_usage)) return *e;
  if (auto e = read_generation_options(j, r.options)) return *e;
  return r;
}

std::string_view openai_finish_reason(llm::GenerationFinish reason) {
  switch (reason) {
    case llm::GenerationFinish::kStop:
    case llm::GenerationFinish::kEos:
      return "stop";
    case llm::GenerationFinish::kLength:
    case llm::GenerationFinish::kKvBudget:
      return "length";
    default:
      return "";
  }
}

json error_body(const ApiError& error) {
  json e = {{"message", error.message}, {"type", error.type}};
  e["param"] = error.param.empty() ? json(nullptr) : json(error.param);
  e["code"] = error.code.empty() ? json(nullptr) : json(error.code);
  return json{{"error", std::move(e)}};
}

namespace {

json usage_json(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

json finish_json(std::string_view finish_reason) {
  return finish_reason.empty() ? json(nullptr) : json(std::string(finish_reason));
}

json header_json(const ResponseHeader& h, std::string_view object) {
  return {{"id", h.id}, {"object", object}, {"created", h.created}, {"model", h.model}};
}

// `replace` keeps invalid UTF-8 (which the engine never emits) from throwing in dump().
std::string sse(const json& j) {
  return "data: " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

}  // namespace

json chat_completion_response(const ResponseHeader& header, std::string_view content,
                              std::string_view finish_reason, const Usage& usage) {
  json r = header_json(header, "chat.completion");
  r["choices"] = json::array({{{"index", 0},
                               {"message", {{"role", "assistant"}, {"content", content}}},
                               {"logprobs", nullptr},
                               {"finish_reason", finish_json(finish_reason)}}});
  r["usage"] = usage_json(usage);
  return r;
}

json completion_response(const ResponseHeader& header, std::string_view text,
                         std::string_view finish_reason, const Usage& usage) {
  json r = header_json(header, "text_completion");
  r["choices"] = json::array({{{"index", 0},
                               {"text", text},
                               {"logprobs", nullptr},
                               {"finish_reason", finish_json(finish_reason)}}});
  r["usage"] = usage_json(usage);
  return r;
}

std::string chat_chunk_event(const ResponseHeader& header, std::optional<std::string_view> role,
                             std::optional<std::string_view> content,
                             std::string_view finish_reason) {
  json delta = json::object();
  if (role) delta["role"] = *role;
  if (content) delta["content"] = *content;
  json r = header_json(header, "chat.completion.chunk");
  r["choices"] = json::array({{{"index", 0},
                               {"delta", std::move(delta)},
                               {"logprobs", nullptr},
                               {"finish_reason", finish_json(finish_reason)}}});
  return sse(r);
}

std::string completion_chunk_event(const ResponseHeader& header, std::string_view text,
                                   std::string_view finish_reason) {
  json r = header_json(header, "text_completion");
  r["choices"] = json::array({{{"index", 0},
                               {"text", text},
                               {"logprobs", nullptr},
                               {"finish_reason", finish_json(finish_reason)}}});
  return sse(r);
}

std::string usage_chunk_event(const ResponseHeader& header, std::string_view object,
                              const Usage& usage) {
  json r = header_json(header, object);
  r["choices"] = json::array();
  r["usage"] = usage_json(usage);
  return sse(r);
}

std::string error_event(const ApiError& error) {
  return sse(error_body(error));
}

std::string_view done_event() {
  return "data: [DONE]\n\n";
}

std::string make_response_id(std::string_view prefix) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(prefix);
  for (int i = 0; i < 24; ++i) id += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return id;
}

}  // namespace airan::serve
