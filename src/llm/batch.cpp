// Continuous batching bookkeeping (see batch.h). KV accounting: a sequence holds a cell for every
// token fed to the model; the last sampled token is never fed, so a sequence with prompt P that
// ends with g generated tokens writes P + g - 1 cells.
#include "airan/llm/batch.h"

#include <algorithm>
#include <string>

namespace airan::llm {

std::string_view sequence_finish_name(SequenceFinish reason) {
  switch (reason) {
    case SequenceFinish::kNone:
      return "none";
    case SequenceFinish::kStop:
      return "stop";
    case SequenceFinish::kMaxTokens:
      return "length";
    case SequenceFinish::kContextFull:
      return "context";
    case SequenceFinish::kKvBudget:
      return "kv_budget";
    case SequenceFinish::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

size_t StepPlan::n_tokens() const {
  size_t n = decode.size();
  for (const auto& p : prefill) n += p.count;
  return n;
}

BatchScheduler::BatchScheduler(const BatchLimits& limits) : limits_(limits) {}

size_t BatchScheduler::admission_cells(const Sequence& s) const {
  const size_t prompt = s.prompt.size();
  if (limits_.reservation == KvReservation::kOnDemand) return prompt;
  // Worst case: every token up to max_new_tokens (or the context) except the last is fed.
  return std::min(prompt + s.max_new_tokens, limits_.max_context_tokens) - 1;
}

Expected<SequenceId> BatchScheduler::add(std::span<const TokenId> prompt, size_t max_new_tokens) {
  if (prompt.empty()) return Error{"prompt: must hold at least one token"};
  if (max_new_tokens == 0) return Error{"max_new_tokens: must be at least 1"};
  if (prompt.size() + 1 > limits_.max_context_tokens) {
    return Error{"prompt: " + std::to_string(prompt.size()) +
                 " tokens leave no room for a generated token in a context of " +
                 std::to_string(limits_.max_context_tokens) + " tokens"};
  }
  const SequenceId id = next_id_++;
  Sequence& s = sequences_[id];
  s.id = id;
  s.prompt.assign(prompt.begin(), prompt.end());
  s.max_new_tokens = max_new_tokens;
  if (admission_cells(s) > limits_.kv_budget_tokens) finish_now(s, SequenceFinish::kKvBudget);
  return id;
}

void BatchScheduler::finish_now(Sequence& s, SequenceFinish reason) {
  if (s.state == SequenceState::kPrefilling || s.state == SequenceState::kDecoding) --admitted_;
  kv_reserved_ -= s.kv_reserved;
  s.kv_reserved = 0;
  s.kv_cells = 0;
  s.state = SequenceState::kFinished;
  s.finish_reason = reason;
  s.pending = Sequence::Pending::kNone;
  s.pending_tokens = 0;
}

void BatchScheduler::admit() {
  // Strict arrival order: a sequence that does not fit yet blocks those behind it, so a long
  // prompt is not starved by a stream of short ones.
  for (auto& [id, s] : sequences_) {
    if (s.state != SequenceState::kWaiting) continue;
    const size_t cells = admission_cells(s);
    if (admitted_ >= limits_.max_sequences || kv_reserved_ + cells > limits_.kv_budget_tokens) {
      return;
    }
    s.state = SequenceState::kPrefilling;
    s.kv_reserved = cells;
    kv_reserved_ += cells;
    ++admitted_;
  }
}

StepPlan BatchScheduler::next_step(size_t max_tokens_per_step, size_t prefill_chunk) {
  admit();
  StepPlan plan;
  plan.step = ++step_;
  size_t budget = max_tokens_per_step;

  std::vector<Sequence*> decoders;
  for (auto& [id, s] : sequences_) {
    if (s.state == SequenceState::kDecoding && s.pending == Sequence::Pending::kNone) {
      decoders.push_back(&s);
    }
  }
  std::stable_sort(decoders.begin(), decoders.end(), [](const Sequence* a, const Sequence* b) {
    return a->decode_turn < b->decode_turn;
  });
  for (Sequence* s : decoders) {
    if (budget == 0) break;
    if (s->kv_cells + 1 > s->kv_reserved) {
      if (kv_reserved_ + 1 > limits_.kv_budget_tokens) {
        finish_now(*s, SequenceFinish::kKvBudget);
        continue;
      }
      ++s->kv_reserved;
      ++kv_reserved_;
    }
    plan.decode.push_back({s->id, s->generated.back(), s->prompt.size() + s->generated.size() - 1});
    ++s->kv_cells;
    s->pending = Sequence::Pending::kDecode;
    s->last_step = plan.step;
    s->decode_turn = ++decode_turns_;
    --budget;
  }

  if (prefill_chunk > 0) {
    for (auto& [id, s] : sequences_) {
      if (budget == 0) break;
      if (s.state != SequenceState::kPrefilling || s.pending != Sequence::Pending::kNone ||
          s.prompt_done == s.prompt.size()) {
        continue;
      }
      const size_t n = std::min({prefill_chunk, s.prompt.size() - s.prompt_done, budget});
      plan.prefill.push_back({id, s.prompt_done, n, s.prompt_done + n == s.prompt.size()});
      s.prompt_done += n;
      s.kv_cells += n;
      s.pending = Sequence::Pending::kPrefill;
      s.pending_tokens = n;
      s.last_step = plan.step;
      budget -= n;
    }
  }
  return plan;
}

Status BatchScheduler::prefilled(SequenceId id, size_t n_tokens) {
  auto it = sequences_.find(id);
  if (it == sequences_.end()) return Error{"sequence " + std::to_string(id) + ": unknown id"};
  Sequence& s = it->second;
  if (s.pending != Sequence::Pending::kPrefill || s.pending_tokens != n_tokens) {
    return Error{"sequence " + std::to_string(id) + ": no prefill chunk of " +
                 std::to_string(n_tokens) + " tokens is pending"};
  }
  s.pending = Sequence::Pending::kNone;
  s.pending_tokens = 0;
  return {};
}

Status BatchScheduler::append_token(SequenceId id, TokenId token) {
  auto it = sequences_.find(id);
  if (it == sequences_.end()) return Error{"sequence " + std::to_string(id) + ": unknown id"};
  Sequence& s = it->second;
  const bool first_token = s.state == SequenceState::kPrefilling &&
                           s.prompt_done == s.prompt.size() &&
                           s.pending == Sequence::Pending::kNone;
  const bool decoded =
      s.state == SequenceState::kDecoding && s.pending == Sequence::Pending::kDecode;
  if (!first_token && !decoded) {
    return Error{
        "sequence " + std::to_string(id) +
        ": no token expected (prompt not fully prefilled, no decode pending, or finished)"};
  }
  s.generated.push_back(token);
  s.pending = Sequence::Pending::kNone;
  s.state = SequenceState::kDecoding;
  if (s.generated.size() >= s.max_new_tokens) {
    finish_now(s, SequenceFinish::kMaxTokens);
  } else if (s.prompt.size() + s.generated.size() >= limits_.max_context_tokens) {
    finish_now(s, SequenceFinish::kContextFull);
  }
  return {};
}

Status BatchScheduler::finish(SequenceId id, SequenceFinish reason) {
  auto it = sequences_.find(id);
  if (it == sequences_.end()) return Error{"sequence " + std::to_string(id) + ": unknown id"};
  if (reason == SequenceFinish::kNone) return Error{"reason: must not be none"};
  if (it->second.state != SequenceState::kFinished) finish_now(it->second, reason);
  return {};
}

Status BatchScheduler::release(SequenceId id) {
  auto it = sequences_.find(id);
  if (it == sequences_.end()) return Error{"sequence " + std::to_string(id) + ": unknown id"};
  if (it->second.state != SequenceState::kFinished) {
    return Error{"sequence " + std::to_string(id) + ": not finished (finish it first)"};
  }
  sequences_.erase(it);
  return {};
}

const Sequence* BatchScheduler::find(SequenceId id) const {
  auto it = sequences_.find(id);
  return it == sequences_.end() ? nullptr : &it->second;
}

size_t BatchScheduler::count(SequenceState state) const {
  return static_cast<size_t>(
      std::count_if(sequences_.begin(), sequences_.end(),
                    [state](const auto& kv) { return kv.second.state == state; }));
}

bool BatchScheduler::has_work() const {
  return std::any_of(sequences_.begin(), sequences_.end(),
                     [](const auto& kv) { return kv.second.state != SequenceState::kFinished; });
}

size_t BatchScheduler::kv_used_tokens() const {
  size_t n = 0;
  for (const auto& [id, s] : sequences_) n += s.kv_cells;
  return n;
}

}  // namespace airan::llm
