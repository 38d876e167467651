#pragma once
// Key/value cache of the attention layers: one pool of cells, sized once, shared by every sequence
// of a batch. Cells come in pages of kPageTokens tokens; a sequence owns a list of pages (its
// page table), grows one page at a time and gives its pages back when it is freed, so sequences
// can join and leave between steps without moving anyone's data. Values are stored as F16 (what
// llama.cpp does by default) or F32 (for exact checks).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/model_params.h"

namespace airan::llm {

/// Element type of the cached keys and values.
enum class KvType { kF16, kF32 };

/// "f16" or "f32".
const char* kv_type_name(KvType type);

/// Shape and budget of a KV cache.
struct KvCacheConfig {
  uint32_t n_layer = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;        ///< values per key head
  uint32_t head_dim_v = 0;      ///< values per value head
  uint32_t max_tokens = 0;      ///< token budget of all sequences together (rounded up to pages)
  uint32_t max_sequences = 1;   ///< sequence ids are 0 .. max_sequences-1
  uint32_t max_seq_tokens = 0;  ///< context of one sequence (tokens); 0 means max_tokens
  KvType type = KvType::kF16;

  /// The configuration for `params` with the given budget, sequences and element type.
  static KvCacheConfig for_model(const ModelParams& params, uint32_t max_tokens,
                                 uint32_t max_sequences, KvType type = KvType::kF16);
};

/// Paged K/V storage. Movable, not copyable.
class KvCache {
 public:
  static constexpr uint32_t kPageTokens = 16;

  /// Allocates the pool for `config` (no allocation afterwards). Error: a zero or inconsistent
  /// field (named), or a pool larger than the address space.
  static Expected<KvCache> create(const KvCacheConfig& config);

  KvCache(KvCache&&) noexcept = default;
  KvCache& operator=(KvCache&&) noexcept = default;
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  const KvCacheConfig& config() const { return config_; }
  KvType type() const { return config_.type; }
  /// Bytes of one cached value (2 for F16, 4 for F32).
  size_t value_bytes() const { return config_.type == KvType::kF16 ? 2 : 4; }
  /// Bytes of the whole pool.
  size_t pool_bytes() const { return pool_bytes_; }

  /// Tokens stored for sequence `seq` (0 for an unknown or empty sequence).
  uint32_t length(uint32_t seq) const;
  /// Pages not owned by any sequence.
  uint32_t free_pages() const { return static_cast<uint32_t>(free_pages_.size()); }
  uint32_t total_pages() const { return n_pages_; }
  /// Pages sequence `seq` must still acquire to hold `n_new` more tokens (0 for an unknown one).
  uint32_t pages_needed(uint32_t seq, uint32_t n_new) const;

  /// Checks that `n_new` more tokens fit sequence `seq` (id, context and budget) without changing
  /// anything. Error names the sequence, what it needs and what is free.
  Status check_room(uint32_t seq, uint32_t n_new) const;
  /// Gives sequence `seq` the pages for `n_new` more tokens (the length does not change until
  /// advance). Error: as check_room; then nothing is changed.
  Status reserve(uint32_t seq, uint32_t n_new);
  /// Marks `n` more tokens of `seq` as written (they must have been reserved).
  void advance(uint32_t seq, uint32_t n);
  /// Keeps the first `n_tokens` tokens of `seq` and gives back the pages it no longer needs.
  void truncate(uint32_t seq, uint32_t n_tokens);
  /// Empties sequence `seq` and returns all its pages to the pool.
  void free_sequence(uint32_t seq) { truncate(seq, 0); }
  /// Empties every sequence.
  void clear();

  /// Pages of sequence `seq` in position order (position p lives in page p / kPageTokens).
  std::span<const uint32_t> page_table(uint32_t seq) const;

  /// Start of the keys of (layer, page, kv head): kPageTokens rows of head_dim values, one per
  /// token slot of the page, in the cache's element type.
  uint8_t* k_block(uint32_t layer, uint32_t page, uint32_t head) {
    return k_.get() + block_index(layer, page, head) * k_block_bytes_;
  }
  const uint8_t* k_block(uint32_t layer, uint32_t page, uint32_t head) const {
    return k_.get() + block_index(layer, page, head) * k_block_bytes_;
  }
  /// Start of the values of (layer, page, kv head): kPageTokens rows of head_dim_v values.
  uint8_t* v_block(uint32_t layer, uint32_t page, uint32_t head) {
    return v_.get() + block_index(layer, page, head) * v_block_bytes_;
  }
  const uint8_t* v_block(uint32_t layer, uint32_t page, uint32_t head) const {
    return v_.get() + block_index(layer, page, head) * v_block_bytes_;
  }

  /// Stores the keys and values of one token of `seq` at position `pos` (reserved) for `layer`:
  /// `k` holds n_head_kv * head_dim values, `v` n_head_kv * head_dim_v values (F32, rounded to
  /// the cache type to nearest even).
  void store(uint32_t layer, uint32_t seq, uint32_t pos, const float* k, const float* v);

 private:
  struct Sequence {
    uint32_t length = 0;
    std::vector<uint32_t> pages;  // capacity reserved at creation
  };

  KvCache() = default;
  size_t block_index(uint32_t layer, uint32_t page, uint32_t head) const {
    return (static_cast<size_t>(layer) * n_pages_ + page) * config_.n_head_kv + head;
  }

  KvCacheConfig config_;
  uint32_t n_pages_ = 0;
  uint32_t max_seq_pages_ = 0;
  size_t k_block_bytes_ = 0;
  size_t v_block_bytes_ = 0;
  size_t pool_bytes_ = 0;
  std::unique_ptr<uint8_t[]> k_;
  std::unique_ptr<uint8_t[]> v_;
  std::vector<uint32_t> free_pages_;  // a stack; capacity n_pages_
  std::vector<Sequence> sequences_;
};

/// IEEE binary16 bits of `f`, rounded to nearest even (as F16C's vcvtps2ph does).
uint16_t float_to_half(float f);
/// The float value of IEEE binary16 bits `h` (exact).
float half_to_float(uint16_t h);

}  // namespace airan::llm
