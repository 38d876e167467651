#pragma once
// Writing GGUF v3 files: metadata, a tensor table and tensor data (streamed one tensor at a time,
// so files far larger than memory can be written), and `write_random_model`, which makes a
// Llama-family model with random weights of any shape and tensor type for tests and benchmarks
// (`airan llm make-model`).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"
#include "airan/llm/gguf.h"

namespace airan::llm {

/// Builds a GGUF v3 file. Metadata keys keep the order they were first set in; setting a key again
/// replaces its value.
class GgufWriter {
 public:
  /// `alignment`: of the data section and of every tensor (a power of two; written as
  /// general.alignment). Non-powers of two are rounded up to the next one.
  explicit GgufWriter(uint32_t alignment = 32);

  void set_u8(std::string_view key, uint8_t v);
  void set_i8(std::string_view key, int8_t v);
  void set_u16(std::string_view key, uint16_t v);
  void set_i16(std::string_view key, int16_t v);
  void set_u32(std::string_view key, uint32_t v);
  void set_i32(std::string_view key, int32_t v);
  void set_u64(std::string_view key, uint64_t v);
  void set_i64(std::string_view key, int64_t v);
  void set_f32(std::string_view key, float v);
  void set_f64(std::string_view key, double v);
  void set_bool(std::string_view key, bool v);
  void set_string(std::string_view key, std::string_view v);
  void set_string_array(std::string_view key, std::span<const std::string> v);
  void set_f32_array(std::string_view key, std::span<const float> v);
  void set_i32_array(std::string_view key, std::span<const int32_t> v);
  /// Copies a value read from another file (any type, arrays and nested arrays included).
  /// Error: the value's type is not a GGUF type.
  Status copy_value(std::string_view key, const GgufValue& value);
  /// True when `key` has been set.
  bool has_key(std::string_view key) const;

  /// Declares a tensor; `shape` is in ggml order (ne[0], the row length, first). Error: empty or
  /// duplicate name, 0 or more than 4 dimensions, a dimension < 1, a type airan does not know, or
  /// a row length that is not a multiple of the type's block size.
  Status add_tensor(std::string_view name, std::vector<int64_t> shape, TensorType type);

  /// One declared tensor: its name, shape, type and place in the data section.
  struct TensorEntry {
    std::string name;
    std::vector<int64_t> shape;
    TensorType type = TensorType::kF32;
    uint64_t data_offset = 0;  ///< inside the data section
    uint64_t n_bytes = 0;
  };
  const std::vector<TensorEntry>& tensors() const { return tensors_; }

  /// Writes tensor `index`'s data into `dst` (exactly its n_bytes). An error aborts the write.
  using TensorFiller = std::function<Status(size_t index, std::span<uint8_t> dst)>;

  /// Writes the file to `path`, asking `fill` for each tensor's data in table order. Error: the
  /// file cannot be written (named), or `fill` failed.
  Status write_file(const std::filesystem::path& path, const TensorFiller& fill) const;
  /// The same bytes in memory (small files, tests).
  Expected<std::vector<uint8_t>> write_memory(const TensorFiller& fill) const;

  /// Size of the file write_file() would produce, in bytes.
  uint64_t file_size() const;

 private:
  struct Entry {
    std::string key;
    std::vector<uint8_t> encoded;  // value type + value
  };
  void set_encoded(std::string_view key, std::vector<uint8_t> encoded);
  std::vector<uint8_t> header_bytes() const;
  Status write_to(const std::function<Status(std::span<const uint8_t>)>& sink,
                  const TensorFiller& fill) const;

  uint32_t alignment_ = 32;
  std::vector<Entry> kv_;
  std::vector<TensorEntry> tensors_;
  uint64_t data_bytes_ = 0;
};

/// Tensor type from its name ("F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"; any
/// case). Error: the name is not one of the engine's types.
Expected<TensorType> engine_tensor_type_from_name(std::string_view name);

/// Half-precision (IEEE binary16) bits of `f`, rounded to nearest even.
uint16_t f32_to_f16(float f);
/// bfloat16 bits of `f`, rounded to nearest even (NaN stays NaN).
uint16_t f32_to_bf16(float f);

/// The shape and contents of a random-weight model.
struct RandomModelSpec {
  std::string arch = "llama";  ///< "llama" or "qwen2" (adds Q/K/V biases)
  uint32_t n_embd = 256;
  uint32_t n_layer = 2;
  uint32_t n_head = 8;
  uint32_t n_head_kv = 4;
  uint32_t n_ff = 768;
  uint32_t n_vocab = 512;  ///< 0 with vocab_from: the copied vocabulary's size
  uint32_t n_ctx = 2048;   ///< {arch}.context_length
  uint32_t head_dim = 0;   ///< 0: n_embd / n_head; otherwise written as attention.key_length
  TensorType type = TensorType::kF32;  ///< type of the 2-D weights (norms and biases are F32)
  uint64_t seed = 1;
  float rope_freq_base = 10000.0f;
  float rms_eps = 1e-5f;
  bool tied_embeddings = false;  ///< no output.weight (the engine reuses token_embd)
  /// GGUF whose `tokenizer.*` metadata is copied; empty: a generated byte-level SPM vocabulary.
  std::filesystem::path vocab_from;
  std::string chat_template;  ///< written as tokenizer.chat_template when not empty
  unsigned threads = 0;       ///< threads generating weights; 0: all cores
};

/// What write_random_model wrote.
struct RandomModelReport {
  uint64_t file_bytes = 0;
  uint64_t n_params = 0;
  uint32_t n_vocab = 0;
  /// One line per 2-D tensor whose row length the requested type's block does not divide, and
  /// which was written in a fallback type (Q8_0, else F16) instead.
  std::vector<std::string> fallbacks;
};

/// Checks a spec. Error: names the field and the allowed values.
Status validate(const RandomModelSpec& spec);

/// Writes a GGUF v3 model with weights drawn from N(0, 1/fan_in) (token embedding N(0, 1), as a
/// lookup table; norm weights 1 + N(0, 0.01^2)), deterministic for a seed whatever the thread
/// count, with all llama.cpp hyperparameter keys and a tokenizer. Error: invalid spec, unreadable
/// vocab_from, or the file cannot be written.
Expected<RandomModelReport> write_random_model(const RandomModelSpec& spec,
                                               const std::filesystem::path& out);

/// The generated vocabulary's tokenizer metadata (`tokenizer.ggml.*`): <unk>, <s>, </s>, the 256
/// byte tokens <0x00>..<0xFF>, then pieces ("▁", printable ASCII, then strings over "▁a-z" by
/// length) until `n_vocab` tokens. Error: n_vocab < 259.
Status add_generated_vocab(GgufWriter& writer, uint32_t n_vocab);

}  // namespace airan::llm
