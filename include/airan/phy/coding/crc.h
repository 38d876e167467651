#pragma once
// NR CRC polynomials (TS 38.212 5.1): register starts at zero, no reflection, no final XOR,
// parity bits appended most-significant first.

#include <cstddef>
#include <cstdint>
#include <span>

namespace airan::phy {

enum class CrcType : uint8_t { crc24a, crc24b, crc24c, crc16, crc11, crc6 };

/// Number of parity bits L of `type`: 24, 16, 11 or 6.
unsigned crc_length(CrcType type);

/// Name as the standard writes it: "CRC24A", ..., "CRC6".
const char* crc_name(CrcType type);

/// CRC of an unpacked bit sequence (one bit per byte, 0 or 1). Returns the L parity bits in the
/// low bits of the result, p0 (the first appended bit) most significant.
uint32_t crc_calculate(CrcType type, std::span<const uint8_t> bits);

/// CRC of the first `num_bits` bits of a packed sequence (bit 0 is the MSB of bytes[0]).
/// `bytes` must hold at least ceil(num_bits / 8) bytes. Same result layout as crc_calculate.
uint32_t crc_calculate_packed(CrcType type, std::span<const uint8_t> bytes, size_t num_bits);

/// Writes the L parity bits of `crc`, p0 first, into `out` (one bit per byte); out.size() >= L.
void crc_unpack(CrcType type, uint32_t crc, std::span<uint8_t> out);

}  // namespace airan::phy
