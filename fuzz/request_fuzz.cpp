// libFuzzer target: arbitrary bytes as chat-completions and completions request bodies. The
// parsers must return a value or a 400 error naming a field, never crash, hang or throw; every
// parsed request must also turn into an engine request or a named error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "airan/serve/openai_protocol.h"
#include "airan/serve/request_builder.h"

namespace {

void check_error(const airan::serve::ApiError& e) {
  // Every refusal is a client error with a message that starts with the field it names.
  if (e.http_status != 400 || e.message.empty() || e.param.empty()) std::abort();
  if (e.message.compare(0, e.param.size(), e.param) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  airan::serve::GenerationLimits limits;
  limits.max_tokens = 512;
  limits.default_max_tokens = 16;

  auto chat = airan::serve::parse_chat_completion_request(body);
  if (chat) {
    if (chat->messages.empty()) std::abort();
    auto gen = airan::serve::generation_request(chat->options, limits);
    if (!gen) check_error(gen.error());
    // Formatting what was parsed must not throw either (text goes back in responses).
    (void)airan::serve::chat_chunk_event({"chatcmpl-x", 0, chat->model}, "assistant",
                                         chat->messages.front().content, "");
  } else {
    check_error(chat.error());
  }

  auto completion = airan::serve::parse_completion_request(body);
  if (completion) {
    if (completion->prompt.empty() && completion->prompt_ids.empty()) std::abort();
    auto gen = airan::serve::completion_generation_request(*completion, limits);
    if (!gen) check_error(gen.error());
  } else {
    check_error(completion.error());
  }
  return 0;
}
