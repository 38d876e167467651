#include "cli/callcenter_route.h"

#include <string>
#include <utility>

namespace airan::cli {

callcenter::ChatFn router_chat_fn(serve::GenerationRouter& router,
                                  const serve::ChatPrompter& prompter,
                                  std::chrono::milliseconds timeout) {
  return [&router, &prompter, timeout](const std::vector<llm::ChatMessage>& messages,
                                       const callcenter::ChatCallOptions& options)
             -> Expected<std::string> {
    auto prompt = prompter.render(messages);
    if (!prompt) return Error{"chat template: " + prompt.error().message};
    llm::GenerationRequest request =
        callcenter::chat_generation_request(std::move(prompt.value()), options);
    request.json_object = options.json_object;
    auto stream = router.submit(request);
    if (!stream) return Error{"generation: " + stream.error().message};
    std::string text;
    while (true) {
      auto event = stream.value()->next(timeout);
      if (!event) {
        stream.value()->cancel();
        return Error{"generation: no output for " + std::to_string(timeout.count()) + " ms"};
      }
      text += event->text;
      if (!event->finished) continue;
      if (event->reason == llm::GenerationFinish::kError) return Error{"engine: " + event->error};
      if (event->reason == llm::GenerationFinish::kCancelled) return Error{"generation cancelled"};
      return text;
    }
  };
}

void add_callcenter_route(serve::ApiServer& server, serve::GenerationRouter& router,
                          callcenter::AnalyzerOptions options) {
  options.model_name = server.config().model_name;
  server.add_json_route(
      "/v1/callcenter/analyze",
      [&router, &server, options](const nlohmann::json& body) -> serve::ApiResult<nlohmann::json> {
        const callcenter::ChatFn chat = router_chat_fn(router, server.prompter());
        auto doc = callcenter::analyze_json(body.dump(), options, &chat);
        if (!doc) {
          serve::ApiError error;
          error.message = "transcript: " + doc.error().message;
          return error;
        }
        return std::move(*doc);
      });
}

}  // namespace airan::cli
