// ChatFn over the local engine.
#include "airan/callcenter/engine_chat.h"

#include <memory>
#include <mutex>

namespace airan::callcenter {
namespace {

// Text that ends an assistant turn in each family, for models that write it out as plain text.
std::vector<std::string> stop_strings(llm::ChatFamily family) {
  switch (family) {
    case llm::ChatFamily::kChatMl:
      return {"<|im_end|>"};
    case llm::ChatFamily::kLlama3:
      return {"<|eot_id|>"};
    case llm::ChatFamily::kLlama2:
      return {"[INST]"};
    case llm::ChatFamily::kJaInstruct:
      return {"### 指示"};
    case llm::ChatFamily::kUser:
      return {};
  }
  return {};
}

}  // namespace

Expected<ChatFn> make_engine_chat_fn(llm::Engine& engine, std::string_view template_name) {
  Expected<llm::ChatTemplate> tmpl = Error{""};
  if (template_name.empty()) {
    tmpl = llm::ChatTemplate::from_gguf(engine.model().file());
    if (!tmpl) {
      return Error{"chat template: " + tmpl.error().message +
                   " (name one: llama2, llama3, chatml, ja-instruct)"};
    }
  } else {
    tmpl = llm::ChatTemplate::from_name(template_name);
    if (!tmpl) return Error{"chat template: " + tmpl.error().message};
  }
  const llm::Tokenizer& tok = engine.tokenizer();
  llm::ChatRenderOptions render;
  if (tok.bos() != llm::kNoToken) render.bos_token = tok.token_text(tok.bos());
  if (tok.eos() != llm::kNoToken) render.eos_token = tok.token_text(tok.eos());
  render.strip_leading_bos = tok.add_bos();
  auto mutex = std::make_shared<std::mutex>();
  llm::ChatTemplate chat_template = std::move(*tmpl);
  llm::Engine* e = &engine;
  return ChatFn(
      [e, chat_template, render, mutex](const std::vector<llm::ChatMessage>& messages,
                                        const ChatCallOptions& options) -> Expected<std::string> {
        auto prompt = chat_template.render(messages, render);
        if (!prompt) return Error{"chat template: " + prompt.error().message};
        llm::GenerationRequest request = chat_generation_request(std::move(*prompt), options);
        request.stop = stop_strings(chat_template.family());
        std::lock_guard<std::mutex> lock(*mutex);
        auto id = e->submit(request);
        if (!id) return Error{"engine: " + id.error().message};
        std::string text;
        while (true) {
          bool done = false;
          for (const llm::TokenEvent& ev : e->step()) {
            if (ev.sequence != *id) continue;
            text += ev.text;
            if (ev.finished) {
              if (ev.reason == llm::GenerationFinish::kError) return Error{"engine: " + ev.error};
              if (ev.reason == llm::GenerationFinish::kCancelled) return Error{"engine: cancelled"};
              done = true;
            }
          }
          if (done) break;
          if (e->pending() == 0) return Error{"engine: the sequence ended without a finish event"};
        }
        return text;
      });
}

}  // namespace airan::callcenter
