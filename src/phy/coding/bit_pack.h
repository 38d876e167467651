#pragma once
// Packing unpacked bits (one per byte, only the LSB counts) into bytes, first bit in the MSB: the
// step between the decoder's hard decisions and byte-wise CRCs and transport blocks.

#include <bit>
#include <cstdint>
#include <cstring>

namespace airan::phy {

/// Packs 8 unpacked bits, the first into the MSB.
inline uint8_t pack8(const uint8_t* bits) {
  if constexpr (std::endian::native == std::endian::little) {
    uint64_t word;
    std::memcpy(&word, bits, sizeof(word));
    word &= 0x0101010101010101ull;
    // Bit 8i (bit i of the sequence) lands on bit 63 - i; every other product term lands on a
    // distinct lower position, so no carry reaches the top byte.
    return static_cast<uint8_t>((word * 0x8040201008040201ull) >> 56);
  } else {
    uint8_t out = 0;
    for (int i = 0; i < 8; ++i) out = static_cast<uint8_t>((out << 1) | (bits[i] & 1u));
    return out;
  }
}

}  // namespace airan::phy
