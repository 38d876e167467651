#pragma once
// NR pseudo-random (length-31 Gold) sequence c(n) of TS 38.211 5.2.1, generated 28 bits per step,
// with the Nc = 1600 start offset applied by a precomputed GF(2) jump instead of 1600 shifts.

#include <cstddef>
#include <cstdint>
#include <span>

namespace airan::phy {

class GoldSequence {
 public:
  /// Sequence for `c_init` (bit i of c_init is x2(i), TS 38.211 5.2.1), positioned at c(0).
  explicit GoldSequence(uint32_t c_init);

  /// Restarts at c(0) for a new `c_init`.
  void reset(uint32_t c_init);

  /// The next 32 values c(n) .. c(n+31), c(n) in bit 0.
  uint32_t next32();

  /// The next 64 values c(n) .. c(n+63), c(n) in bit 0.
  uint64_t next64();

  /// Skips `num_bits` values of the sequence.
  void skip(size_t num_bits);

  /// Writes the next bits.size() values, one per byte (0 or 1).
  void generate(std::span<uint8_t> bits);

  /// Writes the next num_bits values packed, c(n) in the MSB of bytes[0] (TS 38.212 bit order);
  /// `bytes` must hold ceil(num_bits / 8) bytes; unused low bits of the last byte are zero.
  void generate_packed(std::span<uint8_t> bytes, size_t num_bits);

 private:
  void refill();

  uint32_t x1_ = 0;  // x1(n) .. x1(n+30) in bits 0..30
  uint32_t x2_ = 0;
  uint64_t pending_ = 0;  // c values produced but not yet returned, oldest in bit 0
  unsigned pending_bits_ = 0;
};

}  // namespace airan::phy
