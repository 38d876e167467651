#pragma once
// The layered min-sum LDPC decoder, written once over a SIMD "traits" type and instantiated per
// instruction set (ldpc_decoder_generic.cpp, _avx2.cpp, _avx512.cpp). Each lane of a vector is one
// of the Z parallel check equations of a block row, so a row update is lane-wise and needs no
// shuffles: the cyclic shifts are applied when a variable block is gathered into a row buffer.
//
// Traits provide: kWidth (lanes), vector type V, mask type M and the lane-wise operations used
// below (load/store on aligned int8, saturating adds/subs, min/max, abs, compare to masks, select,
// negate under a mask, xor, and lookup64: a 64-entry table lookup for indices 0..63, the table
// laid out as in `correction_`).

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "airan/phy/coding/crc.h"
#include "airan/phy/coding/ldpc_decoder.h"

namespace airan::phy::detail {

inline constexpr unsigned kMaxZ = 384;
inline constexpr unsigned kMaxCols = 68;
inline constexpr unsigned kMaxEdges = 316;
inline constexpr unsigned kMaxRowDegree = 30;
inline constexpr int8_t kMaxLlr = 127;
// Check-message magnitudes stay <= 63, well inside the variable range: a saturated L = 127 must
// keep L - R > 0 through a row update, or layered decoding flips converged bits.
inline constexpr int8_t kMaxCheck = 63;

/// Validates a decode call; the message names the parameter and its allowed range.
Status ldpc_decoder_check(std::span<const uint8_t> message, std::span<const int8_t> llrs,
                          const LdpcDecoder::Configuration& cfg);

/// Zero syndrome over the first `rows` block rows, from hard decisions hd (one byte per bit,
/// column j at j*stride).
bool ldpc_syndrome_ok(const LdpcGraph& graph, unsigned rows, const uint8_t* hd, unsigned stride);

template <typename S>
class LdpcDecoderLayered final : public LdpcDecoder {
  using V = typename S::V;
  static constexpr unsigned kW = S::kWidth;
  // Each block is padded to a whole number of vectors; lanes >= Z are never read back.
  static constexpr unsigned kStride = (kMaxZ + kW - 1) / kW * kW;

 public:
  LdpcDecoderLayered()
      : var_(kMaxCols * kStride + kW),
        check_(kMaxEdges * kStride + kW),
        row_(kMaxRowDegree * kStride + kW),
        hd_(kMaxCols * kStride) {}

  std::string_view implementation() const override { return S::kName; }

  Expected<Result> decode(std::span<uint8_t> message, std::span<const int8_t> llrs,
                          const Configuration& cfg) override {
    if (Status s = ldpc_decoder_check(message, llrs, cfg); !s) return Error{s.message()};
    const LdpcGraph& graph = *LdpcGraph::get(cfg.bg, cfg.z);
    const unsigned z = cfg.z;
    const unsigned nvec = (z + kW - 1) / kW;
    const unsigned kb = graph.info_cols();

    // Variable LLRs: 2Z punctured zeros, then the received d; missing tail positions stay 0.
    int8_t* var = aligned(var_);
    std::memset(var, 0, graph.cols() * kStride);
    unsigned last_col = 0;  // last block column holding a non-zero LLR
    for (unsigned col = 2; col < graph.cols(); ++col) {
      const size_t begin = static_cast<size_t>(col - 2) * z;
      if (begin >= llrs.size()) break;
      const size_t len = std::min<size_t>(z, llrs.size() - begin);
      std::memcpy(var + col * kStride, llrs.data() + begin, len);
      if (any_nonzero(llrs.data() + begin, len)) last_col = col;
    }
    // A row beyond the core whose parity column is all-zero LLRs sends zero messages: skip it.
    const unsigned rows = std::clamp(last_col + 1, kb + 4, graph.cols()) - kb;

    int8_t* check = aligned(check_);
    std::memset(check, 0, graph.row_offset(rows) * kStride);

    // correction_ holds the 64-entry table as 4 quarters of 16, each repeated over 64 bytes, the
    // layout in-lane byte shuffles want: entry m sits at (m / 16) * 64 + (m % 16) + 16 * lane.
    for (int m = 0; m <= kMaxCheck; ++m) {
      const auto corrected = static_cast<int8_t>(
          cfg.algorithm == Algorithm::normalized_min_sum ? static_cast<float>(m) * cfg.scaling
                                                         : static_cast<float>(std::max(m - cfg.offset, 0)));
      for (int lane = 0; lane < 4; ++lane) correction_[(m / 16) * 64 + m % 16 + 16 * lane] = corrected;
    }
    Result result;
    for (unsigned it = 1; it <= cfg.max_iterations; ++it) {
      for (unsigned r = 0; r < rows; ++r) update_row(graph, r, nvec);
      result.iterations = it;
      if (cfg.early_stop != EarlyStop::none || it == cfg.max_iterations) {
        // CRC early stop needs the information columns only; the syndrome the active rows touch.
        hard_decide(cfg.early_stop == EarlyStop::crc ? kb : kb + rows);
        if (cfg.early_stop == EarlyStop::crc) {
          result.success = crc_ok(cfg, kb, z);
        } else {
          result.success = ldpc_syndrome_ok(graph, rows, hd_.data(), kStride);
        }
        if (result.success && cfg.early_stop != EarlyStop::none) break;
      }
    }
    for (unsigned col = 0; col < kb; ++col) {
      std::memcpy(message.data() + static_cast<size_t>(col) * z, hd_.data() + col * kStride, z);
    }
    return result;
  }

 private:
  // True when some of the n bytes at p is not zero: an OR over 8-byte words the compiler
  // vectorises (std::any_of tests byte by byte, which cost more than two decoder iterations).
  static bool any_nonzero(const int8_t* p, size_t n) {
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      acc |= w;
    }
    for (; i < n; ++i) acc |= static_cast<uint8_t>(p[i]);
    return acc != 0;
  }

  static int8_t* aligned(std::vector<int8_t>& v) {
    auto p = reinterpret_cast<uintptr_t>(v.data());
    return v.data() + ((kW - p % kW) % kW);
  }

  // Layered min-sum update of block row r: for each edge, t = L - R (extrinsic); new
  // R = sign(prod of other t) * correction(min of other |t|); L = t + R.
  void update_row(const LdpcGraph& graph, unsigned r, unsigned nvec) {
    const auto edges = graph.row(r);
    const unsigned z = graph.z();
    int8_t* var = aligned(var_);
    int8_t* row = aligned(row_);
    int8_t* check = aligned(check_) + static_cast<size_t>(graph.row_offset(r)) * kStride;
    const unsigned degree = static_cast<unsigned>(edges.size());

    // Gather each variable block rotated by its shift: row[j][k] = L[col][(k + shift) mod Z].
    for (unsigned j = 0; j < degree; ++j) {
      const int8_t* src = var + edges[j].col * kStride;
      int8_t* dst = row + j * kStride;
      const unsigned s = edges[j].shift;
      std::memcpy(dst, src + s, z - s);
      std::memcpy(dst + z - s, src, s);
    }
    for (unsigned v = 0; v < nvec; ++v) {
      const size_t off = static_cast<size_t>(v) * kW;
      V min1 = S::set1(kMaxLlr), min2 = S::set1(kMaxLlr), min_index = S::set1(0), sign = S::set1(0);
      for (unsigned j = 0; j < degree; ++j) {
        int8_t* t_ptr = row + j * kStride + off;
        V t = S::max(S::subs(S::load(t_ptr), S::load(check + j * kStride + off)), S::set1(-kMaxLlr));
        S::store(t_ptr, t);
        const V a = S::abs(t);
        sign = S::bxor(sign, t);
        min2 = S::min(min2, S::max(a, min1));
        min_index = S::select(S::lt(a, min1), S::set1(static_cast<int8_t>(j)), min_index);
        min1 = S::min(min1, a);
      }
      // Normalisation or offset, through a table over the clamped magnitude.
      min1 = S::lookup64(S::min(min1, S::set1(kMaxCheck)), correction_.data());
      min2 = S::lookup64(S::min(min2, S::set1(kMaxCheck)), correction_.data());
      for (unsigned j = 0; j < degree; ++j) {
        int8_t* t_ptr = row + j * kStride + off;
        const V t = S::load(t_ptr);
        const V mag = S::select(S::eq(min_index, S::set1(static_cast<int8_t>(j))), min2, min1);
        const V msg = S::negate_if(S::lt(S::bxor(sign, t), S::set1(0)), mag);
        S::store(check + j * kStride + off, msg);
        S::store(t_ptr, S::adds(t, msg));
      }
    }
    // Scatter back with the inverse rotation.
    for (unsigned j = 0; j < degree; ++j) {
      int8_t* dst = var + edges[j].col * kStride;
      const int8_t* src = row + j * kStride;
      const unsigned s = edges[j].shift;
      std::memcpy(dst + s, src, z - s);
      std::memcpy(dst, src + z - s, s);
    }
  }

  // Hard decisions of the first `cols` block columns (whole padded blocks: lanes >= Z are never
  // read back). Restrict-qualified byte pointers and a size_t index so that the loop vectorises;
  // in early-stop mode it runs every iteration.
  void hard_decide(unsigned cols) {
    const int8_t* __restrict var = aligned(var_);
    uint8_t* __restrict hd = hd_.data();
    const size_t n = static_cast<size_t>(cols) * kStride;
    for (size_t i = 0; i < n; ++i) hd[i] = static_cast<uint8_t>(var[i] < 0);
  }

  bool crc_ok(const Configuration& cfg, unsigned kb, unsigned z) {
    // Information bits are contiguous in hd_ only per column; pack them into msg_ first.
    for (unsigned col = 0; col < kb; ++col) {
      std::memcpy(msg_.data() + static_cast<size_t>(col) * z, hd_.data() + col * kStride, z);
    }
    return crc_calculate(cfg.crc, std::span<const uint8_t>(msg_.data(), cfg.k_prime)) == 0;
  }

  std::vector<int8_t> var_;    // a-posteriori LLR per variable, block column j at j*kStride
  std::vector<int8_t> check_;  // check-to-variable message per edge, edge e at e*kStride
  std::vector<int8_t> row_;    // the current row's gathered (rotated) variable blocks
  std::vector<uint8_t> hd_;    // hard decisions, same layout as var_
  std::array<uint8_t, 22 * kMaxZ> msg_{};
  alignas(64) std::array<int8_t, 4 * 64> correction_{};  // check magnitude -> corrected magnitude
};

}  // namespace airan::phy::detail
