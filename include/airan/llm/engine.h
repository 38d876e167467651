#pragma once
// The LLM inference engine: one model, its tokenizer, a paged KV cache, the batched forward pass,
// the continuous-batching scheduler and, per sequence, a sampler, a stop condition and a streaming
// detokenizer. Its unit of work is one step (a prefill chunk and/or one decode token for every
// decoding sequence); sequences join and leave between steps.
//
// Threads: submit(), cancel() and pending() may be called from any thread; they only touch a small
// mutex-protected inbox, which step() consumes at its start. step(), stats() and the accessors are
// for one thread at a time (the engine's). executor() may be used from any thread while a step
// runs to park / resume workers (the StepExecutor is built for that); resizing it
// (set_active_workers) takes effect from the next step.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/batch.h"
#include "airan/llm/executor.h"
#include "airan/llm/kv_cache.h"
#include "airan/llm/matmul.h"
#include "airan/llm/model.h"
#include "airan/llm/sampler.h"
#include "airan/llm/tokenizer.h"

namespace airan::llm {

/// Sizes and limits of an engine, fixed at creation.
struct EngineConfig {
  uint32_t max_sequences = 8;          ///< sequences prefilling or decoding at once
  uint32_t kv_budget_tokens = 4096;    ///< KV cells (tokens) shared by all sequences
  uint32_t n_ctx = 0;                  ///< per sequence: prompt + generated tokens; 0: model's,
                                       ///< capped at kv_budget_tokens
  uint32_t max_tokens_per_step = 512;  ///< tokens one step runs through the model
  uint32_t prefill_chunk = 256;        ///< prompt tokens of one sequence per step
  unsigned workers = 0;                ///< worker threads besides the one calling step()
  KvType kv_type = KvType::kF16;       ///< element type of the KV cache
  /// Worst case: prompt + max_tokens reserved at admission (never cut short); on demand: admits
  /// more sequences, may finish some with kv_budget.
  KvReservation reservation = KvReservation::kWorstCase;
  const MatmulKernels* kernels = nullptr;  ///< nullptr: the best the CPU has
};

/// Checks every field of `config`. Error: names the field and the allowed values.
Status validate(const EngineConfig& config);

/// One generation request.
struct GenerationRequest {
  std::string prompt;               ///< text, tokenised by the model's tokenizer
  std::vector<TokenId> prompt_ids;  ///< token ids; when not empty, used instead of `prompt`
  bool add_special = true;          ///< add BOS/EOS as the vocabulary says (text prompts)
  bool parse_special = false;       ///< control tokens written in the text become tokens
  SamplingParams sampling;          ///< includes the seed
  std::vector<std::string> stop;    ///< strings that end generation (not included in the text)
  uint32_t max_tokens = 0;          ///< tokens to generate at most; 0: until the context is full
  bool ignore_eos = false;          ///< keep generating after an end-of-generation token
  bool penalize_prompt = true;      ///< prompt tokens enter the penalty window (as llama.cpp)
  /// Only tokens that keep the output a prefix of one JSON object are sampled, and generation
  /// stops (kStop) when the object closes (OpenAI's response_format json_object).
  bool json_object = false;
};

/// Why a sequence ended.
enum class GenerationFinish : uint8_t {
  kNone,       ///< still running
  kStop,       ///< a stop string completed
  kLength,     ///< max_tokens generated, or the context is full
  kEos,        ///< an end-of-generation token
  kCancelled,  ///< cancel() was called
  kKvBudget,   ///< the KV budget could not give it another cell (on-demand reservation)
  kError,      ///< the engine failed on it (see TokenEvent::error)
};

/// "none", "stop", "length", "eos", "cancelled", "kv_budget" or "error".
std::string_view generation_finish_name(GenerationFinish reason);

/// What one step produced for one sequence.
struct TokenEvent {
  uint64_t sequence = 0;     ///< id returned by submit()
  TokenId token = kNoToken;  ///< the sampled token (kNoToken for a cancel or failure)
  std::string text;          ///< text now safe to show: whole UTF-8 characters, may be ""
  bool finished = false;     ///< the sequence is over and its KV cells are free
  GenerationFinish reason = GenerationFinish::kNone;
  uint32_t prompt_tokens = 0;      ///< tokens of the prompt
  uint32_t completion_tokens = 0;  ///< tokens generated so far (end-of-generation included)
  std::string error;               ///< with kError: what failed
};

/// Cumulative counters of the steps run so far.
struct EngineStats {
  uint64_t steps = 0;
  uint64_t prefill_tokens = 0;   ///< prompt tokens run through the model
  uint64_t decode_tokens = 0;    ///< decode tokens run through the model
  double prefill_seconds = 0.0;  ///< time of steps that held a prefill chunk
  double decode_seconds = 0.0;   ///< time of steps that held only decode tokens
};

/// The engine. Movable, not copyable.
class Engine {
 public:
  /// Loads `model_path` and sizes everything for `config`. Error: unreadable or invalid model,
  /// invalid config (named field), or a KV pool that cannot be allocated.
  static Expected<Engine> create(const std::filesystem::path& model_path,
                                 const EngineConfig& config = {});
  /// The same with a model already loaded.
  static Expected<Engine> create(Model model, const EngineConfig& config = {});

  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  ~Engine();

  /// Queues a request (any thread); it joins the batch at the next step. Returns its sequence id.
  /// Error: names the field: empty or over-long prompt, token id out of range, invalid sampling
  /// parameters, empty stop string, or a request that can never fit the KV budget.
  Expected<uint64_t> submit(const GenerationRequest& request);
  /// Asks for sequence `id` to end (any thread); at the next step it gets a finished event with
  /// kCancelled and its KV cells are freed. Error: unknown or already finished id.
  Status cancel(uint64_t id);
  /// Sequences submitted and not yet reported finished (any thread).
  size_t pending() const;

  /// Runs one step: takes in submitted and cancelled sequences, plans, runs the forward pass and
  /// samples. Returns the step's events (valid until the next step() call; empty when idle).
  std::span<const TokenEvent> step();

  /// The workers of the forward pass: park / resume / resize them from any thread.
  StepExecutor& executor();
  const Tokenizer& tokenizer() const;
  const Model& model() const;
  const EngineConfig& config() const;
  /// Counters of the steps so far (engine thread).
  EngineStats stats() const;
  /// KV cells (tokens) reserved by admitted sequences; 0 when none runs (engine thread).
  size_t kv_reserved_tokens() const;
  /// KV cache pages not held by any sequence (engine thread).
  uint32_t kv_free_pages() const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace airan::llm
