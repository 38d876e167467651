// The engine loop (see engine.h): inbox -> plan -> forward -> sample -> events.
//
// Ids: the engine hands out its own sequence ids at submit() (any thread); the BatchScheduler
// numbers sequences when the engine thread adds them, and the KV cache numbers its sequence slots
// 0 .. max_sequences-1. A running sequence carries all three.
//
// Limits: the scheduler enforces max_tokens and the context; StopCondition is used for stop
// strings only (its own token limit is set out of reach), so there is one source of "length".
#include "airan/llm/engine.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "airan/llm/forward.h"
#include "airan/llm/json_constraint.h"

namespace airan::llm {
namespace {

using Clock = std::chrono::steady_clock;

// A validated request on its way from submit() to the engine thread.
struct Incoming {
  uint64_t id = 0;
  std::vector<TokenId> prompt;
  size_t max_new_tokens = 0;
  bool ignore_eos = false;
  bool json_object = false;
  Sampler sampler;
  StopCondition stop;
};

}  // namespace

std::string_view generation_finish_name(GenerationFinish reason) {
  switch (reason) {
    case GenerationFinish::kNone:
      return "none";
    case GenerationFinish::kStop:
      return "stop";
    case GenerationFinish::kLength:
      return "length";
    case GenerationFinish::kEos:
      return "eos";
    case GenerationFinish::kCancelled:
      return "cancelled";
    case GenerationFinish::kKvBudget:
      return "kv_budget";
    case GenerationFinish::kError:
      return "error";
  }
  return "unknown";
}

Status validate(const EngineConfig& c) {
  if (c.max_sequences == 0 || c.max_sequences > 4096) {
    return Error{"max_sequences: " + std::to_string(c.max_sequences) + " not in [1, 4096]"};
  }
  if (c.kv_budget_tokens == 0) return Error{"kv_budget_tokens: must be >= 1"};
  if (c.n_ctx == 1) return Error{"n_ctx: 1 leaves no room for a generated token; use >= 2 or 0"};
  if (c.n_ctx > c.kv_budget_tokens) {
    return Error{"n_ctx: " + std::to_string(c.n_ctx) + " exceeds kv_budget_tokens = " +
                 std::to_string(c.kv_budget_tokens) + " (a sequence could never fill it)"};
  }
  if (c.max_tokens_per_step == 0) return Error{"max_tokens_per_step: must be >= 1"};
  if (c.prefill_chunk == 0) return Error{"prefill_chunk: must be >= 1"};
  if (c.workers > 1024) return Error{"workers: " + std::to_string(c.workers) + " not in [0, 1024]"};
  return {};
}

struct Engine::Impl {
  // A sequence the engine thread knows about (waiting in the scheduler or running).
  struct Active {
    uint64_t id = 0;
    SequenceId sid = 0;
    int32_t slot = -1;  // KV cache sequence, once it runs
    uint32_t prompt_tokens = 0;
    bool ignore_eos = false;
    Sampler sampler;
    StopCondition stop;
    StreamingDetokenizer detok;
    bool json_object = false;
    size_t max_new_tokens = 0;
    JsonPrefix json;       // the output so far (json_object)
    JsonPrefix json_next;  // ... with the token just sampled
  };
  // What a batch entry of this step stands for.
  struct ItemRef {
    SequenceId sid = 0;
    bool prefill = false;
    bool samples = false;  // a token is sampled from its logits row
    size_t count = 0;      // prefill tokens
  };

  Impl(Model m, const EngineConfig& c, Tokenizer t, KvCache kv, unsigned workers)
      : config(c),
        model(std::move(m)),
        tokenizer(std::move(t)),
        cache(std::move(kv)),
        scheduler(BatchLimits{c.kv_budget_tokens, c.max_sequences, c.n_ctx, c.reservation}),
        executor(workers) {}

  EngineConfig config;
  Model model;
  Tokenizer tokenizer;
  KvCache cache;
  std::optional<ForwardPass> forward;  // set right after construction (it points at `model`)
  BatchScheduler scheduler;
  StepExecutor executor;
  std::optional<JsonTokenFilter> json_filter;  // built when the first json_object request runs
  std::vector<float> masked_logits;            // json_object: logits of refused tokens -inf

  // Inbox, shared with submit() / cancel() callers.
  mutable std::mutex mu;
  std::vector<Incoming> inbox;
  std::vector<uint64_t> cancel_inbox;
  std::unordered_set<uint64_t> live;  // submitted, finished event not yet produced
  uint64_t next_id = 1;

  // Engine thread only.
  std::vector<Incoming> incoming;  // swapped with inbox (keeps both capacities)
  std::vector<uint64_t> cancels;
  std::map<SequenceId, Active> active;
  std::unordered_map<uint64_t, SequenceId> by_id;
  std::vector<uint32_t> free_slots;
  std::vector<BatchEntry> batch;
  std::vector<ItemRef> items;
  std::vector<TokenId> decode_tokens;  // capacity max_sequences: spans into it stay valid
  std::vector<uint64_t> finished_ids;
  std::vector<TokenEvent> events;  // the first n_events are this step's; strings keep capacity
  size_t n_events = 0;
  EngineStats stats;

  TokenEvent& new_event(const Active& a) {
    if (n_events == events.size()) events.emplace_back();
    TokenEvent& ev = events[n_events++];
    ev.sequence = a.id;
    ev.token = kNoToken;
    ev.text.clear();
    ev.finished = false;
    ev.reason = GenerationFinish::kNone;
    ev.prompt_tokens = a.prompt_tokens;
    const Sequence* s = scheduler.find(a.sid);
    ev.completion_tokens = s ? static_cast<uint32_t>(s->generated.size()) : 0;
    ev.error.clear();
    return ev;
  }

  // Ends `a` with `reason`: finishes it in the scheduler, frees its KV cells and forgets it.
  // `ev` is its event of this step, which gets the finish fields.
  void complete(std::map<SequenceId, Active>::iterator it, GenerationFinish reason,
                TokenEvent& ev) {
    Active& a = it->second;
    if (const Sequence* s = scheduler.find(a.sid); s && s->state != SequenceState::kFinished) {
      const SequenceFinish sf = reason == GenerationFinish::kCancelled  ? SequenceFinish::kCancelled
                                : reason == GenerationFinish::kKvBudget ? SequenceFinish::kKvBudget
                                                                        : SequenceFinish::kStop;
      (void)scheduler.finish(a.sid, sf);
    }
    (void)scheduler.release(a.sid);
    if (a.slot >= 0) {
      cache.free_sequence(static_cast<uint32_t>(a.slot));
      free_slots.push_back(static_cast<uint32_t>(a.slot));
    }
    ev.finished = true;
    ev.reason = reason;
    finished_ids.push_back(a.id);
    by_id.erase(a.id);
    active.erase(it);
  }

  // Ends `a` without a new token (cancel, KV budget, failure): the held text comes out.
  void complete_without_token(std::map<SequenceId, Active>::iterator it, GenerationFinish reason,
                              const std::string& error = {}) {
    Active& a = it->second;
    TokenEvent& ev = new_event(a);
    ev.text.assign(a.stop.finish(FinishReason::kStop).text);
    ev.text += a.detok.flush();
    ev.error = error;
    complete(it, reason, ev);
  }

  // The next token of `a`. json_object: the sampler's choice is tested against the JSON prefix and
  // refused tokens are masked and sampling repeated; after a few refusals every token is tested
  // once and sampling runs on the allowed ones (the vocabulary scan costs more than a few tries).
  Expected<TokenId> sample_token(Active& a, std::span<const float> logits) {
    if (!a.json_object) return a.sampler.sample(logits);
    if (!json_filter) json_filter.emplace(tokenizer);
    constexpr float kRefused = -std::numeric_limits<float>::infinity();
    masked_logits.assign(logits.begin(), logits.end());
    const auto generated = static_cast<size_t>(a.stop.tokens_generated());
    const size_t left = a.max_new_tokens > generated ? a.max_new_tokens - generated - 1 : 0;
    for (int attempt = 0; attempt < 8; ++attempt) {
      auto tok = a.sampler.sample(masked_logits);
      if (!tok) return tok;
      if (json_filter->allows(a.json, *tok, left, &a.json_next)) return tok;
      masked_logits[static_cast<size_t>(*tok)] = kRefused;
    }
    bool any = false;
    JsonPrefix scratch;
    for (size_t t = 0; t < masked_logits.size(); ++t) {
      if (!std::isfinite(masked_logits[t])) continue;
      if (json_filter->allows(a.json, static_cast<TokenId>(t), left, &scratch)) {
        any = true;
      } else {
        masked_logits[t] = kRefused;
      }
    }
    if (!any) return Error{"json_object: no token of the vocabulary continues the JSON text"};
    auto tok = a.sampler.sample(masked_logits);
    if (tok) json_filter->allows(a.json, *tok, left, &a.json_next);
    return tok;
  }

  // Records token `tok` sampled for `it` and produces its event.
  void accept_token(std::map<SequenceId, Active>::iterator it, TokenId tok) {
    Active& a = it->second;
    if (Status st = scheduler.append_token(a.sid, tok); !st) {
      complete_without_token(it, GenerationFinish::kError, st.message());
      return;
    }
    a.sampler.accept(tok);
    const Sequence* s = scheduler.find(a.sid);
    const bool at_limit = s == nullptr || s->state == SequenceState::kFinished;
    const bool eos = !a.ignore_eos && tokenizer.is_end_of_generation(tok);
    if (a.json_object) a.json = a.json_next;
    const bool json_closed = a.json_object && !eos && a.json.complete();

    TokenEvent& ev = new_event(a);
    ev.token = tok;
    GenerationFinish reason = GenerationFinish::kNone;
    std::string piece = eos ? std::string() : a.detok.push(tok);
    if (eos || at_limit || json_closed) piece += a.detok.flush();
    const StopCondition::Step st = a.stop.push(piece);
    ev.text.assign(st.text);
    if (st.done) {
      reason = GenerationFinish::kStop;
    } else if (eos || at_limit || json_closed) {
      ev.text += a.stop.finish(FinishReason::kEndOfGeneration).text;
      reason = json_closed ? GenerationFinish::kStop
               : eos       ? GenerationFinish::kEos
                           : GenerationFinish::kLength;
    }
    if (reason != GenerationFinish::kNone) complete(it, reason, ev);
  }

  void take_inbox() {
    {
      std::lock_guard lock(mu);
      incoming.swap(inbox);
      cancels.swap(cancel_inbox);
    }
    for (Incoming& in : incoming) {
      auto sid = scheduler.add(in.prompt, in.max_new_tokens);
      Active a{in.id,
               0,
               -1,
               static_cast<uint32_t>(in.prompt.size()),
               in.ignore_eos,
               std::move(in.sampler),
               std::move(in.stop),
               StreamingDetokenizer(tokenizer),
               in.json_object,
               std::min<size_t>(in.max_new_tokens, config.n_ctx - in.prompt.size()),
               {},
               {}};
      if (!sid) {
        // submit() checked what add() checks; reaching this is an engine bug, reported as such.
        a.sid = 0;
        auto it = active.emplace(0, std::move(a)).first;
        complete_without_token(it, GenerationFinish::kError, sid.error().message);
        continue;
      }
      a.sid = *sid;
      by_id.emplace(in.id, *sid);
      auto it = active.emplace(*sid, std::move(a)).first;
      if (const Sequence* s = scheduler.find(*sid); s && s->state == SequenceState::kFinished) {
        complete_without_token(it, GenerationFinish::kKvBudget);
      }
    }
    incoming.clear();
    for (uint64_t id : cancels) {
      auto b = by_id.find(id);
      if (b == by_id.end()) continue;  // it finished on its own in the meantime
      auto it = active.find(b->second);
      if (it != active.end()) complete_without_token(it, GenerationFinish::kCancelled);
    }
    cancels.clear();
  }

  std::span<const TokenEvent> step() {
    n_events = 0;
    finished_ids.clear();
    take_inbox();

    const StepPlan plan = scheduler.next_step(config.max_tokens_per_step, config.prefill_chunk);
    // Sequences the plan finished (no KV cell left for their next token, on-demand reservation).
    for (auto it = active.begin(); it != active.end();) {
      auto next = std::next(it);
      const Sequence* s = scheduler.find(it->first);
      if (s && s->state == SequenceState::kFinished) {
        complete_without_token(it, s->finish_reason == SequenceFinish::kKvBudget
                                       ? GenerationFinish::kKvBudget
                                       : GenerationFinish::kLength);
      }
      it = next;
    }

    if (!plan.empty()) run_plan(plan);

    if (!finished_ids.empty()) {
      std::lock_guard lock(mu);
      for (uint64_t id : finished_ids) live.erase(id);
    }
    return {events.data(), n_events};
  }

  void run_plan(const StepPlan& plan) {
    batch.clear();
    items.clear();
    decode_tokens.clear();
    std::string error;
    for (const DecodeItem& d : plan.decode) {
      const Active& a = active.at(d.id);
      decode_tokens.push_back(d.token);
      batch.push_back({static_cast<uint32_t>(a.slot), {&decode_tokens.back(), 1}, false});
      items.push_back({d.id, false, true, 0});
      if (a.slot < 0 || cache.length(static_cast<uint32_t>(a.slot)) != d.position) {
        error = "engine: KV cache of sequence " + std::to_string(a.id) +
                " is out of step with the scheduler";
      }
    }
    uint64_t prefill_tokens = 0;
    for (const PrefillItem& p : plan.prefill) {
      Active& a = active.at(p.id);
      if (a.slot < 0) {
        a.slot = static_cast<int32_t>(free_slots.back());
        free_slots.pop_back();
      }
      const Sequence* s = scheduler.find(p.id);
      batch.push_back({static_cast<uint32_t>(a.slot),
                       std::span<const TokenId>(s->prompt).subspan(p.first, p.count), false});
      items.push_back({p.id, true, p.completes_prompt, p.count});
      prefill_tokens += p.count;
    }

    const auto t0 = Clock::now();
    Status st = error.empty() ? forward->run(batch, cache, &executor) : Status(Error{error});
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    ++stats.steps;
    if (prefill_tokens > 0) {
      stats.prefill_seconds += seconds;
    } else {
      stats.decode_seconds += seconds;
    }
    if (!st) {
      for (const ItemRef& item : items) {
        auto it = active.find(item.sid);
        if (it != active.end()) complete_without_token(it, GenerationFinish::kError, st.message());
      }
      return;
    }
    stats.prefill_tokens += prefill_tokens;
    stats.decode_tokens += plan.decode.size();

    for (size_t i = 0; i < items.size(); ++i) {
      const ItemRef& item = items[i];
      auto it = active.find(item.sid);
      if (it == active.end()) continue;
      if (item.prefill) {
        if (Status p = scheduler.prefilled(item.sid, item.count); !p) {
          complete_without_token(it, GenerationFinish::kError, p.message());
          continue;
        }
      }
      if (!item.samples) continue;
      auto tok = sample_token(it->second, forward->logits(i));
      if (!tok) {
        complete_without_token(it, GenerationFinish::kError, "sampling: " + tok.error().message);
        continue;
      }
      accept_token(it, *tok);
    }
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

Expected<Engine> Engine::create(const std::filesystem::path& model_path,
                                const EngineConfig& config) {
  auto model = Model::load(model_path);
  if (!model) return model.error();
  return create(std::move(*model), config);
}

Expected<Engine> Engine::create(Model model, const EngineConfig& config) {
  if (Status st = validate(config); !st) return Error{"engine config: " + st.message()};
  auto tokenizer = Tokenizer::from_gguf(model.file());
  if (!tokenizer) return tokenizer.error();
  if (tokenizer->n_vocab() != model.params().n_vocab) {
    return Error{"model: tokenizer has " + std::to_string(tokenizer->n_vocab()) +
                 " tokens but the model's vocabulary is " + std::to_string(model.params().n_vocab)};
  }
  EngineConfig cfg = config;
  if (cfg.n_ctx == 0) {
    const uint32_t train = model.params().n_ctx_train;
    cfg.n_ctx = train == 0 ? cfg.kv_budget_tokens : std::min(train, cfg.kv_budget_tokens);
    if (cfg.n_ctx < 2) return Error{"n_ctx: the model's context length is below 2 tokens"};
  }
  // Sequences hold whole pages: one partly filled page per sequence on top of the token budget
  // keeps the scheduler's token accounting sufficient for the paged pool.
  const uint64_t pool_tokens =
      uint64_t{cfg.kv_budget_tokens} + uint64_t{cfg.max_sequences} * (KvCache::kPageTokens - 1);
  if (pool_tokens > UINT32_MAX) return Error{"kv_budget_tokens: too large"};
  KvCacheConfig kc = KvCacheConfig::for_model(model.params(), static_cast<uint32_t>(pool_tokens),
                                              cfg.max_sequences, cfg.kv_type);
  kc.max_seq_tokens = cfg.n_ctx;
  auto cache = KvCache::create(kc);
  if (!cache) return Error{"kv cache: " + cache.error().message};

  auto impl = std::make_unique<Impl>(std::move(model), cfg, std::move(*tokenizer),
                                     std::move(*cache), cfg.workers);
  ForwardConfig fc;
  fc.max_batch_tokens = cfg.max_tokens_per_step;
  fc.max_logit_rows = cfg.max_sequences;
  fc.kernels = cfg.kernels;
  auto forward = ForwardPass::create(impl->model, fc);
  if (!forward) return Error{"forward pass: " + forward.error().message};
  impl->forward.emplace(std::move(*forward));

  impl->decode_tokens.reserve(cfg.max_sequences);
  impl->batch.reserve(cfg.max_sequences);
  impl->items.reserve(cfg.max_sequences);
  impl->finished_ids.reserve(cfg.max_sequences);
  impl->events.resize(cfg.max_sequences);
  for (uint32_t s = cfg.max_sequences; s-- > 0;) impl->free_slots.push_back(s);
  return Engine(std::move(impl));
}

Expected<uint64_t> Engine::submit(const GenerationRequest& request) {
  Impl& m = *impl_;
  const EngineConfig& c = m.config;
  const size_t n_vocab = m.tokenizer.n_vocab();
  std::vector<TokenId> prompt;
  if (!request.prompt_ids.empty()) {
    for (size_t i = 0; i < request.prompt_ids.size(); ++i) {
      const TokenId t = request.prompt_ids[i];
      if (t < 0 || static_cast<size_t>(t) >= n_vocab) {
        return Error{"prompt_ids[" + std::to_string(i) + "]: token id " + std::to_string(t) +
                     " out of range [0, " + std::to_string(n_vocab) + ")"};
      }
    }
    prompt = request.prompt_ids;
  } else {
    prompt = m.tokenizer.encode(request.prompt, request.add_special, request.parse_special);
  }
  if (prompt.empty()) return Error{"prompt: empty (it must give at least one token)"};
  if (prompt.size() + 1 > c.n_ctx) {
    return Error{"prompt: " + std::to_string(prompt.size()) +
                 " tokens leave no room for a generated token in the context of n_ctx = " +
                 std::to_string(c.n_ctx) + " tokens (at most " + std::to_string(c.n_ctx - 1) + ")"};
  }
  const size_t room = c.n_ctx - prompt.size();
  const size_t max_new = request.max_tokens == 0 ? room : request.max_tokens;
  if (c.reservation == KvReservation::kWorstCase) {
    const size_t cells = std::min(prompt.size() + max_new, size_t{c.n_ctx}) - 1;
    if (cells > c.kv_budget_tokens) {
      return Error{"max_tokens: a prompt of " + std::to_string(prompt.size()) + " tokens plus " +
                   std::to_string(max_new) + " generated tokens needs " + std::to_string(cells) +
                   " KV cells, more than kv_budget_tokens = " + std::to_string(c.kv_budget_tokens)};
    }
  } else if (prompt.size() > c.kv_budget_tokens) {
    return Error{"prompt: " + std::to_string(prompt.size()) +
                 " tokens exceed kv_budget_tokens = " + std::to_string(c.kv_budget_tokens)};
  }
  auto sampler = Sampler::create(request.sampling, n_vocab);
  if (!sampler) return sampler.error();
  auto stop = StopCondition::create(request.stop, INT32_MAX);
  if (!stop) return Error{"stop: " + stop.error().message};
  if (request.penalize_prompt) {
    for (TokenId t : prompt) sampler->accept(t);
  }

  std::lock_guard lock(m.mu);
  const uint64_t id = m.next_id++;
  m.inbox.push_back(Incoming{id, std::move(prompt), max_new, request.ignore_eos,
                             request.json_object, std::move(*sampler), std::move(*stop)});
  m.live.insert(id);
  return id;
}

Status Engine::cancel(uint64_t id) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  if (m.live.count(id) == 0) {
    return Error{"id: sequence " + std::to_string(id) + " is unknown or already finished"};
  }
  m.cancel_inbox.push_back(id);
  return {};
}

size_t Engine::pending() const {
  std::lock_guard lock(impl_->mu);
  return impl_->live.size();
}

std::span<const TokenEvent> Engine::step() {
  return impl_->step();
}

StepExecutor& Engine::executor() {
  return impl_->executor;
}
const Tokenizer& Engine::tokenizer() const {
  return impl_->tokenizer;
}
const Model& Engine::model() const {
  return impl_->model;
}
const EngineConfig& Engine::config() const {
  return impl_->config;
}
EngineStats Engine::stats() const {
  return impl_->stats;
}
size_t Engine::kv_reserved_tokens() const {
  return impl_->scheduler.kv_reserved_tokens();
}
uint32_t Engine::kv_free_pages() const {
  return impl_->cache.free_pages();
}

}  // namespace airan::llm
