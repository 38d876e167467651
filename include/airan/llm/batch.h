#pragma once
// Continuous batching bookkeeping, independent of the forward pass. Sequences wait in arrival
// order, are admitted while the KV cache budget allows, prefill their prompt in chunks and then
// decode one token per step; they join and leave between steps. Each engine step is planned by
// next_step() and its results are recorded with prefilled() / append_token() before the
// sequences in it are planned again.

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"

namespace airan::llm {

using SequenceId = uint64_t;
using TokenId = int32_t;  // as in tokenizer.h

enum class SequenceState : uint8_t {
  kWaiting,     ///< queued, holds no KV cells
  kPrefilling,  ///< admitted; prompt chunks still to run, or the first token still to sample
  kDecoding,    ///< one token a step
  kFinished,    ///< done; see finish_reason; holds no KV cells
};

enum class SequenceFinish : uint8_t {
  kNone,         ///< not finished
  kStop,         ///< the caller stopped it (end-of-sequence token, stop string)
  kMaxTokens,    ///< generated max_new_tokens tokens
  kContextFull,  ///< prompt + generated tokens reached the context length
  kKvBudget,     ///< it needs more KV cells than the budget can give
  kCancelled,    ///< the client went away, or the engine failed on it
};

/// "none", "stop", "length", "context", "kv_budget" or "cancelled".
std::string_view sequence_finish_name(SequenceFinish reason);

/// How KV cells are reserved for an admitted sequence.
enum class KvReservation : uint8_t {
  /// Prompt + max_new_tokens at admission: an admitted sequence never runs out of cells.
  kWorstCase,
  /// The prompt at admission, then one cell per decode step; a sequence whose next cell does not
  /// fit is finished with kKvBudget (admits more sequences, may cut some short).
  kOnDemand,
};

struct BatchLimits {
  size_t kv_budget_tokens = 4096;    ///< KV cells (tokens) shared by all sequences
  size_t max_sequences = 16;         ///< sequences admitted at once (prefilling + decoding)
  size_t max_context_tokens = 2048;  ///< per sequence: prompt + generated tokens
  KvReservation reservation = KvReservation::kWorstCase;
};

struct Sequence {
  SequenceId id = 0;
  std::vector<TokenId> prompt;
  std::vector<TokenId> generated;
  size_t max_new_tokens = 0;
  SequenceState state = SequenceState::kWaiting;
  SequenceFinish finish_reason = SequenceFinish::kNone;
  size_t prompt_done = 0;    ///< prompt tokens whose KV cells are written (or planned)
  size_t kv_cells = 0;       ///< KV cells written or planned in the current step
  size_t kv_reserved = 0;    ///< KV cells reserved for it (kv_cells <= kv_reserved)
  uint64_t last_step = 0;    ///< the last step it was planned in (0: never)
  uint64_t decode_turn = 0;  ///< when it last got a decode token (orders decode turns)
  enum class Pending : uint8_t { kNone, kPrefill, kDecode } pending = Pending::kNone;
  size_t pending_tokens = 0;  ///< prompt tokens of the pending prefill chunk
};

/// Prompt tokens [first, first + count) of sequence `id` run at positions first.. in this step;
/// when completes_prompt, the engine samples the first generated token from the last position.
struct PrefillItem {
  SequenceId id = 0;
  size_t first = 0;
  size_t count = 0;
  bool completes_prompt = false;
};

/// Sequence `id` feeds `token` at `position` and samples its next token.
struct DecodeItem {
  SequenceId id = 0;
  TokenId token = 0;
  size_t position = 0;
};

/// The work of one engine step.
struct StepPlan {
  uint64_t step = 0;
  std::vector<DecodeItem> decode;
  std::vector<PrefillItem> prefill;
  /// Tokens the step runs through the model (decode items + prefill chunk lengths).
  size_t n_tokens() const;
  bool empty() const { return decode.empty() && prefill.empty(); }
};

class BatchScheduler {
 public:
  /// A scheduler with these limits (a zero limit admits nothing).
  explicit BatchScheduler(const BatchLimits& limits);

  /// Queues a sequence; returns its id. A sequence that can never fit the KV budget is returned
  /// already finished with kKvBudget. Error: empty prompt, max_new_tokens == 0, or a prompt that
  /// leaves no room for one generated token in max_context_tokens.
  Expected<SequenceId> add(std::span<const TokenId> prompt, size_t max_new_tokens);

  /// Admits waiting sequences that fit, then plans one step of at most `max_tokens_per_step`
  /// tokens: first one decode token for every decoding sequence (least recently served first),
  /// then prompt chunks of at most `prefill_chunk` tokens in arrival order. Sequences of a step
  /// are not planned again until its results are recorded.
  StepPlan next_step(size_t max_tokens_per_step, size_t prefill_chunk);

  /// Records that the planned prefill chunk of `id` (`n_tokens` long) has run.
  /// Error: unknown id, or no prefill of that length pending.
  Status prefilled(SequenceId id, size_t n_tokens);
  /// Records the token sampled for `id` after its last prompt chunk or a decode step; finishes it
  /// with kMaxTokens / kContextFull when it reaches a limit. Error: unknown id or nothing pending.
  Status append_token(SequenceId id, TokenId token);
  /// Finishes `id` now (kStop, kCancelled, ...) and frees its KV cells. Error: unknown id, or
  /// reason kNone.
  Status finish(SequenceId id, SequenceFinish reason);
  /// Forgets a finished sequence. Error: unknown id, or not finished.
  Status release(SequenceId id);

  /// The sequence `id`, or nullptr.
  const Sequence* find(SequenceId id) const;
  /// Sequences in `state`.
  size_t count(SequenceState state) const;
  /// True when some sequence is waiting, prefilling or decoding.
  bool has_work() const;
  /// KV cells reserved by admitted sequences (<= kv_budget_tokens).
  size_t kv_reserved_tokens() const { return kv_reserved_; }
  /// KV cells written or planned by admitted sequences (<= kv_reserved_tokens()).
  size_t kv_used_tokens() const;
  const BatchLimits& limits() const { return limits_; }
  /// Every sequence not yet released, in arrival order.
  const std::map<SequenceId, Sequence>& sequences() const { return sequences_; }

 private:
  // KV cells `s` needs reserved at admission.
  size_t admission_cells(const Sequence& s) const;
  void finish_now(Sequence& s, SequenceFinish reason);
  void admit();

  BatchLimits limits_;
  std::map<SequenceId, Sequence> sequences_;  // ids grow with arrival, so this is arrival order
  SequenceId next_id_ = 1;
  uint64_t step_ = 0;
  uint64_t decode_turns_ = 0;
  size_t kv_reserved_ = 0;
  size_t admitted_ = 0;  // prefilling + decoding
};

}  // namespace airan::llm
