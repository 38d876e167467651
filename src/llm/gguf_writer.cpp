// GGUF v3 writer, and random-weight Llama-family models for tests and benchmarks.
#include "airan/llm/gguf_writer.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <numbers>
#include <thread>
#include <unordered_set>

#include "airan/llm/matmul.h"
#include "airan/llm/tokenizer.h"

namespace airan::llm {
namespace {

constexpr uint32_t kGgufVersion = 3;
constexpr size_t kMaxDims = 4;

class Encoder {
 public:
  std::vector<uint8_t> bytes;
  template <typename T>
  void raw(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    bytes.insert(bytes.end(), b, b + sizeof(T));
  }
  void type(GgufType t) { raw(static_cast<uint32_t>(t)); }
  void str(std::string_view s) {
    raw(static_cast<uint64_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
};

template <typename T>
std::vector<uint8_t> scalar(GgufType t, T v) {
  Encoder e;
  e.type(t);
  e.raw(v);
  return std::move(e.bytes);
}

bool is_valid_type(GgufType t) {
  return static_cast<uint32_t>(t) <= 12;
}

size_t scalar_size(GgufType t) {
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
      return 8;
    default:
      return 0;
  }
}

// The payload of `v` (no leading type): scalars, strings, arrays (element type, count, items).
Status encode_payload(Encoder& e, const GgufValue& v, int depth) {
  if (depth > 8) return Error{"gguf writer: arrays nested more than 8 deep"};
  switch (v.type) {
    case GgufType::kUint8:
    case GgufType::kBool:
      e.raw(static_cast<uint8_t>(v.u64));
      return Status::ok();
    case GgufType::kInt8:
      e.raw(static_cast<int8_t>(v.i64));
      return Status::ok();
    case GgufType::kUint16:
      e.raw(static_cast<uint16_t>(v.u64));
      return Status::ok();
    case GgufType::kInt16:
      e.raw(static_cast<int16_t>(v.i64));
      return Status::ok();
    case GgufType::kUint32:
      e.raw(static_cast<uint32_t>(v.u64));
      return Status::ok();
    case GgufType::kInt32:
      e.raw(static_cast<int32_t>(v.i64));
      return Status::ok();
    case GgufType::kUint64:
      e.raw(v.u64);
      return Status::ok();
    case GgufType::kInt64:
      e.raw(v.i64);
      return Status::ok();
    case GgufType::kFloat32:
      e.raw(static_cast<float>(v.f64));
      return Status::ok();
    case GgufType::kFloat64:
      e.raw(v.f64);
      return Status::ok();
    case GgufType::kString:
      e.str(v.str);
      return Status::ok();
    case GgufType::kArray:
      break;
  }
  if (v.type != GgufType::kArray || !is_valid_type(v.element_type)) {
    return Error{"gguf writer: value of unknown type " + gguf_type_name(v.type)};
  }
  e.type(v.element_type);
  e.raw(v.count);
  if (v.element_type == GgufType::kString) {
    if (v.strings.size() != v.count) return Error{"gguf writer: string array count mismatch"};
    for (std::string_view s : v.strings) e.str(s);
  } else if (v.element_type == GgufType::kArray) {
    if (v.arrays.size() != v.count) return Error{"gguf writer: nested array count mismatch"};
    for (const GgufValue& a : v.arrays) {
      if (Status s = encode_payload(e, a, depth + 1); !s) return s;
    }
  } else {
    if (v.raw.size() != v.count * scalar_size(v.element_type)) {
      return Error{"gguf writer: numeric array byte count mismatch"};
    }
    e.bytes.insert(e.bytes.end(), v.raw.begin(), v.raw.end());
  }
  return Status::ok();
}

uint64_t align_up(uint64_t n, uint64_t a) {
  return (n + a - 1) / a * a;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// GgufWriter

GgufWriter::GgufWriter(uint32_t alignment) {
  alignment_ = std::bit_ceil(std::max<uint32_t>(alignment, 1));
  set_u32("general.alignment", alignment_);
}

void GgufWriter::set_encoded(std::string_view key, std::vector<uint8_t> encoded) {
  for (Entry& e : kv_) {
    if (e.key == key) {
      e.encoded = std::move(encoded);
      return;
    }
  }
  kv_.push_back(Entry{std::string(key), std::move(encoded)});
}

bool GgufWriter::has_key(std::string_view key) const {
  return std::any_of(kv_.begin(), kv_.end(), [&](const Entry& e) { return e.key == key; });
}

void GgufWriter::set_u8(std::string_view k, uint8_t v) {
  set_encoded(k, scalar(GgufType::kUint8, v));
}
void GgufWriter::set_i8(std::string_view k, int8_t v) {
  set_encoded(k, scalar(GgufType::kInt8, v));
}
void GgufWriter::set_u16(std::string_view k, uint16_t v) {
  set_encoded(k, scalar(GgufType::kUint16, v));
}
void GgufWriter::set_i16(std::string_view k, int16_t v) {
  set_encoded(k, scalar(GgufType::kInt16, v));
}
void GgufWriter::set_u32(std::string_view k, uint32_t v) {
  set_encoded(k, scalar(GgufType::kUint32, v));
}
void GgufWriter::set_i32(std::string_view k, int32_t v) {
  set_encoded(k, scalar(GgufType::kInt32, v));
}
void GgufWriter::set_u64(std::string_view k, uint64_t v) {
  set_encoded(k, scalar(GgufType::kUint64, v));
}
void GgufWriter::set_i64(std::string_view k, int64_t v) {
  set_encoded(k, scalar(GgufType::kInt64, v));
}
void GgufWriter::set_f32(std::string_view k, float v) {
  set_encoded(k, scalar(GgufType::kFloat32, v));
}
void GgufWriter::set_f64(std::string_view k, double v) {
  set_encoded(k, scalar(GgufType::kFloat64, v));
}
void GgufWriter::set_bool(std::string_view k, bool v) {
  set_encoded(k, scalar(GgufType::kBool, static_cast<uint8_t>(v ? 1 : 0)));
}
void GgufWriter::set_string(std::string_view k, std::string_view v) {
  Encoder e;
  e.type(GgufType::kString);
  e.str(v);
  set_encoded(k, std::move(e.bytes));
}
void GgufWriter::set_string_array(std::string_view k, std::span<const std::string> v) {
  Encoder e;
  e.type(GgufType::kArray);
  e.type(GgufType::kString);
  e.raw(static_cast<uint64_t>(v.size()));
  for (const std::string& s : v) e.str(s);
  set_encoded(k, std::move(e.bytes));
}
void GgufWriter::set_f32_array(std::string_view k, std::span<const float> v) {
  Encoder e;
  e.type(GgufType::kArray);
  e.type(GgufType::kFloat32);
  e.raw(static_cast<uint64_t>(v.size()));
  for (float f : v) e.raw(f);
  set_encoded(k, std::move(e.bytes));
}
void GgufWriter::set_i32_array(std::string_view k, std::span<const int32_t> v) {
  Encoder e;
  e.type(GgufType::kArray);
  e.type(GgufType::kInt32);
  e.raw(static_cast<uint64_t>(v.size()));
  for (int32_t i : v) e.raw(i);
  set_encoded(k, std::move(e.bytes));
}

Status GgufWriter::copy_value(std::string_view key, const GgufValue& value) {
  if (!is_valid_type(value.type)) {
    return Error{"gguf writer: key \"" + std::string(key) + "\" has unknown value type " +
                 gguf_type_name(value.type)};
  }
  Encoder e;
  e.type(value.type);
  if (Status s = encode_payload(e, value, 0); !s) {
    return Error{"key \"" + std::string(key) + "\": " + s.message()};
  }
  set_encoded(key, std::move(e.bytes));
  return Status::ok();
}

Status GgufWriter::add_tensor(std::string_view name, std::vector<int64_t> shape, TensorType type) {
  const std::string what = "tensor \"" + std::string(name) + "\"";
  if (name.empty()) return Error{"gguf writer: tensor name is empty"};
  for (const TensorEntry& t : tensors_) {
    if (t.name == name) return Error{"gguf writer: " + what + " is declared twice"};
  }
  if (shape.empty() || shape.size() > kMaxDims) {
    return Error{"gguf writer: " + what + " has " + std::to_string(shape.size()) +
                 " dimensions (expected 1..4)"};
  }
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 1) {
      return Error{"gguf writer: " + what + " has a dimension " + std::to_string(d) +
                   " (expected >= 1)"};
    }
    n *= static_cast<uint64_t>(d);
  }
  const TensorTypeTraits* tr = tensor_type_traits(static_cast<uint32_t>(type));
  if (!tr) {
    return Error{"gguf writer: " + what + " has unknown type " +
                 std::to_string(static_cast<uint32_t>(type))};
  }
  if (static_cast<uint64_t>(shape[0]) % tr->block_elements != 0) {
    return Error{"gguf writer: " + what + " row length " + std::to_string(shape[0]) +
                 " is not a multiple of the " + tr->name + " block size " +
                 std::to_string(tr->block_elements)};
  }
  TensorEntry t;
  t.name = std::string(name);
  t.shape = std::move(shape);
  t.type = type;
  t.n_bytes = n / tr->block_elements * tr->block_bytes;
  t.data_offset = data_bytes_;
  data_bytes_ = align_up(data_bytes_ + t.n_bytes, alignment_);
  tensors_.push_back(std::move(t));
  return Status::ok();
}

std::vector<uint8_t> GgufWriter::header_bytes() const {
  Encoder e;
  e.bytes.insert(e.bytes.end(), {'G', 'G', 'U', 'F'});
  e.raw(kGgufVersion);
  e.raw(static_cast<uint64_t>(tensors_.size()));
  e.raw(static_cast<uint64_t>(kv_.size()));
  for (const Entry& kv : kv_) {
    e.str(kv.key);
    e.bytes.insert(e.bytes.end(), kv.encoded.begin(), kv.encoded.end());
  }
  for (const TensorEntry& t : tensors_) {
    e.str(t.name);
    e.raw(static_cast<uint32_t>(t.shape.size()));
    for (int64_t d : t.shape) e.raw(static_cast<uint64_t>(d));
    e.raw(static_cast<uint32_t>(t.type));
    e.raw(t.data_offset);
  }
  e.bytes.resize(align_up(e.bytes.size(), alignment_), 0);
  return std::move(e.bytes);
}

uint64_t GgufWriter::file_size() const {
  uint64_t size = header_bytes().size();
  if (!tensors_.empty()) size += tensors_.back().data_offset + tensors_.back().n_bytes;
  return size;
}

Status GgufWriter::write_to(const std::function<Status(std::span<const uint8_t>)>& sink,
                            const TensorFiller& fill) const {
  if (Status s = sink(header_bytes()); !s) return s;
  uint64_t max_bytes = 0;
  for (const TensorEntry& t : tensors_) max_bytes = std::max(max_bytes, t.n_bytes);
  std::vector<uint8_t> buf(static_cast<size_t>(max_bytes + alignment_));
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const TensorEntry& t = tensors_[i];
    const auto n = static_cast<size_t>(t.n_bytes);
    if (Status s = fill(i, std::span<uint8_t>(buf.data(), n)); !s) {
      return Error{"tensor \"" + t.name + "\": " + s.message()};
    }
    // Pad to the next tensor's aligned offset; the last tensor is not padded.
    size_t out = n;
    if (i + 1 < tensors_.size()) {
      out = static_cast<size_t>(tensors_[i + 1].data_offset - t.data_offset);
      std::fill(buf.begin() + static_cast<std::ptrdiff_t>(n),
                buf.begin() + static_cast<std::ptrdiff_t>(out), uint8_t{0});
    }
    if (Status s = sink(std::span<const uint8_t>(buf.data(), out)); !s) return s;
  }
  return Status::ok();
}

Status GgufWriter::write_file(const std::filesystem::path& path, const TensorFiller& fill) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{"cannot open " + path.string() + " for writing"};
  Status s = write_to(
      [&](std::span<const uint8_t> bytes) -> Status {
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        if (!out) return Error{"writing " + path.string() + " failed (disk full?)"};
        return Status::ok();
      },
      fill);
  if (!s) return s;
  out.close();
  if (!out) return Error{"closing " + path.string() + " failed"};
  return Status::ok();
}

Expected<std::vector<uint8_t>> GgufWriter::write_memory(const TensorFiller& fill) const {
  std::vector<uint8_t> bytes;
  Status s = write_to(
      [&](std::span<const uint8_t> b) -> Status {
        bytes.insert(bytes.end(), b.begin(), b.end());
        return Status::ok();
      },
      fill);
  if (!s) return Error{s.message()};
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Types and conversions

Expected<TensorType> engine_tensor_type_from_name(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (TensorType t :
       {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ8_0, TensorType::kQ4_0,
        TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K}) {
    if (upper == tensor_type_traits(static_cast<uint32_t>(t))->name) return t;
  }
  return Error{"tensor type \"" + std::string(name) +
               "\" is not one of F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K"};
}

uint16_t f32_to_f16(float f) {
  const auto x = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t a = x & 0x7FFFFFFFu;
  if (a >= 0x7F800000u) {  // Inf, NaN (kept quiet and non-zero)
    return static_cast<uint16_t>(sign | 0x7C00u |
                                 (a > 0x7F800000u ? 0x200u | (a >> 13 & 0x3FFu) : 0u));
  }
  if (a >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // rounds past 65504
  if (a < 0x38800000u) {  // below 2^-14: subnormal half (units of 2^-24) or zero
    const uint32_t e = a >> 23;
    if (e < 102) return sign;  // below 2^-25 rounds to zero
    const uint32_t mant = (a & 0x7FFFFFu) | 0x800000u;
    const uint32_t shift = 126 - e;
    uint32_t q = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1u))) ++q;
    return static_cast<uint16_t>(sign | q);
  }
  const uint32_t rounded = a + 0x0FFFu + ((a >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((rounded >> 13) - (112u << 10)));
}

uint16_t f32_to_bf16(float f) {
  const auto x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  return static_cast<uint16_t>((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

// ---------------------------------------------------------------------------------------------
// Generated vocabulary

Status add_generated_vocab(GgufWriter& w, uint32_t n_vocab) {
  if (n_vocab < 259) {
    return Error{"vocab " + std::to_string(n_vocab) +
                 " is too small for a generated vocabulary (expected >= 259: <unk>, <s>, </s> and "
                 "256 byte tokens)"};
  }
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  tokens.reserve(n_vocab);
  auto add = [&](std::string text, float score, TokenKind kind) {
    tokens.push_back(std::move(text));
    scores.push_back(score);
    types.push_back(static_cast<int32_t>(kind));
  };
  add("<unk>", 0.0f, TokenKind::kUnknown);
  add("<s>", 0.0f, TokenKind::kControl);
  add("</s>", 0.0f, TokenKind::kControl);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    add(buf, 0.0f, TokenKind::kByte);
  }
  // Pieces: single characters, then strings over "▁a..z" by length. Every piece longer than one
  // character is a shorter piece plus one character, so SentencePiece merging can reach it.
  const std::string kSpace = "\xE2\x96\x81";  // ▁
  std::vector<std::string> pieces;
  pieces.push_back(kSpace);
  for (char c = '!'; c <= '~'; ++c) pieces.emplace_back(1, c);
  std::vector<std::string> alphabet = {kSpace};
  for (char c = 'a'; c <= 'z'; ++c) alphabet.emplace_back(1, c);
  std::vector<std::string> level = alphabet;
  size_t next = 0;  // pieces handed out so far
  auto emit = [&](const std::string& p) {
    add(p, -static_cast<float>(next), TokenKind::kNormal);
    ++next;
    return tokens.size() < n_vocab;
  };
  bool more = tokens.size() < n_vocab;
  for (size_t i = 0; more && i < pieces.size(); ++i) more = emit(pieces[i]);
  while (more) {
    std::vector<std::string> longer;
    longer.reserve(std::min<size_t>(level.size() * alphabet.size(), n_vocab));
    for (size_t i = 0; more && i < level.size(); ++i) {
      for (size_t j = 0; more && j < alphabet.size(); ++j) {
        longer.push_back(level[i] + alphabet[j]);
        more = emit(longer.back());
      }
    }
    level = std::move(longer);
  }
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_f32_array("tokenizer.ggml.scores", scores);
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  w.set_bool("tokenizer.ggml.add_bos_token", true);
  w.set_bool("tokenizer.ggml.add_eos_token", false);
  w.set_bool("tokenizer.ggml.add_space_prefix", true);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Random models

namespace {

// llama.cpp's general.file_type (llama_ftype) for a file whose weights are all `type`.
uint32_t file_type_of(TensorType type) {
  switch (type) {
    case TensorType::kF32:
      return 0;
    case TensorType::kF16:
      return 1;
    case TensorType::kQ4_0:
      return 2;
    case TensorType::kQ8_0:
      return 7;
    case TensorType::kQ4_K:
      return 14;  // Q4_K_S
    case TensorType::kQ5_K:
      return 16;  // Q5_K_S
    case TensorType::kQ6_K:
      return 18;
    case TensorType::kBF16:
      return 32;
    default:
      return 0;
  }
}

bool is_engine_type(TensorType t) {
  const TensorTypeTraits* tr = tensor_type_traits(static_cast<uint32_t>(t));
  return tr && tr->engine_supported;
}

// How the values of one tensor are drawn.
struct TensorInit {
  enum Kind { kGaussian, kOnePlusNoise } kind = kGaussian;
  float stddev = 1.0f;
};

// Deterministic normal deviates for one row of one tensor (splitmix64 + Box-Muller).
class RowRng {
 public:
  RowRng(uint64_t seed, uint64_t tensor, uint64_t row)
      : state_(seed ^ (0x9E3779B97F4A7C15ULL * (tensor + 1)) ^
               (0xC2B2AE3D27D4EB4FULL * (row + 1))) {}
  void normals(float* out, int64_t n) {
    int64_t i = 0;
    for (; i + 1 < n; i += 2) pair(out + i, out + i + 1);
    if (i < n) {
      float spare = 0.0f;
      pair(out + i, &spare);
    }
  }

 private:
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  void pair(float* a, float* b) {
    const double u1 = static_cast<double>((next() >> 11) + 1) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(next() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double t = 2.0 * std::numbers::pi * u2;
    *a = static_cast<float>(r * std::cos(t));
    *b = static_cast<float>(r * std::sin(t));
  }
  uint64_t state_;
};

// Converts one row of floats into `type`.
Status convert_row(TensorType type, const float* src, uint8_t* dst, int64_t n) {
  switch (type) {
    case TensorType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return Status::ok();
    case TensorType::kF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_f16(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      return Status::ok();
    case TensorType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_bf16(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      return Status::ok();
    default:
      return quantize_row(type, src, dst, n);
  }
}

}  // namespace

Status validate(const RandomModelSpec& s) {
  if (s.arch != "llama" && s.arch != "qwen2") {
    return Error{"arch \"" + s.arch + "\" is not one of llama, qwen2"};
  }
  struct Field {
    const char* name;
    uint32_t value;
  };
  for (const Field& f :
       {Field{"n_embd", s.n_embd}, Field{"n_layer", s.n_layer}, Field{"n_head", s.n_head},
        Field{"n_head_kv", s.n_head_kv}, Field{"n_ff", s.n_ff}, Field{"ctx", s.n_ctx}}) {
    if (f.value == 0) return Error{std::string(f.name) + " is 0, expected >= 1"};
    if (f.value > (1u << 20)) {
      return Error{std::string(f.name) + " " + std::to_string(f.value) + " is larger than 1048576"};
    }
  }
  if (s.n_head % s.n_head_kv != 0) {
    return Error{"n_head_kv " + std::to_string(s.n_head_kv) + " must divide n_head " +
                 std::to_string(s.n_head)};
  }
  if (s.head_dim == 0 && s.n_embd % s.n_head != 0) {
    return Error{"n_embd " + std::to_string(s.n_embd) + " is not a multiple of n_head " +
                 std::to_string(s.n_head) + " (or give head_dim)"};
  }
  const uint32_t hd = s.head_dim ? s.head_dim : s.n_embd / s.n_head;
  if (hd % 2 != 0) return Error{"head_dim " + std::to_string(hd) + " must be even (RoPE pairs)"};
  if (hd > 4096) return Error{"head_dim " + std::to_string(hd) + " is larger than 4096"};
  if (s.vocab_from.empty() && s.n_vocab < 259) {
    return Error{"vocab " + std::to_string(s.n_vocab) +
                 " is too small for a generated vocabulary (expected >= 259)"};
  }
  if (s.n_vocab > (1u << 22)) {
    return Error{"vocab " + std::to_string(s.n_vocab) + " is larger than 4194304"};
  }
  if (!is_engine_type(s.type)) {
    return Error{"type " + tensor_type_name(static_cast<uint32_t>(s.type)) +
                 " is not one of F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K"};
  }
  if (!(std::isfinite(s.rope_freq_base) && s.rope_freq_base > 0.0f)) {
    return Error{"rope_freq_base must be a finite number > 0"};
  }
  if (!(std::isfinite(s.rms_eps) && s.rms_eps > 0.0f)) {
    return Error{"rms_eps must be a finite number > 0"};
  }
  return Status::ok();
}

Expected<RandomModelReport> write_random_model(const RandomModelSpec& spec,
                                               const std::filesystem::path& out) {
  if (Status s = validate(spec); !s) return Error{"make-model: " + s.message()};
  RandomModelReport report;
  GgufWriter w;
  const std::string a = spec.arch + ".";
  const uint32_t hd = spec.head_dim ? spec.head_dim : spec.n_embd / spec.n_head;

  w.set_string("general.architecture", spec.arch);
  w.set_string("general.name", "airan random " + spec.arch);
  w.set_u32("general.file_type", file_type_of(spec.type));
  if (tensor_type_traits(static_cast<uint32_t>(spec.type))->block_elements > 1) {
    w.set_u32("general.quantization_version", 2);
  }

  // The tokenizer before the hyperparameters: the vocabulary size may come from it.
  uint32_t n_vocab = spec.n_vocab;
  if (!spec.vocab_from.empty()) {
    auto src = GgufFile::open(spec.vocab_from);
    if (!src) return Error{"make-model: --vocab-from: " + src.error().message};
    auto n = src->get_array_size("tokenizer.ggml.tokens");
    if (!n) return Error{"make-model: --vocab-from: " + n.error().message};
    if (*n == 0 || *n > (1u << 22)) {
      return Error{"make-model: --vocab-from: " + std::to_string(*n) + " tokens (expected 1.." +
                   std::to_string(1u << 22) + ")"};
    }
    if (n_vocab != 0 && n_vocab != *n) {
      return Error{"make-model: vocab " + std::to_string(n_vocab) + " disagrees with the " +
                   std::to_string(*n) + " tokens of " + spec.vocab_from.string()};
    }
    n_vocab = static_cast<uint32_t>(*n);
    for (const GgufKeyValue& kv : src->metadata()) {
      if (kv.key.rfind("tokenizer.", 0) != 0) continue;
      if (Status s = w.copy_value(kv.key, kv.value); !s) return Error{"make-model: " + s.message()};
    }
  } else {
    if (Status s = add_generated_vocab(w, n_vocab); !s) return Error{"make-model: " + s.message()};
  }
  if (!spec.chat_template.empty()) w.set_string("tokenizer.chat_template", spec.chat_template);
  report.n_vocab = n_vocab;

  // Hyperparameters, with the keys llama.cpp writes.
  w.set_u32(a + "context_length", spec.n_ctx);
  w.set_u32(a + "embedding_length", spec.n_embd);
  w.set_u32(a + "block_count", spec.n_layer);
  w.set_u32(a + "feed_forward_length", spec.n_ff);
  w.set_u32(a + "attention.head_count", spec.n_head);
  w.set_u32(a + "attention.head_count_kv", spec.n_head_kv);
  if (spec.head_dim != 0 && spec.head_dim * spec.n_head != spec.n_embd) {
    w.set_u32(a + "attention.key_length", hd);
    w.set_u32(a + "attention.value_length", hd);
  }
  w.set_u32(a + "rope.dimension_count", hd);
  w.set_f32(a + "rope.freq_base", spec.rope_freq_base);
  w.set_f32(a + "attention.layer_norm_rms_epsilon", spec.rms_eps);
  w.set_u32(a + "vocab_size", n_vocab);

  // Tensors, in llama.cpp's order.
  std::vector<TensorInit> inits;
  Status status;
  auto add_matrix = [&](const std::string& name, int64_t cols, int64_t rows, float stddev) {
    if (!status) return;
    TensorType t = spec.type;
    const uint32_t block = tensor_type_traits(static_cast<uint32_t>(t))->block_elements;
    if (cols % block != 0) {
      t = cols % 32 == 0 && block > 32 ? TensorType::kQ8_0 : TensorType::kF16;
      report.fallbacks.push_back(name + ": row length " + std::to_string(cols) +
                                 " is not a multiple of " + std::to_string(block) +
                                 ", written as " + tensor_type_name(static_cast<uint32_t>(t)));
    }
    status = w.add_tensor(name, {cols, rows}, t);
    inits.push_back({TensorInit::kGaussian, stddev});
  };
  auto add_vector = [&](const std::string& name, int64_t n, TensorInit init) {
    if (!status) return;
    status = w.add_tensor(name, {n}, TensorType::kF32);
    inits.push_back(init);
  };
  const int64_t e = spec.n_embd;
  const int64_t q = static_cast<int64_t>(spec.n_head) * hd;
  const int64_t kv = static_cast<int64_t>(spec.n_head_kv) * hd;
  const int64_t ff = spec.n_ff;
  auto fan = [](int64_t fan_in) { return static_cast<float>(1.0 / std::sqrt(double(fan_in))); };
  const TensorInit norm{TensorInit::kOnePlusNoise, 0.01f};
  const TensorInit bias{TensorInit::kGaussian, 0.02f};
  add_matrix("token_embd.weight", e, n_vocab, 1.0f);
  for (uint32_t l = 0; l < spec.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add_vector(p + "attn_norm.weight", e, norm);
    add_matrix(p + "attn_q.weight", e, q, fan(e));
    add_matrix(p + "attn_k.weight", e, kv, fan(e));
    add_matrix(p + "attn_v.weight", e, kv, fan(e));
    if (spec.arch == "qwen2") {
      add_vector(p + "attn_q.bias", q, bias);
      add_vector(p + "attn_k.bias", kv, bias);
      add_vector(p + "attn_v.bias", kv, bias);
    }
    add_matrix(p + "attn_output.weight", q, e, fan(q));
    add_vector(p + "ffn_norm.weight", e, norm);
    add_matrix(p + "ffn_gate.weight", e, ff, fan(e));
    add_matrix(p + "ffn_up.weight", e, ff, fan(e));
    add_matrix(p + "ffn_down.weight", ff, e, fan(ff));
  }
  add_vector("output_norm.weight", e, norm);
  if (!spec.tied_embeddings) add_matrix("output.weight", e, n_vocab, fan(e));
  if (!status) return Error{"make-model: " + status.message()};
  for (const auto& t : w.tensors()) {
    uint64_t n = 1;
    for (int64_t d : t.shape) n *= static_cast<uint64_t>(d);
    report.n_params += n;
  }

  const unsigned n_threads =
      spec.threads ? spec.threads : std::max(1u, std::thread::hardware_concurrency());
  auto fill = [&](size_t index, std::span<uint8_t> dst) -> Status {
    const GgufWriter::TensorEntry& t = w.tensors()[index];
    const TensorInit init = inits[index];
    const int64_t cols = t.shape[0];
    const int64_t rows = t.shape.size() > 1 ? t.shape[1] : 1;
    const size_t row_bytes = dst.size() / static_cast<size_t>(rows);
    const auto threads = static_cast<unsigned>(
        std::clamp<int64_t>(rows * cols / (1 << 16), 1, static_cast<int64_t>(n_threads)));
    std::vector<Status> results(threads);
    auto work = [&](unsigned ti) {
      std::vector<float> row(static_cast<size_t>(cols));
      for (int64_t r = rows * ti / threads; r < rows * (ti + 1) / threads; ++r) {
        RowRng rng(spec.seed, index, static_cast<uint64_t>(r));
        rng.normals(row.data(), cols);
        for (float& v : row) {
          v = init.kind == TensorInit::kOnePlusNoise ? 1.0f + init.stddev * v : init.stddev * v;
        }
        Status s =
            convert_row(t.type, row.data(), dst.data() + static_cast<size_t>(r) * row_bytes, cols);
        if (!s) {
          results[ti] = s;
          return;
        }
      }
    };
    if (threads == 1) {
      work(0);
    } else {
      std::vector<std::thread> pool;
      for (unsigned ti = 1; ti < threads; ++ti) pool.emplace_back(work, ti);
      work(0);
      for (auto& th : pool) th.join();
    }
    for (const Status& s : results) {
      if (!s) return s;
    }
    return Status::ok();
  };
  // Written beside `out` and renamed, so a failed write leaves no half-written model behind.
  std::filesystem::path tmp = out;
  tmp += ".partial";
  std::error_code ec;
  if (Status s = w.write_file(tmp, fill); !s) {
    std::filesystem::remove(tmp, ec);
    return Error{"make-model: " + s.message()};
  }
  std::filesystem::rename(tmp, out, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Error{"make-model: cannot rename " + tmp.string() + " to " + out.string()};
  }
  report.file_bytes = std::filesystem::file_size(out, ec);
  return report;
}

}  // namespace airan::llm
