#pragma once
// Choosing the next token from a step's logits, and deciding when generation ends.
//
// The sampler applies llama.cpp's default chain, in its order: repetition / frequency / presence
// penalties over the last `penalty_last_n` accepted tokens, top-k, top-p, min-p, temperature, then
// a draw from the remaining distribution with a seeded generator. A temperature <= 0 is greedy
// (the highest logit after the penalties). All buffers are sized to the vocabulary once, so
// sampling a token allocates nothing.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/tokenizer.h"

namespace airan::llm {

/// Seed value that asks for a seed from std::random_device at construction.
inline constexpr uint64_t kRandomSeed = UINT64_MAX;

/// Sampling parameters; the defaults are llama.cpp's.
struct SamplingParams {
  float temperature = 0.8f;        ///< <= 0: greedy; otherwise logits are divided by it
  int32_t top_k = 40;              ///< keep the k most likely tokens; <= 0: off
  float top_p = 0.95f;             ///< keep the smallest set with mass >= top_p; 1: off
  float min_p = 0.05f;             ///< drop tokens below min_p x the top probability; 0: off
  float repeat_penalty = 1.0f;     ///< logit / penalty (logit x penalty if <= 0); 1: off
  float frequency_penalty = 0.0f;  ///< minus this x occurrences in the window
  float presence_penalty = 0.0f;   ///< minus this once if the token is in the window
  int32_t penalty_last_n = 64;     ///< window of accepted tokens the penalties look at; 0: off
  uint64_t seed = kRandomSeed;     ///< same seed + same logits + same history -> same tokens
};

/// Checks every field of `params`. Error: names the field, its value and the allowed range.
Status validate(const SamplingParams& params);

/// Samples tokens for one sequence. Movable; not thread-safe.
class Sampler {
 public:
  /// A sampler for a vocabulary of `n_vocab` tokens. Error: invalid parameters or n_vocab == 0.
  static Expected<Sampler> create(const SamplingParams& params, size_t n_vocab);

  /// The next token for `logits` (n_vocab values; NaN counts as -inf). Does not record it: call
  /// accept() with the token actually used. Error: wrong number of logits, or none is finite.
  Expected<TokenId> sample(std::span<const float> logits);

  /// Records `token` in the penalty window (generated tokens, and prompt tokens if they should
  /// be penalised too, as llama.cpp's CLI does). Ids outside the vocabulary are ignored.
  void accept(TokenId token);

  /// Forgets the penalty window and restarts the generator from the seed.
  void reset();

  const SamplingParams& params() const { return params_; }
  /// The seed in use (the drawn one when kRandomSeed was asked for).
  uint64_t seed() const { return seed_; }

 private:
  struct Candidate {
    float logit;
    TokenId id;
  };
  Sampler(const SamplingParams& params, size_t n_vocab, uint64_t seed);
  void apply_penalties();
  void sort_prefix(size_t n);
  size_t top_p_count(float max_logit);
  static bool by_logit_desc(const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  }
  double next_uniform();

  SamplingParams params_;
  uint64_t seed_ = 0;
  uint64_t rng_[4] = {};
  std::vector<Candidate> cand_;  // n_vocab entries; the first n_cand_ are live
  size_t n_cand_ = 0;
  size_t n_sorted_ = 0;          // cand_[0, n_sorted_) is sorted by descending logit
  std::vector<float> probs_;     // scratch, n_vocab
  std::vector<int32_t> counts_;  // occurrences of each token in the window
  std::vector<TokenId> window_;  // ring buffer of the last penalty_last_n tokens
  size_t window_head_ = 0;
  size_t window_size_ = 0;
};

/// Why generation ended.
enum class FinishReason { kNone, kStop, kLength, kEndOfGeneration };

/// "stop", "length", "eos" (as OpenAI's finish_reason names them; "" for kNone).
std::string_view finish_reason_name(FinishReason reason);

/// Stop strings and the token limit, applied to the detokenised text as it streams. Text that
/// might be the start of a stop string is held back until it is clear; when a stop string
/// completes (possibly across several tokens), the text before it is returned and nothing after.
class StopCondition {
 public:
  /// `stop`: strings that end generation (empty strings are not allowed); `max_tokens`: the
  /// most tokens to generate (> 0). Error: names the offending stop string or the limit.
  static Expected<StopCondition> create(std::vector<std::string> stop, int32_t max_tokens);

  /// What one step produced: text safe to show now, and whether generation is over.
  struct Step {
    std::string_view text;  ///< valid until the next call on this object
    bool done = false;
    FinishReason reason = FinishReason::kNone;
  };

  /// Counts one generated token whose text is `piece` (may be "").
  Step push(std::string_view piece);
  /// Ends generation for `reason` (e.g. an end-of-generation token): returns the held text.
  Step finish(FinishReason reason = FinishReason::kEndOfGeneration);

  int32_t tokens_generated() const { return n_tokens_; }
  bool done() const { return done_; }

 private:
  StopCondition(std::vector<std::string> stop, int32_t max_tokens);

  std::vector<std::string> stop_;
  int32_t max_tokens_ = 0;
  int32_t n_tokens_ = 0;
  bool done_ = false;
  std::string pending_;
  std::string out_;
};

}  // namespace airan::llm
