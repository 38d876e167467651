#include "airan/phy/sequence/gold_sequence.h"

#include <array>

namespace airan::phy {
namespace {

constexpr unsigned kNc = 1600;  // TS 38.211 5.2.1
constexpr uint32_t kMask28 = (1u << 28) - 1;
constexpr uint32_t kMask31 = (1u << 31) - 1;

// Both registers advance 28 values per step: x(n+31+j) only needs x(n+j..n+3+j), all known for
// j <= 27. Register layout: bit i = x(n+i).
constexpr uint32_t step_x1(uint32_t x) {
  const uint32_t next = (x ^ (x >> 3)) & kMask28;  // x1(n+31) = x1(n+3) + x1(n)
  return (x >> 28) | (next << 3);
}

constexpr uint32_t step_x2(uint32_t x) {
  // x2(n+31) = x2(n+3) + x2(n+2) + x2(n+1) + x2(n)
  const uint32_t next = (x ^ (x >> 1) ^ (x >> 2) ^ (x >> 3)) & kMask28;
  return (x >> 28) | (next << 3);
}

constexpr uint32_t step1_x1(uint32_t x) {
  const uint32_t next = (x ^ (x >> 3)) & 1u;
  return (x >> 1) | (next << 30);
}

constexpr uint32_t step1_x2(uint32_t x) {
  const uint32_t next = (x ^ (x >> 1) ^ (x >> 2) ^ (x >> 3)) & 1u;
  return (x >> 1) | (next << 30);
}

constexpr uint32_t advance_x1(uint32_t x, unsigned n) {
  for (; n >= 28; n -= 28) x = step_x1(x);
  for (; n > 0; --n) x = step1_x1(x);
  return x;
}

constexpr uint32_t advance_x2(uint32_t x, unsigned n) {
  for (; n >= 28; n -= 28) x = step_x2(x);
  for (; n > 0; --n) x = step1_x2(x);
  return x;
}

// x1 starts from the fixed state x1(0) = 1, so its state at n = Nc is a constant.
constexpr uint32_t kX1AtNc = advance_x1(1u, kNc);

// x2 is linear in c_init over GF(2): its state at Nc is the XOR of the columns of the set bits.
constexpr std::array<uint32_t, 31> make_x2_jump() {
  std::array<uint32_t, 31> cols{};
  for (unsigned i = 0; i < 31; ++i) cols[i] = advance_x2(1u << i, kNc);
  return cols;
}
constexpr std::array<uint32_t, 31> kX2Jump = make_x2_jump();

}  // namespace

GoldSequence::GoldSequence(uint32_t c_init) {
  reset(c_init);
}

void GoldSequence::reset(uint32_t c_init) {
  uint32_t x2 = 0;
  uint32_t bits = c_init & kMask31;
  while (bits != 0) {
    const int i = __builtin_ctz(bits);
    x2 ^= kX2Jump[static_cast<size_t>(i)];
    bits &= bits - 1;
  }
  x1_ = kX1AtNc;
  x2_ = x2;
  pending_ = 0;
  pending_bits_ = 0;
}

void GoldSequence::refill() {
  // c(n) = x1(n + Nc) + x2(n + Nc); the registers already include the Nc offset.
  const uint64_t c = (x1_ ^ x2_) & kMask28;
  pending_ |= c << pending_bits_;
  pending_bits_ += 28;
  x1_ = step_x1(x1_);
  x2_ = step_x2(x2_);
}

uint32_t GoldSequence::next32() {
  while (pending_bits_ < 32) refill();  // at most 31 + 28 bits pending
  const auto out = static_cast<uint32_t>(pending_);
  pending_ >>= 32;
  pending_bits_ -= 32;
  return out;
}

uint64_t GoldSequence::next64() {
  const uint64_t lo = next32();
  const uint64_t hi = next32();
  return lo | (hi << 32);
}

void GoldSequence::skip(size_t num_bits) {
  if (num_bits <= pending_bits_) {
    pending_ >>= num_bits;
    pending_bits_ -= static_cast<unsigned>(num_bits);
    return;
  }
  num_bits -= pending_bits_;
  pending_ = 0;
  pending_bits_ = 0;
  for (; num_bits >= 28; num_bits -= 28) {
    x1_ = step_x1(x1_);
    x2_ = step_x2(x2_);
  }
  if (num_bits > 0) {
    refill();
    pending_ >>= num_bits;
    pending_bits_ -= static_cast<unsigned>(num_bits);
  }
}

void GoldSequence::generate(std::span<uint8_t> bits) {
  size_t i = 0;
  for (; i + 32 <= bits.size(); i += 32) {
    const uint32_t w = next32();
    for (unsigned j = 0; j < 32; ++j) bits[i + j] = static_cast<uint8_t>((w >> j) & 1u);
  }
  if (i < bits.size()) {
    const size_t rest = bits.size() - i;
    const uint32_t w = next32();
    for (size_t j = 0; j < rest; ++j) bits[i + j] = static_cast<uint8_t>((w >> j) & 1u);
    // Give back what was not used so the sequence position stays exact.
    pending_ = (pending_ << (32 - rest)) | (static_cast<uint64_t>(w) >> rest);
    pending_bits_ += static_cast<unsigned>(32 - rest);
  }
}

void GoldSequence::generate_packed(std::span<uint8_t> bytes, size_t num_bits) {
  size_t byte = 0;
  size_t done = 0;
  while (done < num_bits) {
    const size_t take = num_bits - done < 32 ? num_bits - done : 32;
    std::array<uint8_t, 32> tmp{};
    generate(std::span<uint8_t>(tmp.data(), take));
    for (size_t j = 0; j < take; j += 8) {
      uint8_t b = 0;
      for (size_t k = 0; k < 8 && j + k < take; ++k)
        b = static_cast<uint8_t>(b | (tmp[j + k] << (7 - k)));
      bytes[byte++] = b;
    }
    done += take;
  }
}

}  // namespace airan::phy
