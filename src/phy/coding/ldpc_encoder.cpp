#include "airan/phy/coding/ldpc_encoder.h"

#include <array>
#include <cstring>
#include <string>

#include "phy/coding/ldpc_rotate.h"

namespace airan::phy {
namespace {

using detail::xor_rotated;

// Encoding exploits the NR structure (TS 38.212 5.3.2): the 4 core parity columns form a
// double-diagonal block that is solved directly, and every later parity column has a single edge
// in its own row, so it is that row's XOR of already known blocks.
class LdpcEncoderImpl final : public LdpcEncoder {
 public:
  Status encode(std::span<uint8_t> d, std::span<const uint8_t> c, LdpcBaseGraph bg,
                unsigned z) override {
    const LdpcGraph* graph = LdpcGraph::get(bg, z);
    if (graph == nullptr) {
      return Error{"LDPC encoder: lifting size z=" + std::to_string(z) +
                   " is not in TS 38.212 Table 5.3.2-1 (2..384)"};
    }
    const unsigned k = ldpc_k(bg, z);
    const unsigned n = ldpc_n(bg, z);
    if (c.size() != k) {
      return Error{"LDPC encoder: c has " + std::to_string(c.size()) + " bits, K=" +
                   std::to_string(k) + " expected for this base graph and Z"};
    }
    if (d.size() != n) {
      return Error{"LDPC encoder: d has " + std::to_string(d.size()) + " bits, N=" +
                   std::to_string(n) + " expected for this base graph and Z"};
    }
    const unsigned kb = graph->info_cols();
    // cw holds the whole codeword (block column j at j*Z); d is cw without its first 2Z bits.
    std::memcpy(cw_.data(), c.data(), k);
    std::memset(cw_.data() + k, 0, (graph->cols() - kb) * z);
    uint8_t* parity = cw_.data() + static_cast<size_t>(kb) * z;

    // Core rows 0..3: s_i = sum over systematic edges of rotated c.
    std::array<uint8_t*, 4> s{};
    for (unsigned i = 0; i < 4; ++i) {
      s[i] = syndrome_[i].data();
      std::memset(s[i], 0, z);
      for (const LdpcEdge& e : graph->row(i)) {
        if (e.col < kb) xor_rotated(s[i], cw_.data() + static_cast<size_t>(e.col) * z, e.shift, z);
      }
    }
    // Summing the 4 core rows cancels p1..p3 and the paired shifts of p0, leaving p0 rotated by
    // the shift that occurs an odd number of times in column Kb.
    unsigned odd_shift = 0;
    for (unsigned i = 0; i < 4; ++i) {
      for (const LdpcEdge& e : graph->row(i)) {
        if (e.col == kb) odd_shift ^= e.shift + 1;  // pairs cancel; +1 keeps shift 0 visible
      }
    }
    odd_shift -= 1;
    std::array<uint8_t, 384> sum{};
    for (unsigned i = 0; i < 4; ++i) {
      for (unsigned t = 0; t < z; ++t) sum[t] ^= s[i][t];
    }
    // rot(p0, odd_shift) = sum  =>  p0[(t + odd_shift) mod Z] = sum[t].
    for (unsigned t = 0; t < z; ++t) parity[(t + odd_shift) % z] = sum[t];
    // Rows 0..2 then each add exactly one new core parity column, with shift 0.
    std::array<bool, 4> known{true, false, false, false};
    for (unsigned i = 0; i < 3; ++i) {
      int unknown = -1;
      for (const LdpcEdge& e : graph->row(i)) {
        if (e.col < kb || e.col >= kb + 4) continue;
        const unsigned p = e.col - kb;
        if (known[p]) {
          xor_rotated(s[i], parity + static_cast<size_t>(p) * z, e.shift, z);
        } else {
          unknown = static_cast<int>(p);
        }
      }
      std::memcpy(parity + static_cast<size_t>(unknown) * z, s[i], z);
      known[static_cast<size_t>(unknown)] = true;
    }
    // Extension rows: the single-edge parity column of row i is the XOR of the row's other blocks.
    for (unsigned i = 4; i < graph->rows(); ++i) {
      uint8_t* p = cw_.data() + static_cast<size_t>(kb + i) * z;
      for (const LdpcEdge& e : graph->row(i)) {
        if (e.col < kb + 4) xor_rotated(p, cw_.data() + static_cast<size_t>(e.col) * z, e.shift, z);
      }
    }
    std::memcpy(d.data(), cw_.data() + 2 * z, n);
    return Status::ok();
  }

 private:
  std::array<uint8_t, 68 * 384> cw_{};
  std::array<std::array<uint8_t, 384>, 4> syndrome_{};
};

}  // namespace

std::unique_ptr<LdpcEncoder> create_ldpc_encoder() { return std::make_unique<LdpcEncoderImpl>(); }

}  // namespace airan::phy
