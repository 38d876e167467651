// NR CRC (TS 38.212 5.1), table driven: slicing-by-8 over packed bytes, bit-serial for the tail.
//
// Every polynomial runs on a 32-bit register with the generator aligned to the top bit, so one
// code path serves L = 24, 16, 11 and 6: the low 32 - L bits of the register stay zero, and the
// parity bits are the top L bits at the end.
#include "airan/phy/coding/crc.h"

#include <array>
#include <bit>
#include <cstring>

#include "phy/coding/bit_pack.h"

namespace airan::phy {
namespace {

struct CrcSpec {
  unsigned length;
  uint32_t poly;  ///< generator without its D^L term, bit i = coefficient of D^i
  const char* name;
};

// TS 38.212 5.1, generator polynomials g_CRC*(D).
constexpr std::array<CrcSpec, 6> kSpecs = {{
    // D^24+D^23+D^18+D^17+D^14+D^11+D^10+D^7+D^6+D^5+D^4+D^3+D+1
    {24, 0x864CFB, "CRC24A"},
    // D^24+D^23+D^6+D^5+D+1
    {24, 0x800063, "CRC24B"},
    // D^24+D^23+D^21+D^20+D^17+D^15+D^13+D^12+D^8+D^4+D^2+D+1
    {24, 0xB2B117, "CRC24C"},
    // D^16+D^12+D^5+1
    {16, 0x1021, "CRC16"},
    // D^11+D^10+D^9+D^5+1
    {11, 0x621, "CRC11"},
    // D^6+D^5+1
    {6, 0x21, "CRC6"},
}};

constexpr unsigned kNumTypes = kSpecs.size();

/// Slicing-by-8 tables of one polynomial: slice[j][b] is the register after byte b followed by
/// j zero bytes, starting from a zero register.
struct CrcTables {
  uint32_t poly_top;  ///< generator aligned to bit 31
  unsigned length;
  std::array<std::array<uint32_t, 256>, 8> slice;
};

constexpr CrcTables make_tables(const CrcSpec& spec) {
  CrcTables t{};
  t.length = spec.length;
  t.poly_top = spec.poly << (32 - spec.length);
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t reg = b << 24;
    for (int i = 0; i < 8; ++i) reg = (reg & 0x80000000u) ? (reg << 1) ^ t.poly_top : reg << 1;
    t.slice[0][b] = reg;
  }
  for (unsigned j = 1; j < 8; ++j) {
    for (unsigned b = 0; b < 256; ++b) {
      const uint32_t prev = t.slice[j - 1][b];
      t.slice[j][b] = (prev << 8) ^ t.slice[0][prev >> 24];
    }
  }
  return t;
}

constexpr std::array<CrcTables, kNumTypes> make_all_tables() {
  std::array<CrcTables, kNumTypes> all{};
  for (unsigned i = 0; i < kNumTypes; ++i) all[i] = make_tables(kSpecs[i]);
  return all;
}

constexpr std::array<CrcTables, kNumTypes> kTables = make_all_tables();

const CrcTables& tables_of(CrcType type) {
  const auto index = static_cast<unsigned>(type);
  // An out-of-range enum value (a cast from bad input) falls back to CRC24A rather than reading
  // outside the table.
  return kTables[index < kNumTypes ? index : 0];
}

inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

/// Feeds 8 bytes (hi = first four, big endian; lo = last four) into the register.
inline uint32_t update8(const CrcTables& t, uint32_t reg, uint32_t hi, uint32_t lo) {
  hi ^= reg;
  return t.slice[7][hi >> 24] ^ t.slice[6][(hi >> 16) & 0xFF] ^ t.slice[5][(hi >> 8) & 0xFF] ^
         t.slice[4][hi & 0xFF] ^ t.slice[3][lo >> 24] ^ t.slice[2][(lo >> 16) & 0xFF] ^
         t.slice[1][(lo >> 8) & 0xFF] ^ t.slice[0][lo & 0xFF];
}

inline uint32_t update1(const CrcTables& t, uint32_t reg, uint8_t byte) {
  return (reg << 8) ^ t.slice[0][(reg >> 24) ^ byte];
}

/// Feeds one bit (0 or 1) into the register: plain long division.
inline uint32_t update_bit(const CrcTables& t, uint32_t reg, unsigned bit) {
  const uint32_t top = (reg >> 31) ^ (bit & 1u);
  reg <<= 1;
  return top ? reg ^ t.poly_top : reg;
}

inline uint32_t pack32(const uint8_t* bits) {
  return (uint32_t{pack8(bits)} << 24) | (uint32_t{pack8(bits + 8)} << 16) |
         (uint32_t{pack8(bits + 16)} << 8) | uint32_t{pack8(bits + 24)};
}

inline uint32_t finish(const CrcTables& t, uint32_t reg) {
  return reg >> (32 - t.length);
}

}  // namespace

unsigned crc_length(CrcType type) {
  return tables_of(type).length;
}

const char* crc_name(CrcType type) {
  const auto index = static_cast<unsigned>(type);
  return index < kNumTypes ? kSpecs[index].name : "CRC?";
}

uint32_t crc_calculate_packed(CrcType type, std::span<const uint8_t> bytes, size_t num_bits) {
  const CrcTables& t = tables_of(type);
  // Never read past the buffer: at most its whole content is used.
  if (num_bits > bytes.size() * 8) num_bits = bytes.size() * 8;
  const size_t num_bytes = num_bits / 8;
  const uint8_t* p = bytes.data();
  uint32_t reg = 0;
  size_t i = 0;
  for (; i + 8 <= num_bytes; i += 8) reg = update8(t, reg, load_be32(p + i), load_be32(p + i + 4));
  for (; i < num_bytes; ++i) reg = update1(t, reg, p[i]);
  const unsigned tail = static_cast<unsigned>(num_bits % 8);
  for (unsigned k = 0; k < tail; ++k) reg = update_bit(t, reg, p[num_bytes] >> (7 - k));
  return finish(t, reg);
}

uint32_t crc_calculate(CrcType type, std::span<const uint8_t> bits) {
  const CrcTables& t = tables_of(type);
  const uint8_t* p = bits.data();
  const size_t n = bits.size();
  uint32_t reg = 0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) reg = update8(t, reg, pack32(p + i), pack32(p + i + 32));
  for (; i + 8 <= n; i += 8) reg = update1(t, reg, pack8(p + i));
  for (; i < n; ++i) reg = update_bit(t, reg, p[i]);
  return finish(t, reg);
}

void crc_unpack(CrcType type, uint32_t crc, std::span<uint8_t> out) {
  const unsigned length = crc_length(type);
  const size_t n = out.size() < length ? out.size() : length;
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>((crc >> (length - 1 - i)) & 1u);
}

}  // namespace airan::phy
