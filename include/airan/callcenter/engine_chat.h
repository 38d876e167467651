#pragma once
// A ChatFn over a local llm::Engine: renders the messages with a chat template, submits one
// generation and steps the engine on the calling thread until that sequence finishes.
//
// The engine must not be stepped by anyone else meanwhile (events of other sequences would be
// consumed here); calls through one ChatFn are serialised. `json_object` is not enforced by the
// engine yet: the reply is validated by the analyzer either way.

#include <string_view>

#include "airan/callcenter/analyzer.h"
#include "airan/llm/engine.h"

namespace airan::callcenter {

/// A ChatFn generating with `engine` (which must outlive it). `template_name`: a built-in family
/// ("llama2", "llama3", "chatml", "ja-instruct"), or "" for the model's own template.
/// Error: the model has no recognised template and none is named, or the name is unknown.
Expected<ChatFn> make_engine_chat_fn(llm::Engine& engine, std::string_view template_name);

}  // namespace airan::callcenter
