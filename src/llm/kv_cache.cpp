// Paged KV cache: one pool sized at creation, pages handed to sequences from a free stack.
#include "airan/llm/kv_cache.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <new>
#include <string>

namespace airan::llm {

namespace {

std::string plural(uint64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

uint32_t pages_for(uint64_t tokens) {
  return static_cast<uint32_t>((tokens + KvCache::kPageTokens - 1) / KvCache::kPageTokens);
}

}  // namespace

const char* kv_type_name(KvType type) {
  return type == KvType::kF16 ? "f16" : "f32";
}

KvCacheConfig KvCacheConfig::for_model(const ModelParams& params, uint32_t max_tokens,
                                       uint32_t max_sequences, KvType type) {
  KvCacheConfig c;
  c.n_layer = params.n_layer;
  c.n_head_kv = params.n_head_kv;
  c.head_dim = params.head_dim;
  c.head_dim_v = params.head_dim_v;
  c.max_tokens = max_tokens;
  c.max_sequences = max_sequences;
  c.max_seq_tokens = 0;
  c.type = type;
  return c;
}

Expected<KvCache> KvCache::create(const KvCacheConfig& config) {
  struct Field {
    const char* name;
    uint32_t value;
  };
  for (const Field& f :
       {Field{"n_layer", config.n_layer}, Field{"n_head_kv", config.n_head_kv},
        Field{"head_dim", config.head_dim}, Field{"head_dim_v", config.head_dim_v},
        Field{"max_tokens", config.max_tokens}, Field{"max_sequences", config.max_sequences}}) {
    if (f.value == 0) return Error{std::string("KV cache: ") + f.name + " is 0, expected >= 1"};
  }
  KvCache cache;
  cache.config_ = config;
  if (cache.config_.max_seq_tokens == 0) cache.config_.max_seq_tokens = config.max_tokens;
  if (cache.config_.max_seq_tokens > config.max_tokens) {
    return Error{"KV cache: max_seq_tokens = " + std::to_string(config.max_seq_tokens) +
                 " exceeds max_tokens = " + std::to_string(config.max_tokens)};
  }
  cache.n_pages_ = pages_for(config.max_tokens);
  cache.max_seq_pages_ = pages_for(cache.config_.max_seq_tokens);
  const size_t vb = cache.value_bytes();
  cache.k_block_bytes_ = static_cast<size_t>(kPageTokens) * config.head_dim * vb;
  cache.v_block_bytes_ = static_cast<size_t>(kPageTokens) * config.head_dim_v * vb;
  const long double blocks =
      static_cast<long double>(config.n_layer) * cache.n_pages_ * config.n_head_kv;
  const long double total = blocks * (cache.k_block_bytes_ + cache.v_block_bytes_);
  if (total > static_cast<long double>(std::numeric_limits<size_t>::max() / 2)) {
    return Error{"KV cache: " + std::to_string(config.max_tokens) +
                 " tokens do not fit in memory (max_tokens too large)"};
  }
  const size_t n_blocks = static_cast<size_t>(blocks);
  cache.pool_bytes_ = n_blocks * (cache.k_block_bytes_ + cache.v_block_bytes_);
  // Uninitialised on purpose: pages are written before they are read, and untouched pages cost
  // no resident memory.
  cache.k_.reset(new (std::nothrow) uint8_t[n_blocks * cache.k_block_bytes_]);
  cache.v_.reset(new (std::nothrow) uint8_t[n_blocks * cache.v_block_bytes_]);
  if (!cache.k_ || !cache.v_) {
    return Error{"KV cache: cannot allocate " + std::to_string(cache.pool_bytes_) + " bytes for " +
                 std::to_string(config.max_tokens) + " tokens"};
  }
  cache.free_pages_.reserve(cache.n_pages_);
  for (uint32_t p = cache.n_pages_; p-- > 0;) cache.free_pages_.push_back(p);
  cache.sequences_.resize(config.max_sequences);
  for (Sequence& s : cache.sequences_) s.pages.reserve(cache.max_seq_pages_);
  return cache;
}

uint32_t KvCache::length(uint32_t seq) const {
  return seq < sequences_.size() ? sequences_[seq].length : 0;
}

uint32_t KvCache::pages_needed(uint32_t seq, uint32_t n_new) const {
  if (seq >= sequences_.size()) return 0;
  const Sequence& s = sequences_[seq];
  const uint32_t want = pages_for(static_cast<uint64_t>(s.length) + n_new);
  return want > s.pages.size() ? want - static_cast<uint32_t>(s.pages.size()) : 0;
}

Status KvCache::check_room(uint32_t seq, uint32_t n_new) const {
  if (seq >= sequences_.size()) {
    return Error{"KV cache: sequence id " + std::to_string(seq) + " out of range [0, " +
                 std::to_string(sequences_.size()) + ")"};
  }
  const uint64_t want = static_cast<uint64_t>(sequences_[seq].length) + n_new;
  if (want > config_.max_seq_tokens) {
    return Error{"KV cache: sequence " + std::to_string(seq) + " would hold " +
                 std::to_string(want) + " tokens, more than its context of " +
                 std::to_string(config_.max_seq_tokens)};
  }
  const uint32_t need = pages_needed(seq, n_new);
  if (need > free_pages()) {
    return Error{"KV cache budget exceeded: sequence " + std::to_string(seq) + " needs " +
                 plural(need, "more page") + " (" + std::to_string(kPageTokens) +
                 " tokens each) but " + std::to_string(free_pages()) + " of " +
                 plural(n_pages_, "page") + " (" + std::to_string(config_.max_tokens) +
                 " tokens) are free; free a sequence or raise max_tokens"};
  }
  return Status::ok();
}

Status KvCache::reserve(uint32_t seq, uint32_t n_new) {
  if (Status s = check_room(seq, n_new); !s) return s;
  Sequence& s = sequences_[seq];
  for (uint32_t need = pages_needed(seq, n_new); need > 0; --need) {
    s.pages.push_back(free_pages_.back());
    free_pages_.pop_back();
  }
  return Status::ok();
}

void KvCache::advance(uint32_t seq, uint32_t n) {
  if (seq >= sequences_.size()) return;
  Sequence& s = sequences_[seq];
  const uint64_t cap = static_cast<uint64_t>(s.pages.size()) * kPageTokens;
  s.length = static_cast<uint32_t>(std::min<uint64_t>(cap, static_cast<uint64_t>(s.length) + n));
}

void KvCache::truncate(uint32_t seq, uint32_t n_tokens) {
  if (seq >= sequences_.size()) return;
  Sequence& s = sequences_[seq];
  s.length = std::min(s.length, n_tokens);
  const uint32_t keep = pages_for(s.length);
  while (s.pages.size() > keep) {
    free_pages_.push_back(s.pages.back());
    s.pages.pop_back();
  }
}

void KvCache::clear() {
  for (uint32_t seq = 0; seq < sequences_.size(); ++seq) free_sequence(seq);
}

std::span<const uint32_t> KvCache::page_table(uint32_t seq) const {
  if (seq >= sequences_.size()) return {};
  return sequences_[seq].pages;
}

void KvCache::store(uint32_t layer, uint32_t seq, uint32_t pos, const float* k, const float* v) {
  const uint32_t page = sequences_[seq].pages[pos / kPageTokens];
  const uint32_t slot = pos % kPageTokens;
  const uint32_t hd = config_.head_dim;
  const uint32_t hdv = config_.head_dim_v;
  for (uint32_t h = 0; h < config_.n_head_kv; ++h) {
    uint8_t* kd = k_block(layer, page, h) + static_cast<size_t>(slot) * hd * value_bytes();
    uint8_t* vd = v_block(layer, page, h) + static_cast<size_t>(slot) * hdv * value_bytes();
    const float* ks = k + static_cast<size_t>(h) * hd;
    const float* vs = v + static_cast<size_t>(h) * hdv;
    if (config_.type == KvType::kF32) {
      std::memcpy(kd, ks, hd * sizeof(float));
      std::memcpy(vd, vs, hdv * sizeof(float));
    } else {
      auto* k16 = reinterpret_cast<uint16_t*>(kd);
      auto* v16 = reinterpret_cast<uint16_t*>(vd);
      for (uint32_t i = 0; i < hd; ++i) k16[i] = float_to_half(ks[i]);
      for (uint32_t i = 0; i < hdv; ++i) v16[i] = float_to_half(vs[i]);
    }
  }
}

uint16_t float_to_half(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) {  // Inf or NaN (NaN stays quiet NaN, payload kept where it fits)
    return static_cast<uint16_t>(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u | (a >> 13) : 0u));
  }
  if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to Inf
  if (a >= 0x38800000u) {  // normal half: rebias the exponent, round the 13 dropped bits to even
    const uint32_t r = a - 0x38000000u;
    return static_cast<uint16_t>(sign | ((r + 0xfffu + ((r >> 13) & 1u)) >> 13));
  }
  // Subnormal half: adding 0.5 makes the FPU round to a multiple of 2^-24, to nearest even.
  const float t = std::bit_cast<float>(a) + 0.5f;
  return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(t) - 0x3f000000u));
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    const float m = static_cast<float>(mant) * 5.9604644775390625e-8f;  // mant * 2^-24
    return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(m));
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

}  // namespace airan::llm
