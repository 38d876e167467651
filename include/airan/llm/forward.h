#pragma once
// The forward pass of a Llama-family model over a batch: several sequences, each bringing one or
// more new tokens (a prefill chunk, or one token when decoding). New tokens are appended to each
// sequence's KV cache; logits come out for the last token of each sequence or for all of them.
// Heavy work is cut into pieces (matmul row ranges x token chunks, attention per sequence, head
// and query chunk) run through a StepExecutor, so worker threads can be parked between pieces.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/executor.h"
#include "airan/llm/kv_cache.h"
#include "airan/llm/matmul.h"
#include "airan/llm/model.h"

namespace airan::llm {

/// One sequence's part of a batch.
struct BatchEntry {
  uint32_t seq = 0;                 ///< KV cache sequence id; tokens go after its current length
  std::span<const int32_t> tokens;  ///< new token ids (at least one)
  bool all_logits = false;          ///< logits for every new token, else for the last one only
};

/// Sizes of the per-step buffers, fixed at creation.
struct ForwardConfig {
  uint32_t max_batch_tokens = 512;  ///< new tokens of all entries of one step
  uint32_t max_logit_rows = 64;     ///< logits rows one step may produce
  /// Kernels to use; nullptr picks the best the CPU has.
  const MatmulKernels* kernels = nullptr;
};

/// Runs steps of one model. Holds the step buffers; the model must outlive it. Movable.
class ForwardPass {
 public:
  /// Sizes every buffer for `config`. Error: a zero limit, or no kernels for this CPU.
  static Expected<ForwardPass> create(const Model& model, const ForwardConfig& config = {});

  ForwardPass(ForwardPass&&) noexcept;
  ForwardPass& operator=(ForwardPass&&) noexcept;
  ~ForwardPass();

  /// Runs one step: appends each entry's tokens to its sequence in `cache` and computes the
  /// logits asked for. `executor` runs the pieces (nullptr: all on this thread). Error (nothing is
  /// changed): empty entry, duplicate sequence, token id out of range, more tokens or logit rows
  /// than configured, or no room in the cache (the message names what and the limit).
  Status run(std::span<const BatchEntry> batch, KvCache& cache, StepExecutor* executor = nullptr);

  /// Logits rows of the last step (n_vocab floats each), in batch order: per entry one row (its
  /// last token) or, with all_logits, one row per token.
  size_t n_logit_rows() const;
  /// Row `row` of the last step's logits (empty when out of range).
  std::span<const float> logits(size_t row) const;

  const Model& model() const;
  const ForwardConfig& config() const;

 private:
  struct State;
  explicit ForwardPass(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace airan::llm
