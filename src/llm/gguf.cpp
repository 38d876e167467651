// GGUF reader: every read goes through a bounds-checked cursor; every error names the byte offset.
#include "airan/llm/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <unordered_set>

namespace airan::llm {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader assumes a little-endian host");

namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint32_t kDefaultAlignment = 32;
constexpr int kMaxArrayDepth = 8;  // nested arrays deeper than this are refused (stack safety)
constexpr int kMaxDims = 4;        // ggml tensors have at most 4 dimensions
constexpr uint64_t kMaxTensorNameBytes = 256;

// Smallest encoding of one element of each value type, used to refuse counts the remaining bytes
// cannot possibly hold before anything is allocated for them.
uint64_t min_encoded_size(GgufType t) {
  switch (t) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool:
      return 1;
    case GgufType::kUint16:
    case GgufType::kInt16:
      return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32:
      return 4;
    case GgufType::kUint64:
    case GgufType::kInt64:
    case GgufType::kFloat64:
    case GgufType::kString:  // u64 length
      return 8;
    case GgufType::kArray:  // u32 type + u64 count
      return 12;
  }
  return 0;
}

bool valid_type(uint32_t t) {
  return t <= static_cast<uint32_t>(GgufType::kFloat64);
}

bool is_integer(GgufType t) {
  switch (t) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kUint16:
    case GgufType::kInt16:
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kUint64:
    case GgufType::kInt64:
      return true;
    default:
      return false;
  }
}

bool is_signed(GgufType t) {
  return t == GgufType::kInt8 || t == GgufType::kInt16 || t == GgufType::kInt32 ||
         t == GgufType::kInt64;
}

// Reads little-endian values from a byte span; every read is checked against the end.
class Cursor {
 public:
  Cursor(std::span<const uint8_t> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return bytes_.size() - pos_; }
  void seek(uint64_t pos) { pos_ = pos; }

  Error error_at(uint64_t offset, const std::string& what) const {
    return Error{name_ + ": byte " + std::to_string(offset) + ": " + what};
  }

  template <typename T>
  Expected<T> read(const char* what) {
    if (remaining() < sizeof(T)) {
      return error_at(pos_, std::string("truncated: ") + what + " needs " +
                                std::to_string(sizeof(T)) + " bytes, " +
                                std::to_string(remaining()) + " left in the file");
    }
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  Expected<std::string_view> read_string(const std::string& what) {
    const uint64_t start = pos_;
    auto len = read<uint64_t>((what + " length").c_str());
    if (!len) return len.error();
    if (*len > remaining()) {
      return error_at(start, what + " length " + std::to_string(*len) + " exceeds the " +
                                 std::to_string(remaining()) + " bytes left in the file");
    }
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_),
                       static_cast<size_t>(*len));
    pos_ += *len;
    return s;
  }

  Expected<std::span<const uint8_t>> take(uint64_t n, const std::string& what) {
    if (n > remaining()) {
      return error_at(pos_, "truncated: " + what + " needs " + std::to_string(n) + " bytes, " +
                                std::to_string(remaining()) + " left in the file");
    }
    auto s = bytes_.subspan(static_cast<size_t>(pos_), static_cast<size_t>(n));
    pos_ += n;
    return s;
  }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& name_;
  uint64_t pos_ = 0;
};

Expected<GgufValue> parse_value(Cursor& c, GgufType type, int depth, const std::string& what) {
  GgufValue v;
  v.type = type;
  const uint64_t start = c.pos();
  switch (type) {
    case GgufType::kUint8: {
      auto x = c.read<uint8_t>(what.c_str());
      if (!x) return x.error();
      v.u64 = *x;
      break;
    }
    case GgufType::kInt8: {
      auto x = c.read<int8_t>(what.c_str());
      if (!x) return x.error();
      v.i64 = *x;
      break;
    }
    case GgufType::kUint16: {
      auto x = c.read<uint16_t>(what.c_str());
      if (!x) return x.error();
      v.u64 = *x;
      break;
    }
    case GgufType::kInt16: {
      auto x = c.read<int16_t>(what.c_str());
      if (!x) return x.error();
      v.i64 = *x;
      break;
    }
    case GgufType::kUint32: {
      auto x = c.read<uint32_t>(what.c_str());
      if (!x) return x.error();
      v.u64 = *x;
      break;
    }
    case GgufType::kInt32: {
      auto x = c.read<int32_t>(what.c_str());
      if (!x) return x.error();
      v.i64 = *x;
      break;
    }
    case GgufType::kUint64: {
      auto x = c.read<uint64_t>(what.c_str());
      if (!x) return x.error();
      v.u64 = *x;
      break;
    }
    case GgufType::kInt64: {
      auto x = c.read<int64_t>(what.c_str());
      if (!x) return x.error();
      v.i64 = *x;
      break;
    }
    case GgufType::kFloat32: {
      auto x = c.read<float>(what.c_str());
      if (!x) return x.error();
      v.f64 = *x;
      break;
    }
    case GgufType::kFloat64: {
      auto x = c.read<double>(what.c_str());
      if (!x) return x.error();
      v.f64 = *x;
      break;
    }
    case GgufType::kBool: {
      auto x = c.read<uint8_t>(what.c_str());
      if (!x) return x.error();
      if (*x > 1) {
        return c.error_at(start, what + ": bool value " + std::to_string(*x) + " is not 0 or 1");
      }
      v.u64 = *x;
      break;
    }
    case GgufType::kString: {
      auto s = c.read_string(what);
      if (!s) return s.error();
      v.str = *s;
      break;
    }
    case GgufType::kArray: {
      if (depth >= kMaxArrayDepth) {
        return c.error_at(start, what + ": arrays nested deeper than " +
                                     std::to_string(kMaxArrayDepth) + " levels");
      }
      auto et = c.read<uint32_t>((what + " element type").c_str());
      if (!et) return et.error();
      if (!valid_type(*et)) {
        return c.error_at(start, what + ": unknown array element type " + std::to_string(*et) +
                                     " (expected 0..12)");
      }
      v.element_type = static_cast<GgufType>(*et);
      const uint64_t count_pos = c.pos();
      auto n = c.read<uint64_t>((what + " element count").c_str());
      if (!n) return n.error();
      v.count = *n;
      const uint64_t min_size = min_encoded_size(v.element_type);
      if (v.count > c.remaining() / min_size) {
        return c.error_at(count_pos, what + ": array of " + std::to_string(v.count) + " " +
                                         gguf_type_name(v.element_type) + " cannot fit in the " +
                                         std::to_string(c.remaining()) + " bytes left in the file");
      }
      if (v.element_type == GgufType::kString) {
        v.strings.reserve(static_cast<size_t>(v.count));
        for (uint64_t i = 0; i < v.count; ++i) {
          auto s = c.read_string(what + "[" + std::to_string(i) + "]");
          if (!s) return s.error();
          v.strings.push_back(*s);
        }
      } else if (v.element_type == GgufType::kArray) {
        v.arrays.reserve(static_cast<size_t>(v.count));
        for (uint64_t i = 0; i < v.count; ++i) {
          auto e =
              parse_value(c, GgufType::kArray, depth + 1, what + "[" + std::to_string(i) + "]");
          if (!e) return e.error();
          v.arrays.push_back(std::move(*e));
        }
      } else {
        auto raw = c.take(v.count * min_size, what + " data");
        if (!raw) return raw.error();
        v.raw = *raw;
        if (v.element_type == GgufType::kBool) {
          for (uint64_t i = 0; i < v.count; ++i) {
            if (v.raw[i] > 1) {
              return c.error_at(count_pos + 8 + i, what + "[" + std::to_string(i) +
                                                       "]: bool value " + std::to_string(v.raw[i]) +
                                                       " is not 0 or 1");
            }
          }
        }
      }
      break;
    }
  }
  return v;
}

std::string format_double(double x) {
  std::ostringstream os;
  os.precision(7);
  os << x;
  return os.str();
}

std::string quote(std::string_view s, size_t max_chars = 60) {
  std::string out = "\"";
  size_t n = 0;
  for (char ch : s) {
    if (n++ >= max_chars) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '\n') {
      out += "\\n";
    } else if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace

std::string gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
      return "u8";
    case GgufType::kInt8:
      return "i8";
    case GgufType::kUint16:
      return "u16";
    case GgufType::kInt16:
      return "i16";
    case GgufType::kUint32:
      return "u32";
    case GgufType::kInt32:
      return "i32";
    case GgufType::kFloat32:
      return "f32";
    case GgufType::kBool:
      return "bool";
    case GgufType::kString:
      return "string";
    case GgufType::kArray:
      return "array";
    case GgufType::kUint64:
      return "u64";
    case GgufType::kInt64:
      return "i64";
    case GgufType::kFloat64:
      return "f64";
  }
  return "type#" + std::to_string(static_cast<uint32_t>(type));
}

const TensorTypeTraits* tensor_type_traits(uint32_t type) {
  // ggml's block layouts: e.g. Q8_0 = f16 scale + 32 int8; Q4_K = 2 f16 + 12 scale bytes + 128
  // nibble bytes per 256 values; Q6_K = 128 low + 64 high bits + 16 scales + f16 per 256.
  static const TensorTypeTraits kF32{"F32", 1, 4, true};
  static const TensorTypeTraits kF16{"F16", 1, 2, true};
  static const TensorTypeTraits kQ4_0{"Q4_0", 32, 18, true};
  static const TensorTypeTraits kQ4_1{"Q4_1", 32, 20, false};
  static const TensorTypeTraits kQ5_0{"Q5_0", 32, 22, false};
  static const TensorTypeTraits kQ5_1{"Q5_1", 32, 24, false};
  static const TensorTypeTraits kQ8_0{"Q8_0", 32, 34, true};
  static const TensorTypeTraits kQ8_1{"Q8_1", 32, 36, false};
  static const TensorTypeTraits kQ2_K{"Q2_K", 256, 84, false};
  static const TensorTypeTraits kQ3_K{"Q3_K", 256, 110, false};
  static const TensorTypeTraits kQ4_K{"Q4_K", 256, 144, true};
  static const TensorTypeTraits kQ5_K{"Q5_K", 256, 176, true};
  static const TensorTypeTraits kQ6_K{"Q6_K", 256, 210, true};
  static const TensorTypeTraits kQ8_K{"Q8_K", 256, 292, false};
  static const TensorTypeTraits kI8{"I8", 1, 1, false};
  static const TensorTypeTraits kI16{"I16", 1, 2, false};
  static const TensorTypeTraits kI32{"I32", 1, 4, false};
  static const TensorTypeTraits kI64{"I64", 1, 8, false};
  static const TensorTypeTraits kF64{"F64", 1, 8, false};
  static const TensorTypeTraits kBF16{"BF16", 1, 2, true};
  switch (static_cast<TensorType>(type)) {
    case TensorType::kF32:
      return &kF32;
    case TensorType::kF16:
      return &kF16;
    case TensorType::kQ4_0:
      return &kQ4_0;
    case TensorType::kQ4_1:
      return &kQ4_1;
    case TensorType::kQ5_0:
      return &kQ5_0;
    case TensorType::kQ5_1:
      return &kQ5_1;
    case TensorType::kQ8_0:
      return &kQ8_0;
    case TensorType::kQ8_1:
      return &kQ8_1;
    case TensorType::kQ2_K:
      return &kQ2_K;
    case TensorType::kQ3_K:
      return &kQ3_K;
    case TensorType::kQ4_K:
      return &kQ4_K;
    case TensorType::kQ5_K:
      return &kQ5_K;
    case TensorType::kQ6_K:
      return &kQ6_K;
    case TensorType::kQ8_K:
      return &kQ8_K;
    case TensorType::kI8:
      return &kI8;
    case TensorType::kI16:
      return &kI16;
    case TensorType::kI32:
      return &kI32;
    case TensorType::kI64:
      return &kI64;
    case TensorType::kF64:
      return &kF64;
    case TensorType::kBF16:
      return &kBF16;
  }
  return nullptr;
}

std::string tensor_type_name(uint32_t type) {
  if (const auto* t = tensor_type_traits(type)) return t->name;
  return "unknown#" + std::to_string(type);
}

double GgufValue::number_at(uint64_t i) const {
  if (type != GgufType::kArray || i >= count || raw.empty()) return 0.0;
  const uint8_t* p = raw.data() + i * min_encoded_size(element_type);
  auto get = [p](auto sample) {
    decltype(sample) x;
    std::memcpy(&x, p, sizeof x);
    return static_cast<double>(x);
  };
  switch (element_type) {
    case GgufType::kUint8:
    case GgufType::kBool:
      return get(uint8_t{});
    case GgufType::kInt8:
      return get(int8_t{});
    case GgufType::kUint16:
      return get(uint16_t{});
    case GgufType::kInt16:
      return get(int16_t{});
    case GgufType::kUint32:
      return get(uint32_t{});
    case GgufType::kInt32:
      return get(int32_t{});
    case GgufType::kFloat32:
      return get(float{});
    case GgufType::kUint64:
      return get(uint64_t{});
    case GgufType::kInt64:
      return get(int64_t{});
    case GgufType::kFloat64:
      return get(double{});
    default:
      return 0.0;
  }
}

std::string GgufValue::to_string(size_t max_items) const {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kUint16:
    case GgufType::kUint32:
    case GgufType::kUint64:
      return std::to_string(u64);
    case GgufType::kInt8:
    case GgufType::kInt16:
    case GgufType::kInt32:
    case GgufType::kInt64:
      return std::to_string(i64);
    case GgufType::kFloat32:
    case GgufType::kFloat64:
      return format_double(f64);
    case GgufType::kBool:
      return u64 ? "true" : "false";
    case GgufType::kString:
      return quote(str);
    case GgufType::kArray: {
      std::string out = "[" + gguf_type_name(element_type) + " x " + std::to_string(count) + ":";
      const uint64_t n = std::min<uint64_t>(count, max_items);
      for (uint64_t i = 0; i < n; ++i) {
        out += i ? ", " : " ";
        if (element_type == GgufType::kString) {
          out += quote(strings[i], 24);
        } else if (element_type == GgufType::kArray) {
          out += arrays[i].to_string(2);
        } else if (element_type == GgufType::kBool) {
          out += number_at(i) != 0.0 ? "true" : "false";
        } else {
          out += format_double(number_at(i));
        }
      }
      if (count > n) out += ", ...";
      return out + "]";
    }
  }
  return "?";
}

std::string GgufTensorInfo::shape_string() const {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

// Owns the bytes: a read-only mapping of a file, or a private copy.
struct GgufFile::Storage {
  void* map = nullptr;
  size_t map_size = 0;
  std::vector<uint8_t> copy;
  ~Storage() {
    if (map) munmap(map, map_size);
  }
};

GgufFile::GgufFile() : storage_(std::make_unique<Storage>()) {}
GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

void GgufFile::release_pages(std::span<const uint8_t> bytes) const {
  if (!storage_->map || bytes.empty()) return;
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<uintptr_t>(bytes.data()) + page - 1) / page * page;
  const auto end = reinterpret_cast<uintptr_t>(bytes.data() + bytes.size()) / page * page;
  const auto map_begin = reinterpret_cast<uintptr_t>(storage_->map);
  if (begin >= end || begin < map_begin || end > map_begin + storage_->map_size) return;
  // A clean private file mapping: dropping the pages loses nothing (a hint, so errors are moot).
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

Expected<GgufFile> GgufFile::open(const std::filesystem::path& path) {
  GgufFile f;
  f.name_ = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error{f.name_ + ": cannot open: " + std::strerror(errno)};
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return Error{f.name_ + ": cannot stat: " + std::strerror(e)};
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{f.name_ + ": not a regular file"};
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size > 0) {
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int e = errno;
      ::close(fd);
      return Error{f.name_ + ": cannot map " + std::to_string(size) +
                   " bytes: " + std::strerror(e)};
    }
    f.storage_->map = p;
    f.storage_->map_size = size;
    f.bytes_ = std::span<const uint8_t>(static_cast<const uint8_t*>(p), size);
  }
  ::close(fd);
  if (Status s = f.parse_all(); !s) return Error{s.message()};
  return f;
}

Expected<GgufFile> GgufFile::parse(std::span<const uint8_t> bytes, std::string name) {
  GgufFile f;
  f.name_ = std::move(name);
  f.storage_->copy.assign(bytes.begin(), bytes.end());
  f.bytes_ = f.storage_->copy;
  if (Status s = f.parse_all(); !s) return Error{s.message()};
  return f;
}

Status GgufFile::parse_all() {
  Cursor c(bytes_, name_);
  if (bytes_.size() < 24) {
    return c.error_at(0, "file is " + std::to_string(bytes_.size()) +
                             " bytes, shorter than the 24-byte GGUF header");
  }
  auto magic = c.read<uint32_t>("magic");
  if (*magic != kGgufMagic) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "bad magic 0x%08x (expected \"GGUF\")", *magic);
    return c.error_at(0, buf);
  }
  auto version = c.read<uint32_t>("version");
  if (*version != 2 && *version != 3) {
    return c.error_at(
        4, "GGUF version " + std::to_string(*version) + " is not supported (expected 2 or 3)");
  }
  version_ = *version;
  auto n_tensors = c.read<uint64_t>("tensor count");
  auto n_kv = c.read<uint64_t>("metadata count");
  // A key/value pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor entry at least
  // 8 (name length) + 4 (n_dims) + 8 (one dim) + 4 (type) + 8 (offset).
  if (*n_kv > c.remaining() / 13) {
    return c.error_at(16, "metadata count " + std::to_string(*n_kv) + " cannot fit in the " +
                              std::to_string(c.remaining()) + " bytes left in the file");
  }
  if (*n_tensors > c.remaining() / 32) {
    return c.error_at(8, "tensor count " + std::to_string(*n_tensors) + " cannot fit in the " +
                             std::to_string(c.remaining()) + " bytes left in the file");
  }

  kv_.reserve(static_cast<size_t>(*n_kv));
  std::unordered_set<std::string_view> seen_keys;
  for (uint64_t i = 0; i < *n_kv; ++i) {
    const uint64_t start = c.pos();
    auto key = c.read_string("metadata key #" + std::to_string(i));
    if (!key) return key.error();
    if (key->empty()) return c.error_at(start, "metadata key #" + std::to_string(i) + " is empty");
    if (!seen_keys.insert(*key).second) {
      return c.error_at(start, "duplicate metadata key \"" + std::string(*key) + "\"");
    }
    const std::string what = "metadata \"" + std::string(*key) + "\"";
    const uint64_t type_pos = c.pos();
    auto type = c.read<uint32_t>((what + " type").c_str());
    if (!type) return type.error();
    if (!valid_type(*type)) {
      return c.error_at(
          type_pos, what + ": unknown value type " + std::to_string(*type) + " (expected 0..12)");
    }
    auto value = parse_value(c, static_cast<GgufType>(*type), 0, what);
    if (!value) return value.error();
    kv_.push_back(GgufKeyValue{std::string(*key), std::move(*value), start});
  }

  if (const GgufKeyValue* a = find("general.alignment")) {
    const auto& v = a->value;
    if (v.type != GgufType::kUint32) {
      return c.error_at(a->file_offset,
                        "general.alignment has type " + gguf_type_name(v.type) + ", expected u32");
    }
    if (v.u64 == 0 || (v.u64 & (v.u64 - 1)) != 0) {
      return c.error_at(a->file_offset,
                        "general.alignment " + std::to_string(v.u64) + " is not a power of two");
    }
    alignment_ = static_cast<uint32_t>(v.u64);
  } else {
    alignment_ = kDefaultAlignment;
  }

  tensors_.reserve(static_cast<size_t>(*n_tensors));
  std::unordered_set<std::string> seen_names;
  for (uint64_t i = 0; i < *n_tensors; ++i) {
    GgufTensorInfo t;
    t.info_offset = c.pos();
    const std::string idx = "tensor #" + std::to_string(i);
    auto name = c.read_string(idx + " name");
    if (!name) return name.error();
    if (name->empty() || name->size() > kMaxTensorNameBytes) {
      return c.error_at(t.info_offset, idx + " name length " + std::to_string(name->size()) +
                                           " (expected 1.." + std::to_string(kMaxTensorNameBytes) +
                                           ")");
    }
    t.name = std::string(*name);
    if (!seen_names.insert(t.name).second) {
      return c.error_at(t.info_offset, "duplicate tensor name \"" + t.name + "\"");
    }
    const std::string what = "tensor \"" + t.name + "\"";
    const uint64_t dims_pos = c.pos();
    auto n_dims = c.read<uint32_t>((what + " n_dims").c_str());
    if (!n_dims) return n_dims.error();
    if (*n_dims < 1 || *n_dims > kMaxDims) {
      return c.error_at(dims_pos, what + ": n_dims " + std::to_string(*n_dims) + " (expected 1.." +
                                      std::to_string(kMaxDims) + ")");
    }
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < *n_dims; ++d) {
      const uint64_t dpos = c.pos();
      auto ne = c.read<uint64_t>((what + " dimension").c_str());
      if (!ne) return ne.error();
      if (*ne == 0 || *ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return c.error_at(dpos, what + ": dimension " + std::to_string(d) + " is " +
                                    std::to_string(*ne) + " (expected 1..2^63-1)");
      }
      const auto ne_i = static_cast<int64_t>(*ne);
      if (n_elements > std::numeric_limits<int64_t>::max() / ne_i) {
        return c.error_at(
            dpos, what + ": element count overflows 64 bits at dimension " + std::to_string(d));
      }
      n_elements *= ne_i;
      t.shape.push_back(ne_i);
    }
    t.n_elements = n_elements;
    auto type = c.read<uint32_t>((what + " type").c_str());
    if (!type) return type.error();
    t.type = *type;
    const uint64_t off_pos = c.pos();
    auto offset = c.read<uint64_t>((what + " data offset").c_str());
    if (!offset) return offset.error();
    t.data_offset = *offset;
    if (t.data_offset % alignment_ != 0) {
      return c.error_at(off_pos, what + ": data offset " + std::to_string(t.data_offset) +
                                     " is not a multiple of the alignment " +
                                     std::to_string(alignment_));
    }
    if (const TensorTypeTraits* tr = tensor_type_traits(t.type)) {
      if (t.shape[0] % tr->block_elements != 0) {
        return c.error_at(dims_pos, what + ": row length " + std::to_string(t.shape[0]) +
                                        " is not a multiple of the " + tr->name + " block size " +
                                        std::to_string(tr->block_elements));
      }
      const uint64_t blocks = static_cast<uint64_t>(n_elements) / tr->block_elements;
      if (blocks > std::numeric_limits<uint64_t>::max() / tr->block_bytes) {
        return c.error_at(dims_pos, what + ": byte size overflows 64 bits");
      }
      t.n_bytes = blocks * tr->block_bytes;
    }  // unknown types load; tensor_data() reports them when used
    tensors_.push_back(std::move(t));
  }

  // Data section: after the tensor table, padded to the alignment.
  const uint64_t table_end = c.pos();
  data_offset_ = (table_end + alignment_ - 1) / alignment_ * alignment_;
  const uint64_t file_size = bytes_.size();
  if (!tensors_.empty() && data_offset_ > file_size) {
    return c.error_at(table_end, "data section starts at byte " + std::to_string(data_offset_) +
                                     ", past the end of the " + std::to_string(file_size) +
                                     "-byte file");
  }
  const uint64_t data_size = data_offset_ <= file_size ? file_size - data_offset_ : 0;
  std::vector<const GgufTensorInfo*> by_offset;
  for (auto& t : tensors_) {
    const uint64_t off_field = t.info_offset + 8 + t.name.size() + 4 + 8 * t.shape.size() + 4;
    if (t.data_offset > data_size || t.n_bytes > data_size - t.data_offset) {
      return c.error_at(
          off_field, "tensor \"" + t.name + "\": data [" + std::to_string(t.data_offset) + ", +" +
                         std::to_string(t.n_bytes) + ") lies outside the data section of " +
                         std::to_string(data_size) + " bytes (file truncated?)");
    }
    t.file_offset = data_offset_ + t.data_offset;
    if (t.type_known()) by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto* a, const auto* b) { return a->data_offset < b->data_offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto* prev = by_offset[i - 1];
    const auto* cur = by_offset[i];
    if (cur->data_offset < prev->data_offset + prev->n_bytes) {
      return c.error_at(cur->info_offset, "tensor \"" + cur->name + "\" data at " +
                                              std::to_string(cur->data_offset) +
                                              " overlaps tensor \"" + prev->name + "\" [" +
                                              std::to_string(prev->data_offset) + ", +" +
                                              std::to_string(prev->n_bytes) + ")");
    }
  }
  return Status::ok();
}

const GgufKeyValue* GgufFile::find(std::string_view key) const {
  for (const auto& kv : kv_) {
    if (kv.key == key) return &kv;
  }
  return nullptr;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

namespace {

Error missing(const std::string& file, std::string_view key) {
  return Error{file + ": metadata key \"" + std::string(key) + "\" is missing"};
}

Error wrong_type(const std::string& file, const GgufKeyValue& kv, const std::string& expected) {
  std::string got = gguf_type_name(kv.value.type);
  if (kv.value.is_array()) got += " of " + gguf_type_name(kv.value.element_type);
  return Error{file + ": byte " + std::to_string(kv.file_offset) + ": metadata \"" + kv.key +
               "\" has type " + got + ", expected " + expected};
}

// Integer value of a scalar integer entry, as a signed 128-bit-safe pair (negative flag,
// magnitude).
bool integer_value(const GgufValue& v, bool* negative, uint64_t* magnitude) {
  if (!is_integer(v.type)) return false;
  if (is_signed(v.type)) {
    *negative = v.i64 < 0;
    *magnitude = *negative ? static_cast<uint64_t>(-(v.i64 + 1)) + 1 : static_cast<uint64_t>(v.i64);
  } else {
    *negative = false;
    *magnitude = v.u64;
  }
  return true;
}

}  // namespace

Expected<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufKeyValue* kv = find(key);
  if (!kv) return missing(name_, key);
  if (kv->value.type != GgufType::kString) return wrong_type(name_, *kv, "string");
  return std::string(kv->value.str);
}

Expected<uint64_t> GgufFile::get_u64(std::string_view key) const {
  const GgufKeyValue* kv = find(key);
  if (!kv) return missing(name_, key);
  bool neg = false;
  uint64_t mag = 0;
  if (!integer_value(kv->value, &neg, &mag)) return wrong_type(name_, *kv, "an unsigned integer");
  if (neg) {
    return Error{name_ + ": byte " + std::to_string(kv->file_offset) + ": metadata \"" + kv->key +
                 "\" is negative (" + std::to_string(kv->value.i64) + "), expected >= 0"};
  }
  return mag;
}

Expected<uint32_t> GgufFile::get_u32(std::string_view key) const {
  auto v = get_u64(key);
  if (!v) return v.error();
  if (*v > std::numeric_limits<uint32_t>::max()) {
    const GgufKeyValue* kv = find(key);
    return Error{name_ + ": byte " + std::to_string(kv->file_offset) + ": metadata \"" + kv->key +
                 "\" = " + std::to_string(*v) + " does not fit in u32"};
  }
  return static_cast<uint32_t>(*v);
}

Expected<int32_t> GgufFile::get_i32(std::string_view key) const {
  const GgufKeyValue* kv = find(key);
  if (!kv) return missing(name_, key);
  bool neg = false;
  uint64_t mag = 0;
  if (!integer_value(kv->value, &neg, &mag)) return wrong_type(name_, *kv, "an integer");
  if ((!neg && mag > 0x7fffffffULL) || (neg && mag > 0x80000000ULL)) {
    return Error{name_ + ": byte " + std::to_string(kv->file_offset) + ": metadata \"" + kv->key +
                 "\" = " + kv->value.to_string() + " does not fit in i32"};
  }
  return neg ? static_cast<int32_t>(-static_cast<int64_t>(mag)) : static_cast<int32_t>(mag);
}

Expected<float> GgufFile::get_f32(std::string_view key) const {
  const GgufKeyValue* kv = find(key);
  if (!kv) return missing(name_, key);
  if (kv->value.type != GgufType::kFloat32 && kv->value.type != GgufType::kFloat64) {
    return wrong_type(name_, *kv, "f32");
  }
  return static_cast<float>(kv->value.f64);
}

Expected<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufKeyValue* kv = find(key);
  if (!kv) return missing(name_, key);
  if (kv->value.type != GgufType::kBool) return wrong_type(name_, *kv, "bool");
  return kv->value.u64 != 0;
}

Expected<std::vector<std::string_view>> GgufFile::get_string_array(std::string_view key) const {
  const GgufKeyValue* kv = find(key);
  if (!kv) return missing(name_, key);
  if (!kv->value.is_array() || kv->value.element_type != GgufType::kString) {
    return wrong_type(name_, *kv, "array of string");
  }
  return kv->value.strings;
}

Expected<std::vector<float>> GgufFile::get_f32_array(std::string_view key) const {
  const GgufKeyValue* kv = find(key);
  if (!kv) return missing(name_, key);
  if (!kv->value.is_array() || kv->value.element_type != GgufType::kFloat32) {
    return wrong_type(name_, *kv, "array of f32");
  }
  std::vector<float> out(static_cast<size_t>(kv->value.count));
  if (!out.empty()) std::memcpy(out.data(), kv->value.raw.data(), out.size() * sizeof(float));
  return out;
}

Expected<std::vector<int32_t>> GgufFile::get_i32_array(std::string_view key) const {
  const GgufKeyValue* kv = find(key);
  if (!kv) return missing(name_, key);
  const GgufType et = kv->value.element_type;
  if (!kv->value.is_array() || !is_integer(et) || min_encoded_size(et) > 4) {
    return wrong_type(name_, *kv, "array of i32");
  }
  std::vector<int32_t> out;
  out.reserve(static_cast<size_t>(kv->value.count));
  for (uint64_t i = 0; i < kv->value.count; ++i) {
    const double x = kv->value.number_at(i);
    if (x > std::numeric_limits<int32_t>::max()) {
      return Error{name_ + ": byte " + std::to_string(kv->file_offset) + ": metadata \"" + kv->key +
                   "\"[" + std::to_string(i) + "] does not fit in i32"};
    }
    out.push_back(static_cast<int32_t>(x));
  }
  return out;
}

Expected<uint64_t> GgufFile::get_array_size(std::string_view key) const {
  const GgufKeyValue* kv = find(key);
  if (!kv) return missing(name_, key);
  if (!kv->value.is_array()) return wrong_type(name_, *kv, "array");
  return kv->value.count;
}

Expected<uint32_t> GgufFile::get_u32_or(std::string_view key, uint32_t fallback) const {
  if (!find(key)) return fallback;
  return get_u32(key);
}

Expected<float> GgufFile::get_f32_or(std::string_view key, float fallback) const {
  if (!find(key)) return fallback;
  return get_f32(key);
}

Expected<bool> GgufFile::get_bool_or(std::string_view key, bool fallback) const {
  if (!find(key)) return fallback;
  return get_bool(key);
}

Expected<std::string> GgufFile::get_string_or(std::string_view key, std::string fallback) const {
  if (!find(key)) return fallback;
  return get_string(key);
}

Expected<std::span<const uint8_t>> GgufFile::tensor_data(const GgufTensorInfo& tensor) const {
  if (!tensor.type_known()) {
    return Error{name_ + ": byte " + std::to_string(tensor.info_offset) + ": tensor \"" +
                 tensor.name + "\" has tensor type " + std::to_string(tensor.type) +
                 ", which airan does not know (known: F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q5_K, "
                 "Q6_K and a few others)"};
  }
  return bytes_.subspan(static_cast<size_t>(tensor.file_offset),
                        static_cast<size_t>(tensor.n_bytes));
}

}  // namespace airan::llm
