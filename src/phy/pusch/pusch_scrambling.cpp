#include "airan/phy/pusch/pusch_scrambling.h"

#include <array>
#include <cstring>
#include <string>

#include "airan/common/cpu_features.h"

namespace airan::phy {
namespace {

// Byte b of the sequence word spread to 8 bytes: byte k of kSpread[b] is bit k of b.
constexpr std::array<uint64_t, 256> make_spread() {
  std::array<uint64_t, 256> t{};
  for (unsigned b = 0; b < 256; ++b) {
    uint64_t v = 0;
    for (unsigned k = 0; k < 8; ++k) v |= static_cast<uint64_t>((b >> k) & 1u) << (8 * k);
    t[b] = v;
  }
  return t;
}
constexpr std::array<uint64_t, 256> kSpread = make_spread();

Status check_sizes(size_t out, size_t in) {
  if (out != in) {
    return Error{"out.size()=" + std::to_string(out) +
                 " must equal in.size()=" + std::to_string(in)};
  }
  return Status::ok();
}

inline int8_t negate_saturated(int8_t v) {
  return v == INT8_MIN ? INT8_MAX : static_cast<int8_t>(-v);
}

}  // namespace

Expected<uint32_t> pusch_scrambling_c_init(unsigned n_rnti, unsigned n_id) {
  if (n_rnti > 65535) return Error{"n_rnti=" + std::to_string(n_rnti) + " outside 0..65535"};
  if (n_id > 1023) return Error{"n_id=" + std::to_string(n_id) + " outside 0..1023"};
  return (n_rnti << 15) + n_id;  // TS 38.211 6.3.1.1
}

Status scramble_bits(std::span<uint8_t> out, std::span<const uint8_t> in, GoldSequence& seq) {
  if (Status s = check_sizes(out.size(), in.size()); !s) return s;
  const size_t n = in.size();
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const uint64_t c = seq.next64();
    for (unsigned b = 0; b < 8; ++b) {
      uint64_t v;
      std::memcpy(&v, in.data() + i + 8 * b, 8);
      v ^= kSpread[(c >> (8 * b)) & 0xffu];
      std::memcpy(out.data() + i + 8 * b, &v, 8);
    }
  }
  if (i < n) {
    std::array<uint8_t, 64> c{};
    seq.generate(std::span<uint8_t>(c.data(), n - i));
    for (size_t j = 0; i + j < n; ++j) out[i + j] = static_cast<uint8_t>(in[i + j] ^ c[j]);
  }
  return Status::ok();
}

AIRAN_VECTOR_CLONES
Status descramble_llrs(std::span<int8_t> out, std::span<const int8_t> in, GoldSequence& seq) {
  if (Status s = check_sizes(out.size(), in.size()); !s) return s;
  const size_t n = in.size();
  size_t i = 0;
  alignas(64) uint8_t mask[64];
  for (; i + 64 <= n; i += 64) {
    const uint64_t c = seq.next64();
    for (unsigned b = 0; b < 8; ++b) {
      const uint64_t m = kSpread[(c >> (8 * b)) & 0xffu] * 0xffu;  // 0xff where c(i) = 1
      std::memcpy(mask + 8 * b, &m, 8);
    }
    // Two's-complement negation where the mask is all ones, (v ^ m) - m, in 16 bits so that
    // -(-128) can saturate to +127.
    for (unsigned j = 0; j < 64; ++j) {
      const auto m = static_cast<int16_t>(static_cast<int8_t>(mask[j]));
      const auto r = static_cast<int16_t>((static_cast<int16_t>(in[i + j]) ^ m) - m);
      out[i + j] = static_cast<int8_t>(r > 127 ? 127 : r);
    }
  }
  if (i < n) {
    std::array<uint8_t, 64> c{};
    seq.generate(std::span<uint8_t>(c.data(), n - i));
    for (size_t j = 0; i + j < n; ++j) {
      out[i + j] = c[j] ? negate_saturated(in[i + j]) : in[i + j];
    }
  }
  return Status::ok();
}

Status pusch_scramble(std::span<uint8_t> out, std::span<const uint8_t> in, uint32_t c_init) {
  GoldSequence seq(c_init);
  return scramble_bits(out, in, seq);
}

Status pusch_descramble(std::span<int8_t> out, std::span<const int8_t> in, uint32_t c_init) {
  GoldSequence seq(c_init);
  return descramble_llrs(out, in, seq);
}

}  // namespace airan::phy
