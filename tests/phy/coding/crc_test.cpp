// NR CRC (TS 38.212 5.1) against the known-answer vectors of the data folder and a bit-serial
// long division written here.
#include "airan/phy/coding/crc.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "test_data.h"

namespace airan::phy {
namespace {

constexpr CrcType kAllTypes[] = {CrcType::crc24a, CrcType::crc24b, CrcType::crc24c,
                                 CrcType::crc16,  CrcType::crc11,  CrcType::crc6};

bool parse_type(const std::string& name, CrcType* type) {
  for (CrcType t : kAllTypes) {
    if (name == crc_name(t)) {
      *type = t;
      return true;
    }
  }
  return false;
}

std::vector<uint8_t> parse_bits(const std::string& text) {
  std::vector<uint8_t> bits;
  bits.reserve(text.size());
  for (char c : text) bits.push_back(c == '1' ? 1 : 0);
  return bits;
}

std::vector<uint8_t> pack(const std::vector<uint8_t>& bits) {
  std::vector<uint8_t> bytes((bits.size() + 7) / 8, 0);
  for (size_t i = 0; i < bits.size(); ++i) {
    bytes[i / 8] = static_cast<uint8_t>(bytes[i / 8] | (bits[i] << (7 - i % 8)));
  }
  return bytes;
}

uint32_t bits_to_value(const std::vector<uint8_t>& bits) {
  uint32_t v = 0;
  for (uint8_t b : bits) v = (v << 1) | b;
  return v;
}

/// Generator polynomial including its D^L term, written independently of crc.cpp.
uint64_t generator(CrcType type) {
  switch (type) {
    case CrcType::crc24a:
      return (1ull << 24) | (1ull << 23) | (1ull << 18) | (1ull << 17) | (1ull << 14) |
             (1ull << 11) | (1ull << 10) | (1ull << 7) | (1ull << 6) | (1ull << 5) | (1ull << 4) |
             (1ull << 3) | (1ull << 1) | 1ull;
    case CrcType::crc24b:
      return (1ull << 24) | (1ull << 23) | (1ull << 6) | (1ull << 5) | (1ull << 1) | 1ull;
    case CrcType::crc24c:
      return (1ull << 24) | (1ull << 23) | (1ull << 21) | (1ull << 20) | (1ull << 17) |
             (1ull << 15) | (1ull << 13) | (1ull << 12) | (1ull << 8) | (1ull << 4) | (1ull << 2) |
             (1ull << 1) | 1ull;
    case CrcType::crc16:
      return (1ull << 16) | (1ull << 12) | (1ull << 5) | 1ull;
    case CrcType::crc11:
      return (1ull << 11) | (1ull << 10) | (1ull << 9) | (1ull << 5) | 1ull;
    case CrcType::crc6:
      return (1ull << 6) | (1ull << 5) | 1ull;
  }
  return 0;
}

/// Remainder of a(D) * D^L divided by g(D), one bit at a time.
uint32_t long_division(CrcType type, const std::vector<uint8_t>& bits) {
  const unsigned l = crc_length(type);
  const uint64_t g = generator(type);
  uint64_t rem = 0;
  auto step = [&](unsigned bit) {
    rem = (rem << 1) | bit;
    if (rem >> l) rem ^= g;
  };
  for (uint8_t b : bits) step(b);
  for (unsigned i = 0; i < l; ++i) step(0);
  return static_cast<uint32_t>(rem);
}

void check_vector_file(const std::string& relative, size_t expected_rows) {
  const auto path = test::data_path(relative);
  const auto rows = test::read_csv(path);
  ASSERT_EQ(rows.size(), expected_rows) << "missing or short " << path;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 4u) << path;
    CrcType type{};
    ASSERT_TRUE(parse_type(row[0], &type)) << row[0];
    const unsigned a = static_cast<unsigned>(std::stoul(row[1]));
    const auto msg = parse_bits(row[2]);
    const auto parity = parse_bits(row[3]);
    ASSERT_EQ(msg.size(), a) << row[0] << " A=" << a;
    ASSERT_EQ(parity.size(), crc_length(type)) << row[0];
    const uint32_t want = bits_to_value(parity);
    SCOPED_TRACE(row[0] + " A=" + row[1]);

    EXPECT_EQ(crc_calculate(type, msg), want);
    const auto packed = pack(msg);
    EXPECT_EQ(crc_calculate_packed(type, packed, a), want);
    EXPECT_EQ(long_division(type, msg), want);

    std::vector<uint8_t> unpacked_parity(crc_length(type), 7);
    crc_unpack(type, want, unpacked_parity);
    EXPECT_EQ(unpacked_parity, parity);

    // The message followed by its parity bits leaves no remainder.
    std::vector<uint8_t> with_crc = msg;
    with_crc.insert(with_crc.end(), parity.begin(), parity.end());
    EXPECT_EQ(crc_calculate(type, with_crc), 0u);
    EXPECT_EQ(crc_calculate_packed(type, pack(with_crc), with_crc.size()), 0u);
  }
}

TEST(Crc, KnownAnswerVectors) {
  check_vector_file("nr/vectors/crc_vectors.csv", 20);
}

TEST(Crc, SionnaReferenceVectors) {
  check_vector_file("nr/vectors/crc_sionna_ref.csv", 6);
}

TEST(Crc, LengthsAndNames) {
  EXPECT_EQ(crc_length(CrcType::crc24a), 24u);
  EXPECT_EQ(crc_length(CrcType::crc24b), 24u);
  EXPECT_EQ(crc_length(CrcType::crc24c), 24u);
  EXPECT_EQ(crc_length(CrcType::crc16), 16u);
  EXPECT_EQ(crc_length(CrcType::crc11), 11u);
  EXPECT_EQ(crc_length(CrcType::crc6), 6u);
  EXPECT_STREQ(crc_name(CrcType::crc24a), "CRC24A");
  EXPECT_STREQ(crc_name(CrcType::crc24b), "CRC24B");
  EXPECT_STREQ(crc_name(CrcType::crc24c), "CRC24C");
  EXPECT_STREQ(crc_name(CrcType::crc16), "CRC16");
  EXPECT_STREQ(crc_name(CrcType::crc11), "CRC11");
  EXPECT_STREQ(crc_name(CrcType::crc6), "CRC6");
}

TEST(Crc, EmptyMessageIsZero) {
  for (CrcType t : kAllTypes) {
    EXPECT_EQ(crc_calculate(t, {}), 0u) << crc_name(t);
    EXPECT_EQ(crc_calculate_packed(t, {}, 0), 0u) << crc_name(t);
  }
}

// Every length from 0 to 700 bits exercises the bit tail, the byte loop and the 8-byte loop.
TEST(Crc, MatchesLongDivisionForEveryLength) {
  std::mt19937 rng(12345);
  for (CrcType t : kAllTypes) {
    for (size_t n = 0; n <= 700; ++n) {
      std::vector<uint8_t> bits(n);
      for (auto& b : bits) b = static_cast<uint8_t>(rng() & 1u);
      const uint32_t want = long_division(t, bits);
      ASSERT_EQ(crc_calculate(t, bits), want) << crc_name(t) << " n=" << n;
      auto packed = pack(bits);
      ASSERT_EQ(crc_calculate_packed(t, packed, n), want) << crc_name(t) << " n=" << n;
      // Bits past num_bits in the last byte must not matter.
      if (n % 8 != 0) {
        packed.back() = static_cast<uint8_t>(packed.back() | (0xFFu >> (n % 8)));
        ASSERT_EQ(crc_calculate_packed(t, packed, n), want) << crc_name(t) << " n=" << n;
      }
    }
  }
}

TEST(Crc, LargeBufferMatchesLongDivision) {
  std::mt19937 rng(777);
  std::vector<uint8_t> bits(1277992 + 24);
  for (auto& b : bits) b = static_cast<uint8_t>(rng() & 1u);
  const auto packed = pack(bits);
  for (CrcType t : {CrcType::crc24a, CrcType::crc16}) {
    const uint32_t want = long_division(t, bits);
    EXPECT_EQ(crc_calculate(t, bits), want) << crc_name(t);
    EXPECT_EQ(crc_calculate_packed(t, packed, bits.size()), want) << crc_name(t);
  }
}

TEST(Crc, AppendedParityGivesZeroRemainder) {
  std::mt19937 rng(99);
  for (CrcType t : kAllTypes) {
    for (size_t n : {1u, 7u, 64u, 65u, 1000u, 8424u}) {
      std::vector<uint8_t> bits(n + crc_length(t));
      for (size_t i = 0; i < n; ++i) bits[i] = static_cast<uint8_t>(rng() & 1u);
      const uint32_t crc = crc_calculate(t, std::span<const uint8_t>(bits.data(), n));
      crc_unpack(t, crc, std::span<uint8_t>(bits.data() + n, crc_length(t)));
      EXPECT_EQ(crc_calculate(t, bits), 0u) << crc_name(t) << " n=" << n;
      EXPECT_EQ(crc_calculate_packed(t, pack(bits), bits.size()), 0u) << crc_name(t) << " n=" << n;
      bits[n / 2] ^= 1u;
      EXPECT_NE(crc_calculate(t, bits), 0u) << crc_name(t) << " n=" << n;
    }
  }
}

TEST(Crc, PackedNumBitsBeyondBufferIsClamped) {
  const std::vector<uint8_t> bytes = {0xA5, 0x3C};
  EXPECT_EQ(crc_calculate_packed(CrcType::crc24a, bytes, 1000),
            crc_calculate_packed(CrcType::crc24a, bytes, 16));
}

}  // namespace
}  // namespace airan::phy
