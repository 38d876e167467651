#pragma once
// From parsed OpenAI requests to engine GenerationRequests: the chat prompt (the model's chat
// template, or a named fallback for models without one) and the sampling parameters with OpenAI's
// defaults (temperature 1, top_p 1, no top-k / min-p truncation).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/chat_template.h"
#include "airan/llm/engine.h"
#include "airan/serve/openai_protocol.h"

namespace airan::serve {

/// Renders chat messages into the prompt text of one engine's model. Copyable; any thread.
class ChatPrompter {
 public:
  /// The model's own template, or `fallback_template` ("chatml", "llama2", "llama3",
  /// "ja-instruct") when the model has none or an unrecognised one. Reads the engine's model and
  /// tokenizer: call it before another thread steps the engine. Error: unknown fallback name.
  static Expected<ChatPrompter> create(const llm::Engine& engine,
                                       std::string_view fallback_template);

  /// The prompt text. Error: a message sequence the template cannot express (400).
  ApiResult<std::string> render(const std::vector<llm::ChatMessage>& messages) const;
  /// "model" when the model's template is used, else "fallback".
  std::string_view source() const { return from_model_ ? "model" : "fallback"; }
  llm::ChatFamily family() const { return template_.family(); }

 private:
  ChatPrompter(llm::ChatTemplate tmpl, llm::ChatRenderOptions options, bool from_model)
      : template_(std::move(tmpl)), options_(std::move(options)), from_model_(from_model) {}
  llm::ChatTemplate template_;
  llm::ChatRenderOptions options_;
  bool from_model_ = false;
};

/// Server-side limits applied to every request.
struct GenerationLimits {
  uint32_t default_max_tokens = 256;  ///< when the request gives none
  uint32_t max_tokens = 4096;         ///< a request asking for more gets 400 naming max_tokens
};

/// The engine request for `options` (prompt left empty). Error: max_tokens over the limit.
ApiResult<llm::GenerationRequest> generation_request(const GenerationOptions& options,
                                                     const GenerationLimits& limits);

/// The engine request of a chat completion. Error: as generation_request, or render's.
ApiResult<llm::GenerationRequest> chat_generation_request(const ChatCompletionRequest& request,
                                                          const ChatPrompter& prompter,
                                                          const GenerationLimits& limits);

/// The engine request of a completion. Error: as generation_request.
ApiResult<llm::GenerationRequest> completion_generation_request(const CompletionRequest& request,
                                                                const GenerationLimits& limits);

}  // namespace airan::serve
