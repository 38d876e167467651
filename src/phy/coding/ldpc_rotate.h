#pragma once
// Cyclic-shift XOR of one Z-bit block, shared by the encoder and the decoder's syndrome check.

#include <cstddef>
#include <cstdint>

namespace airan::phy::detail {

/// acc[k] ^= src[(k + shift) mod z] for k < z (one bit per byte). Two contiguous runs with
/// non-aliasing pointers, so the compiler vectorises both.
inline void xor_rotated(uint8_t* __restrict acc, const uint8_t* __restrict src, size_t shift,
                        size_t z) {
  const size_t head = z - shift;
  const uint8_t* __restrict tail_src = src + shift;
  for (size_t k = 0; k < head; ++k) acc[k] ^= tail_src[k];
  uint8_t* __restrict tail_acc = acc + head;
  for (size_t k = 0; k < shift; ++k) tail_acc[k] ^= src[k];
}

}  // namespace airan::phy::detail
