#pragma once
// GGUF (v2/v3) model files: a defensive reader over a read-only memory mapping.
//
// Layout (little-endian): magic "GGUF", u32 version, u64 tensor count, u64 metadata count, the
// metadata key/value pairs, the tensor table, padding to `general.alignment` (default 32), then the
// tensor data. Every length, count, offset, shape and type is checked before use; what is wrong is
// reported with its byte offset in the file.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"

namespace airan::llm {

/// Metadata value types, numbered as in the file.
enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

/// Name of a metadata value type ("u32", "string", "array", ...); "type#N" for an unknown one.
std::string gguf_type_name(GgufType type);

/// Tensor element types (ggml numbering). Only the ones airan knows the size of are named.
enum class TensorType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
};

/// Size facts of a tensor type: `block_elements` values are stored in `block_bytes` bytes.
struct TensorTypeTraits {
  const char* name;
  uint32_t block_elements;
  uint32_t block_bytes;
  bool engine_supported;  ///< F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K: the engine computes
                          ///< with it
};

/// Traits of a tensor type, or nullptr when airan does not know the type's layout.
const TensorTypeTraits* tensor_type_traits(uint32_t type);

/// Name of a tensor type ("Q4_K"), or "unknown#N".
std::string tensor_type_name(uint32_t type);

/// One metadata value. Strings view the file's bytes and live as long as the GgufFile.
struct GgufValue {
  GgufType type = GgufType::kUint8;
  uint64_t u64 = 0;  ///< unsigned integers and bool (0/1)
  int64_t i64 = 0;   ///< signed integers
  double f64 = 0.0;  ///< float32 and float64
  std::string_view str;
  // Arrays: element type and count; numbers as raw little-endian bytes, strings and nested
  // arrays decoded.
  GgufType element_type = GgufType::kUint8;
  uint64_t count = 0;
  std::span<const uint8_t> raw;
  std::vector<std::string_view> strings;
  std::vector<GgufValue> arrays;

  bool is_array() const { return type == GgufType::kArray; }
  /// Element `i` of a numeric array as double (0 for other types or out of range).
  double number_at(uint64_t i) const;
  /// Short human rendering ("42", "\"llama\"", "[f32 x 512: -1000, -1000, ...]").
  std::string to_string(size_t max_items = 8) const;
};

/// One metadata key/value pair and where it starts in the file.
struct GgufKeyValue {
  std::string key;
  GgufValue value;
  uint64_t file_offset = 0;
};

/// One entry of the tensor table.
struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> shape;  ///< ne[0] (the contiguous row length) first, as ggml orders it
  uint32_t type = 0;           ///< ggml type number; see tensor_type_traits()
  uint64_t data_offset = 0;    ///< offset inside the data section
  uint64_t file_offset = 0;    ///< absolute byte offset of the data in the file
  uint64_t info_offset = 0;    ///< where this entry of the tensor table starts in the file
  int64_t n_elements = 0;
  uint64_t n_bytes = 0;  ///< 0 when the type's layout is unknown
  bool type_known() const { return tensor_type_traits(type) != nullptr; }
  /// "[64, 512]" in ggml order.
  std::string shape_string() const;
};

/// A parsed GGUF file. Movable, not copyable; tensor data and metadata strings point into it.
class GgufFile {
 public:
  /// Maps `path` read-only and parses it. Error: the file cannot be opened, or what is wrong and at
  /// which byte offset.
  static Expected<GgufFile> open(const std::filesystem::path& path);
  /// Parses a copy of `bytes` (tests, fuzzing). `name` is used in messages.
  static Expected<GgufFile> parse(std::span<const uint8_t> bytes, std::string name = "<memory>");

  GgufFile(GgufFile&&) noexcept;
  GgufFile& operator=(GgufFile&&) noexcept;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;
  ~GgufFile();

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  /// Byte offset of the tensor data section in the file.
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return bytes_.size(); }
  const std::string& name() const { return name_; }

  const std::vector<GgufKeyValue>& metadata() const { return kv_; }
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }

  /// The key/value pair named `key`, or nullptr.
  const GgufKeyValue* find(std::string_view key) const;
  /// The tensor named `name`, or nullptr.
  const GgufTensorInfo* find_tensor(std::string_view name) const;

  // Typed metadata accessors. Error: the key is missing, or holds another type (the message names
  // the key, its type and the expected one). Integer accessors accept any integer type whose value
  // fits; f32 accepts float32 and float64.
  Expected<std::string> get_string(std::string_view key) const;
  Expected<uint32_t> get_u32(std::string_view key) const;
  Expected<int32_t> get_i32(std::string_view key) const;
  Expected<uint64_t> get_u64(std::string_view key) const;
  Expected<float> get_f32(std::string_view key) const;
  Expected<bool> get_bool(std::string_view key) const;
  Expected<std::vector<std::string_view>> get_string_array(std::string_view key) const;
  Expected<std::vector<float>> get_f32_array(std::string_view key) const;
  Expected<std::vector<int32_t>> get_i32_array(std::string_view key) const;
  /// Number of elements of the array `key`.
  Expected<uint64_t> get_array_size(std::string_view key) const;

  /// Same as above, but `fallback` when the key is absent (a present key of the wrong type is
  /// still an error).
  Expected<uint32_t> get_u32_or(std::string_view key, uint32_t fallback) const;
  Expected<float> get_f32_or(std::string_view key, float fallback) const;
  Expected<bool> get_bool_or(std::string_view key, bool fallback) const;
  Expected<std::string> get_string_or(std::string_view key, std::string fallback) const;

  /// The bytes of a tensor's data. Error: the tensor's type is not known to airan.
  Expected<std::span<const uint8_t>> tensor_data(const GgufTensorInfo& tensor) const;

  /// Hint that `bytes` (inside this file's data) will not be read again: when the file is mapped,
  /// the whole pages among them leave the process's resident set (a later read maps them back
  /// from the file); a parsed copy is left as it is.
  void release_pages(std::span<const uint8_t> bytes) const;

 private:
  struct Storage;
  GgufFile();
  Status parse_all();

  std::unique_ptr<Storage> storage_;
  std::span<const uint8_t> bytes_;
  std::string name_;
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<GgufKeyValue> kv_;
  std::vector<GgufTensorInfo> tensors_;
};

}  // namespace airan::llm
