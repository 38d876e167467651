#pragma once
// The call-centre application on a node's API: POST /v1/callcenter/analyze. Its model calls go
// through the same GenerationRouter as every API request, so they are batched with them, limited
// by the same queue, and (under `airan run`) run only on the cores the RAN lends.

#include <chrono>

#include "airan/callcenter/analyzer.h"
#include "airan/serve/api_server.h"
#include "airan/serve/generation_router.h"

namespace airan::cli {

/// A ChatFn over `router`: renders the messages with `prompter`, submits a generation
/// (JSON-constrained when asked) and collects its text. Error: the router refused it (queue full,
/// invalid), the engine failed, or no event came for `timeout`. Both must outlive the function.
callcenter::ChatFn router_chat_fn(serve::GenerationRouter& router,
                                  const serve::ChatPrompter& prompter,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(120));

/// Adds POST /v1/callcenter/analyze to `server` (before start()): the body is a transcript, the
/// answer the analysis document (docs/callcenter.md); an invalid transcript answers 400 naming the
/// field. `options.taxonomy` (if set), `router` and `server` must outlive the server's run.
void add_callcenter_route(serve::ApiServer& server, serve::GenerationRouter& router,
                          callcenter::AnalyzerOptions options);

}  // namespace airan::cli
