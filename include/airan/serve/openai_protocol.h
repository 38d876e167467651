#pragma once
// The OpenAI wire format, independent of HTTP: parsing of chat-completions and completions request
// bodies (every error names the field, as "messages[2].content: expected a string"), and the
// JSON of responses, streaming chunks (server-sent events) and error objects.
//
// Accepted request fields: model, messages (role system|developer|user|assistant, content a string
// or an array of {"type":"text","text":...} parts), prompt (completions: a string, an array of one
// string, or an array of token ids), stream, stream_options.include_usage, max_tokens,
// max_completion_tokens, temperature [0, 2], top_p (0, 1], frequency_penalty and presence_penalty
// [-2, 2], stop (a string or up to 4 strings), seed, response_format.type (text | json_object),
// n (must be 1). Fields that change the output and are not implemented (tools, logprobs, ...) are
// refused by name; other unknown fields are ignored, as llama.cpp and vLLM do. null counts as
// absent.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "airan/llm/chat_template.h"
#include "airan/llm/engine.h"

namespace airan::serve {

/// An error as the API reports it: HTTP status and the OpenAI error object's fields.
struct ApiError {
  int http_status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  ///< the field at fault ("messages[2].content"); "" when none
  std::string code;   ///< e.g. "model_not_found", "invalid_api_key"; "" when none
};

/// 400 invalid_request_error about `param`; the message reads "param: what".
ApiError invalid_field(std::string param, std::string_view what);

/// Either a T or an ApiError.
template <typename T>
class ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}         // NOLINT: implicit, like Expected
  ApiResult(ApiError error) : v_(std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

enum class ResponseFormat : uint8_t { kText, kJsonObject };

/// Generation parameters shared by both endpoints; unset fields take the server's defaults.
struct GenerationOptions {
  std::optional<uint32_t> max_tokens;  ///< max_tokens or max_completion_tokens, >= 1
  std::optional<float> temperature;    ///< [0, 2]
  std::optional<float> top_p;          ///< (0, 1]
  std::optional<float> frequency_penalty;
  std::optional<float> presence_penalty;
  std::vector<std::string> stop;  ///< non-empty strings, at most 4
  std::optional<uint64_t> seed;   ///< integer; negative values wrap as two's complement
};

/// POST /v1/chat/completions.
struct ChatCompletionRequest {
  std::string model;  ///< "" when absent
  std::vector<llm::ChatMessage> messages;
  bool stream = false;
  bool include_usage = false;  ///< stream_options.include_usage
  ResponseFormat response_format = ResponseFormat::kText;
  GenerationOptions options;
};

/// POST /v1/completions.
struct CompletionRequest {
  std::string model;
  std::string prompt;                    ///< the text prompt, or
  std::vector<llm::TokenId> prompt_ids;  ///< token ids (when not empty)
  bool stream = false;
  bool include_usage = false;
  GenerationOptions options;
};

/// Byte offset of the first invalid UTF-8 sequence in `text` (overlong forms, surrogates and code
/// points above U+10FFFF count as invalid); nullopt when all of it is valid.
std::optional<size_t> find_invalid_utf8(std::string_view text);

/// Parses a chat-completions body. Error: invalid UTF-8 or JSON (byte offset), or the first field
/// with a wrong type or value (named).
ApiResult<ChatCompletionRequest> parse_chat_completion_request(std::string_view body);

/// Parses a completions body. Error: as parse_chat_completion_request.
ApiResult<CompletionRequest> parse_completion_request(std::string_view body);

/// Parses any JSON body (the routes added with ApiServer::add_json_route). Error: invalid UTF-8
/// or JSON, with the byte offset.
ApiResult<nlohmann::json> parse_json_body(std::string_view body);

/// OpenAI's finish_reason for an engine finish: "stop" (stop string, end of generation), "length"
/// (max_tokens, context or KV budget full); "" for kNone, kCancelled and kError.
std::string_view openai_finish_reason(llm::GenerationFinish reason);

/// Usage numbers of one response.
struct Usage {
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
};

/// What every response and chunk of one request repeats.
struct ResponseHeader {
  std::string id;       ///< "chatcmpl-..." or "cmpl-..."
  int64_t created = 0;  ///< Unix seconds
  std::string model;    ///< the served model's name
};

/// {"error":{"message","type","param","code"}} (param and code null when empty).
nlohmann::json error_body(const ApiError& error);

/// The non-streaming chat.completion object.
nlohmann::json chat_completion_response(const ResponseHeader& header, std::string_view content,
                                        std::string_view finish_reason, const Usage& usage);

/// The non-streaming text_completion object.
nlohmann::json completion_response(const ResponseHeader& header, std::string_view text,
                                   std::string_view finish_reason, const Usage& usage);

/// One chat.completion.chunk as a server-sent event ("data: {...}\n\n"). `role` is set in the
/// first chunk only; `content` is omitted when nullopt; finish_reason is null when empty.
std::string chat_chunk_event(const ResponseHeader& header, std::optional<std::string_view> role,
                             std::optional<std::string_view> content,
                             std::string_view finish_reason);

/// One text_completion chunk as a server-sent event.
std::string completion_chunk_event(const ResponseHeader& header, std::string_view text,
                                   std::string_view finish_reason);

/// The last chunk when stream_options.include_usage is set: empty choices and the usage.
std::string usage_chunk_event(const ResponseHeader& header, std::string_view object,
                              const Usage& usage);

/// An error in the middle of a stream: "data: {"error":{...}}\n\n".
std::string error_event(const ApiError& error);

/// The end of every stream: "data: [DONE]\n\n".
std::string_view done_event();

/// A new response id: `prefix` followed by 24 random alphanumerics.
std::string make_response_id(std::string_view prefix);

}  // namespace airan::serve
