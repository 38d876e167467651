#pragma once
// Writes small GGUF files byte by byte for reader tests (independent of the reader under test).

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace airan::test {

class GgufBuilder {
 public:
  std::vector<uint8_t> bytes;

  template <typename T>
  GgufBuilder& raw(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    bytes.insert(bytes.end(), b, b + sizeof(T));
    return *this;
  }
  GgufBuilder& u8(uint8_t v) { return raw(v); }
  GgufBuilder& u32(uint32_t v) { return raw(v); }
  GgufBuilder& u64(uint64_t v) { return raw(v); }
  GgufBuilder& str(const std::string& s) {
    u64(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  GgufBuilder& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    for (char c : {'G', 'G', 'U', 'F'}) bytes.push_back(static_cast<uint8_t>(c));
    return u32(version).u64(n_tensors).u64(n_kv);
  }
  GgufBuilder& kv_u32(const std::string& key, uint32_t v) { return str(key).u32(4).u32(v); }
  GgufBuilder& kv_f32(const std::string& key, float v) { return str(key).u32(6).raw(v); }
  GgufBuilder& kv_str(const std::string& key, const std::string& v) {
    return str(key).u32(8).str(v);
  }
  GgufBuilder& kv_bool(const std::string& key, bool v) { return str(key).u32(7).u8(v ? 1 : 0); }
  GgufBuilder& tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type,
                      uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) u64(d);
    return u32(type).u64(offset);
  }
  GgufBuilder& pad_to(size_t alignment) {
    while (bytes.size() % alignment) bytes.push_back(0);
    return *this;
  }
  GgufBuilder& fill(size_t n, uint8_t v = 0) {
    bytes.insert(bytes.end(), n, v);
    return *this;
  }
  size_t size() const { return bytes.size(); }

  void write(const std::filesystem::path& path) const {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
};

}  // namespace airan::test
