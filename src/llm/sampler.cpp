// Token sampling (llama.cpp's default chain and order) and stop conditions on streamed text.
#include "airan/llm/sampler.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <utility>

namespace airan::llm {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr int32_t kMaxPenaltyWindow = 1 << 20;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Status validate(const SamplingParams& p) {
  if (!std::isfinite(p.temperature)) {
    return Error{"sampling: temperature " + num(p.temperature) + " is not a finite number"};
  }
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) {
    return Error{"sampling: top_p " + num(p.top_p) + " is outside (0, 1]"};
  }
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) {
    return Error{"sampling: min_p " + num(p.min_p) + " is outside [0, 1]"};
  }
  if (!(std::isfinite(p.repeat_penalty) && p.repeat_penalty > 0.0f)) {
    return Error{"sampling: repeat_penalty " + num(p.repeat_penalty) +
                 " must be a finite number > 0 (1 = off)"};
  }
  if (!std::isfinite(p.frequency_penalty)) {
    return Error{"sampling: frequency_penalty " + num(p.frequency_penalty) +
                 " is not a finite number"};
  }
  if (!std::isfinite(p.presence_penalty)) {
    return Error{"sampling: presence_penalty " + num(p.presence_penalty) +
                 " is not a finite number"};
  }
  if (p.penalty_last_n < 0 || p.penalty_last_n > kMaxPenaltyWindow) {
    return Error{"sampling: penalty_last_n " + std::to_string(p.penalty_last_n) +
                 " is outside [0, " + std::to_string(kMaxPenaltyWindow) + "]"};
  }
  return Status::ok();
}

Sampler::Sampler(const SamplingParams& params, size_t n_vocab, uint64_t seed)
    : params_(params),
      seed_(seed),
      cand_(n_vocab),
      probs_(n_vocab),
      counts_(n_vocab, 0),
      window_(static_cast<size_t>(params.penalty_last_n)) {
  reset();
}

Expected<Sampler> Sampler::create(const SamplingParams& params, size_t n_vocab) {
  if (Status s = validate(params); !s) return Error{s.message()};
  if (n_vocab == 0 || n_vocab > static_cast<size_t>(std::numeric_limits<TokenId>::max())) {
    return Error{"sampling: n_vocab " + std::to_string(n_vocab) + " is outside [1, 2^31 - 1]"};
  }
  uint64_t seed = params.seed;
  if (seed == kRandomSeed) {
    std::random_device rd;
    seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    if (seed == kRandomSeed) seed = 0;
  }
  return Sampler(params, n_vocab, seed);
}

void Sampler::reset() {
  uint64_t s = seed_;
  for (uint64_t& r : rng_) r = splitmix64(s);
  std::fill(counts_.begin(), counts_.end(), 0);
  window_head_ = 0;
  window_size_ = 0;
}

double Sampler::next_uniform() {
  // xoshiro256**; 53 random bits make a double in [0, 1).
  const uint64_t result = rotl(rng_[1] * 5, 7) * 9;
  const uint64_t t = rng_[1] << 17;
  rng_[2] ^= rng_[0];
  rng_[3] ^= rng_[1];
  rng_[1] ^= rng_[2];
  rng_[0] ^= rng_[3];
  rng_[2] ^= t;
  rng_[3] = rotl(rng_[3], 45);
  return static_cast<double>(result >> 11) * 0x1.0p-53;
}

void Sampler::accept(TokenId token) {
  if (window_.empty() || token < 0 || static_cast<size_t>(token) >= counts_.size()) return;
  if (window_size_ == window_.size()) {
    // The oldest entry sits where the next one goes.
    --counts_[static_cast<size_t>(window_[window_head_])];
  } else {
    ++window_size_;
  }
  window_[window_head_] = token;
  ++counts_[static_cast<size_t>(token)];
  window_head_ = (window_head_ + 1) % window_.size();
}

void Sampler::apply_penalties() {
  const SamplingParams& p = params_;
  if (window_size_ == 0 ||
      (p.repeat_penalty == 1.0f && p.frequency_penalty == 0.0f && p.presence_penalty == 0.0f)) {
    return;
  }
  // Candidates are still in id order here. A token's count is negated once it has been
  // penalised, so repeats in the window are penalised once; a second pass restores the counts.
  for (size_t i = 0; i < window_size_; ++i) {
    const auto t = static_cast<size_t>(window_[i]);
    const int32_t count = counts_[t];
    if (count <= 0) continue;
    float& logit = cand_[t].logit;
    logit = logit <= 0.0f ? logit * p.repeat_penalty : logit / p.repeat_penalty;
    logit -= static_cast<float>(count) * p.frequency_penalty + p.presence_penalty;
    counts_[t] = -count;
  }
  for (size_t i = 0; i < window_size_; ++i) {
    const auto t = static_cast<size_t>(window_[i]);
    if (counts_[t] < 0) counts_[t] = -counts_[t];
  }
}

void Sampler::sort_prefix(size_t n) {
  n = std::min(n, n_cand_);
  if (n <= n_sorted_) return;
  std::partial_sort(cand_.begin(), cand_.begin() + static_cast<std::ptrdiff_t>(n),
                    cand_.begin() + static_cast<std::ptrdiff_t>(n_cand_), by_logit_desc);
  n_sorted_ = n;
}

size_t Sampler::top_p_count(float max_logit) {
  double sum = 0.0;
  for (size_t i = 0; i < n_cand_; ++i) sum += std::exp(double(cand_[i].logit) - max_logit);
  const double target = double(params_.top_p) * sum;
  if (n_sorted_ < n_cand_) {
    // Histogram the mass by distance below the top logit, find the bucket where the running mass
    // reaches the target, and sort only the candidates down to that bucket: they come first in
    // the full order, so the cut is exact without sorting the whole vocabulary.
    constexpr int kBuckets = 128;
    constexpr float kRange = 32.0f;  // e^-32 of the top: the last bucket takes everything below
    auto bucket = [&](float logit) {
      const float d = (max_logit - logit) * (kBuckets / kRange);
      return d < kBuckets - 1 ? static_cast<int>(d) : kBuckets - 1;
    };
    std::array<double, kBuckets> mass{};
    for (size_t i = 0; i < n_cand_; ++i) {
      mass[static_cast<size_t>(bucket(cand_[i].logit))] +=
          std::exp(double(cand_[i].logit) - max_logit);
    }
    int last = kBuckets - 1;
    double cum = 0.0;
    for (int b = 0; b < kBuckets; ++b) {
      cum += mass[static_cast<size_t>(b)];
      if (cum >= target) {
        last = b;
        break;
      }
    }
    auto head_end =
        std::partition(cand_.begin(), cand_.begin() + static_cast<std::ptrdiff_t>(n_cand_),
                       [&](const Candidate& c) { return bucket(c.logit) <= last; });
    const auto head = static_cast<size_t>(head_end - cand_.begin());
    std::sort(cand_.begin(), head_end, by_logit_desc);
    n_sorted_ = head;
  }
  double cum = 0.0;
  for (size_t i = 0; i < n_sorted_; ++i) {
    cum += std::exp(double(cand_[i].logit) - max_logit);
    if (cum >= target) return i + 1;
  }
  // Rounding kept the mass just short: everything sorted so far, or all when all are sorted.
  return n_sorted_ == n_cand_ ? n_cand_ : std::max<size_t>(n_sorted_, 1);
}

Expected<TokenId> Sampler::sample(std::span<const float> logits) {
  if (logits.size() != cand_.size()) {
    return Error{"sampling: got " + std::to_string(logits.size()) +
                 " logits, expected n_vocab = " + std::to_string(cand_.size())};
  }
  n_cand_ = cand_.size();
  n_sorted_ = 0;
  for (size_t i = 0; i < n_cand_; ++i) {
    const float l = logits[i];
    cand_[i] = Candidate{std::isnan(l) ? kNegInf : l, static_cast<TokenId>(i)};
  }
  apply_penalties();

  // The best candidate after the penalties: the greedy answer, and the softmax reference.
  size_t best = 0;
  for (size_t i = 1; i < n_cand_; ++i) {
    if (cand_[i].logit > cand_[best].logit) best = i;
  }
  if (cand_[best].logit == kNegInf) {
    return Error{"sampling: every logit is -inf or NaN after the penalties"};
  }
  if (params_.temperature <= 0.0f) return cand_[best].id;
  const float max_logit = cand_[best].logit;

  // top-k
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n_cand_) {
    sort_prefix(static_cast<size_t>(params_.top_k));
    n_cand_ = static_cast<size_t>(params_.top_k);
  }

  // top-p: the smallest most-likely set whose probability mass reaches top_p.
  if (params_.top_p < 1.0f) {
    n_cand_ = top_p_count(max_logit);
    n_sorted_ = std::min(n_sorted_, n_cand_);
  }

  // min-p: drop tokens whose probability is below min_p times the top one.
  if (params_.min_p > 0.0f) {
    const float threshold = max_logit + std::log(params_.min_p);
    size_t kept = 0;
    size_t kept_sorted = 0;
    for (size_t i = 0; i < n_cand_; ++i) {
      if (cand_[i].logit >= threshold) {
        if (i < n_sorted_) ++kept_sorted;
        cand_[kept++] = cand_[i];
      }
    }
    n_cand_ = std::max<size_t>(kept, 1);
    n_sorted_ = kept_sorted;
  }

  // temperature, softmax, draw.
  const double inv_t = 1.0 / params_.temperature;
  double sum = 0.0;
  for (size_t i = 0; i < n_cand_; ++i) {
    const double e = std::exp((double(cand_[i].logit) - max_logit) * inv_t);
    probs_[i] = static_cast<float>(e);
    sum += e;
  }
  const double target = next_uniform() * sum;
  double cum = 0.0;
  for (size_t i = 0; i < n_cand_; ++i) {
    cum += probs_[i];
    if (target < cum) return cand_[i].id;
  }
  // Rounding left the target at the very end: the last candidate with any mass.
  for (size_t i = n_cand_; i-- > 0;) {
    if (probs_[i] > 0.0f) return cand_[i].id;
  }
  return cand_[0].id;
}

std::string_view finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kEndOfGeneration:
      return "eos";
    case FinishReason::kNone:
      break;
  }
  return "";
}

StopCondition::StopCondition(std::vector<std::string> stop, int32_t max_tokens)
    : stop_(std::move(stop)), max_tokens_(max_tokens) {
  size_t longest = 0;
  for (const auto& s : stop_) longest = std::max(longest, s.size());
  pending_.reserve(longest + 256);
  out_.reserve(longest + 256);
}

Expected<StopCondition> StopCondition::create(std::vector<std::string> stop, int32_t max_tokens) {
  if (max_tokens <= 0) {
    return Error{"max_tokens " + std::to_string(max_tokens) + " must be >= 1"};
  }
  for (size_t i = 0; i < stop.size(); ++i) {
    if (stop[i].empty()) return Error{"stop[" + std::to_string(i) + "] is an empty string"};
  }
  return StopCondition(std::move(stop), max_tokens);
}

StopCondition::Step StopCondition::push(std::string_view piece) {
  if (done_) return Step{{}, true, FinishReason::kNone};
  ++n_tokens_;
  pending_.append(piece);

  // A complete stop string: everything before the earliest one, and nothing after.
  size_t stop_at = std::string::npos;
  for (const auto& s : stop_) stop_at = std::min(stop_at, pending_.find(s));
  if (stop_at != std::string::npos) {
    out_.assign(pending_, 0, stop_at);
    pending_.clear();
    done_ = true;
    return Step{out_, true, FinishReason::kStop};
  }
  if (n_tokens_ >= max_tokens_) return finish(FinishReason::kLength);

  // Hold back the longest tail of the text that could still grow into a stop string.
  size_t hold = 0;
  for (const auto& s : stop_) {
    for (size_t n = std::min(s.size() - 1, pending_.size()); n > hold; --n) {
      if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
        hold = n;
        break;
      }
    }
  }
  out_.assign(pending_, 0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return Step{out_, false, FinishReason::kNone};
}

StopCondition::Step StopCondition::finish(FinishReason reason) {
  if (done_) return Step{{}, true, FinishReason::kNone};
  out_.assign(pending_);
  pending_.clear();
  done_ = true;
  return Step{out_, true, reason};
}

}  // namespace airan::llm
