#pragma once
// Parsing helpers for the NR PHY vector files (../shared/data/nr/phy/README.md formats).

#include <complex>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace airan::test {

/// "0101..." to one bit per byte.
inline std::vector<uint8_t> parse_bit_string(const std::string& s) {
  std::vector<uint8_t> bits;
  bits.reserve(s.size());
  for (char c : s) bits.push_back(c == '1' ? 1 : 0);
  return bits;
}

/// "re0 im0 re1 im1 ..." to complex values.
inline std::vector<std::complex<float>> parse_complex_list(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::complex<float>> out;
  double re = 0;
  double im = 0;
  while (in >> re >> im) out.emplace_back(static_cast<float>(re), static_cast<float>(im));
  return out;
}

/// Space-separated unsigned integers.
inline std::vector<unsigned> parse_uint_list(const std::string& s) {
  std::istringstream in(s);
  std::vector<unsigned> out;
  unsigned v = 0;
  while (in >> v) out.push_back(v);
  return out;
}

}  // namespace airan::test
