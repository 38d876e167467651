// Makes a small seed corpus for gguf_fuzz from real GGUF files: the same metadata keys and types
// and the same tensor table, with every array cut to a few elements and every tensor cut to one
// block, so the fuzzer starts from valid files of a few KiB instead of MiB.
//
// Usage: gguf_seeds OUT_DIR FILE.gguf...
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "airan/llm/gguf.h"

namespace {

using airan::llm::GgufType;
using airan::llm::GgufValue;

constexpr uint64_t kMaxArray = 8;

struct Writer {
  std::vector<uint8_t> out;
  template <typename T>
  void raw(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
  }
  void str(std::string_view s) {
    raw<uint64_t>(s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  void bytes(std::span<const uint8_t> s) { out.insert(out.end(), s.begin(), s.end()); }
  void pad(uint64_t alignment) {
    while (out.size() % alignment) out.push_back(0);
  }
};

size_t element_size(GgufType t) {
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
    default:
      return 8;
  }
}

void write_value(Writer& w, const GgufValue& v) {
  switch (v.type) {
    case GgufType::kUint8:
    case GgufType::kBool:
      w.raw<uint8_t>(static_cast<uint8_t>(v.u64));
      break;
    case GgufType::kInt8:
      w.raw<int8_t>(static_cast<int8_t>(v.i64));
      break;
    case GgufType::kUint16:
      w.raw<uint16_t>(static_cast<uint16_t>(v.u64));
      break;
    case GgufType::kInt16:
      w.raw<int16_t>(static_cast<int16_t>(v.i64));
      break;
    case GgufType::kUint32:
      w.raw<uint32_t>(static_cast<uint32_t>(v.u64));
      break;
    case GgufType::kInt32:
      w.raw<int32_t>(static_cast<int32_t>(v.i64));
      break;
    case GgufType::kUint64:
      w.raw<uint64_t>(v.u64);
      break;
    case GgufType::kInt64:
      w.raw<int64_t>(v.i64);
      break;
    case GgufType::kFloat32:
      w.raw<float>(static_cast<float>(v.f64));
      break;
    case GgufType::kFloat64:
      w.raw<double>(v.f64);
      break;
    case GgufType::kString:
      w.str(v.str);
      break;
    case GgufType::kArray: {
      const uint64_t n = std::min(v.count, kMaxArray);
      w.raw<uint32_t>(static_cast<uint32_t>(v.element_type));
      w.raw<uint64_t>(n);
      if (v.element_type == GgufType::kString) {
        for (uint64_t i = 0; i < n; ++i) w.str(v.strings[i]);
      } else if (v.element_type == GgufType::kArray) {
        for (uint64_t i = 0; i < n; ++i) write_value(w, v.arrays[i]);
      } else {
        w.bytes(v.raw.subspan(0, n * element_size(v.element_type)));
      }
      break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR FILE.gguf...\n", argv[0]);
    return 2;
  }
  const std::filesystem::path out_dir = argv[1];
  std::filesystem::create_directories(out_dir);
  for (int a = 2; a < argc; ++a) {
    auto f = airan::llm::GgufFile::open(argv[a]);
    if (!f) {
      std::fprintf(stderr, "%s\n", f.error().message.c_str());
      return 1;
    }
    Writer w;
    for (char c : {'G', 'G', 'U', 'F'}) w.out.push_back(static_cast<uint8_t>(c));
    w.raw<uint32_t>(f->version());
    w.raw<uint64_t>(f->tensors().size());
    w.raw<uint64_t>(f->metadata().size());
    for (const auto& kv : f->metadata()) {
      w.str(kv.key);
      w.raw<uint32_t>(static_cast<uint32_t>(kv.value.type));
      GgufValue v = kv.value;
      // Special token ids must stay inside the cut vocabulary for the tokenizer to be built.
      if (kv.key.ends_with("_token_id") && v.type == GgufType::kUint32) v.u64 %= kMaxArray;
      write_value(w, v);
    }
    // Each tensor keeps its type and rank but holds one block (or one value of an unknown type).
    uint64_t offset = 0;
    std::vector<std::span<const uint8_t>> data;
    for (const auto& t : f->tensors()) {
      const auto* tr = airan::llm::tensor_type_traits(t.type);
      w.str(t.name);
      w.raw<uint32_t>(static_cast<uint32_t>(t.shape.size()));
      for (size_t d = 0; d < t.shape.size(); ++d) {
        w.raw<uint64_t>(d == 0 && tr ? tr->block_elements : 1);
      }
      w.raw<uint32_t>(t.type);
      w.raw<uint64_t>(offset);
      auto bytes = f->tensor_data(t);
      data.push_back(bytes ? bytes->subspan(0, tr->block_bytes) : std::span<const uint8_t>());
      offset += (data.back().size() + f->alignment() - 1) / f->alignment() * f->alignment();
    }
    w.pad(f->alignment());
    for (const auto& d : data) {
      w.bytes(d);
      w.pad(f->alignment());
    }
    const auto out = out_dir / std::filesystem::path(argv[a]).filename();
    std::ofstream(out, std::ios::binary)
        .write(reinterpret_cast<const char*>(w.out.data()),
               static_cast<std::streamsize>(w.out.size()));
  }
  return 0;
}
