#include "airan/serve/request_builder.h"

namespace airan::serve {

Expected<ChatPrompter> ChatPrompter::create(const llm::Engine& engine,
                                            std::string_view fallback_template) {
  const llm::Tokenizer& tok = engine.tokenizer();
  llm::ChatRenderOptions options;
  if (tok.bos() != llm::kNoToken) options.bos_token = tok.token_text(tok.bos());
  if (tok.eos() != llm::kNoToken) options.eos_token = tok.token_text(tok.eos());
  // The tokenizer adds BOS itself; a template's BOS text would make a second one.
  options.strip_leading_bos = tok.add_bos();
  auto from_model = llm::ChatTemplate::from_gguf(engine.model().file());
  if (from_model) return ChatPrompter(std::move(*from_model), options, true);
  auto fallback = llm::ChatTemplate::from_name(fallback_template);
  if (!fallback) return Error{"chat_template: " + fallback.error().message};
  return ChatPrompter(std::move(*fallback), options, false);
}

ApiResult<std::string> ChatPrompter::render(const std::vector<llm::ChatMessage>& messages) const {
  auto text = template_.render(messages, options_);
  if (!text) return invalid_field("messages", text.error().message);
  return std::move(*text);
}

ApiResult<llm::GenerationRequest> generation_request(const GenerationOptions& o,
                                                     const GenerationLimits& limits) {
  llm::GenerationRequest r;
  const uint32_t max_tokens = o.max_tokens.value_or(limits.default_max_tokens);
  if (max_tokens > limits.max_tokens) {
    return invalid_field("max_tokens", "expected at most " + std::to_string(limits.max_tokens) +
                                           " (this server's limit), got " +
                                           std::to_string(max_tokens));
  }
  r.max_tokens = max_tokens;
  // OpenAI's sampling: temperature and nucleus only; the engine's llama.cpp-style top-k and
  // min-p truncation are turned off so the same parameters mean the same thing.
  r.sampling.temperature = o.temperature.value_or(1.0f);
  r.sampling.top_p = o.top_p.value_or(1.0f);
  r.sampling.top_k = 0;
  r.sampling.min_p = 0.0f;
  r.sampling.repeat_penalty = 1.0f;
  r.sampling.frequency_penalty = o.frequency_penalty.value_or(0.0f);
  r.sampling.presence_penalty = o.presence_penalty.value_or(0.0f);
  r.sampling.seed = o.seed.value_or(llm::kRandomSeed);
  r.stop = o.stop;
  return r;
}

ApiResult<llm::GenerationRequest> chat_generation_request(const ChatCompletionRequest& request,
                                                          const ChatPrompter& prompter,
                                                          const GenerationLimits& limits) {
  auto r = generation_request(request.options, limits);
  if (!r) return r;
  auto prompt = prompter.render(request.messages);
  if (!prompt) return prompt.error();
  r->prompt = std::move(*prompt);
  r->parse_special = true;  // the template writes the model's control tokens as text
  // JSON mode: the engine samples only tokens that keep the reply one JSON object.
  r->json_object = request.response_format == ResponseFormat::kJsonObject;
  return r;
}

ApiResult<llm::GenerationRequest> completion_generation_request(const CompletionRequest& request,
                                                                const GenerationLimits& limits) {
  auto r = generation_request(request.options, limits);
  if (!r) return r;
  r->prompt = request.prompt;
  r->prompt_ids = request.prompt_ids;
  return r;
}

}  // namespace airan::serve
