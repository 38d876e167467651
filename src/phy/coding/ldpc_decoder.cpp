#include "airan/phy/coding/ldpc_decoder.h"

#include <string>

#include "phy/coding/ldpc_decoder_impl.h"
#include "phy/coding/ldpc_rotate.h"

namespace airan::phy {

// Defined in ldpc_decoder_{generic,avx2,avx512}.cpp, each compiled for its instruction set.
std::unique_ptr<LdpcDecoder> create_ldpc_decoder_generic();
std::unique_ptr<LdpcDecoder> create_ldpc_decoder_avx2();
std::unique_ptr<LdpcDecoder> create_ldpc_decoder_avx512();

std::unique_ptr<LdpcDecoder> create_ldpc_decoder(std::optional<SimdLevel> level) {
  const SimdLevel l = level.value_or(detected_simd_level());
  if (!cpu_supports(l)) return nullptr;
  switch (l) {
    case SimdLevel::avx512:
      return create_ldpc_decoder_avx512();
    case SimdLevel::avx2:
      return create_ldpc_decoder_avx2();
    case SimdLevel::portable:
      break;
  }
  return create_ldpc_decoder_generic();
}

namespace detail {

Status ldpc_decoder_check(std::span<const uint8_t> message, std::span<const int8_t> llrs,
                          const LdpcDecoder::Configuration& cfg) {
  if (cfg.bg != LdpcBaseGraph::bg1 && cfg.bg != LdpcBaseGraph::bg2) {
    return Error{"LDPC decoder: bg must be 1 or 2"};
  }
  if (LdpcGraph::get(cfg.bg, cfg.z) == nullptr) {
    return Error{"LDPC decoder: z=" + std::to_string(cfg.z) +
                 " is not a lifting size of TS 38.212 Table 5.3.2-1 (2..384)"};
  }
  if (cfg.max_iterations < 1 || cfg.max_iterations > 100) {
    return Error{"LDPC decoder: max_iterations=" + std::to_string(cfg.max_iterations) +
                 " outside 1..100"};
  }
  const unsigned k = ldpc_k(cfg.bg, cfg.z);
  const unsigned n = ldpc_n(cfg.bg, cfg.z);
  const unsigned min_llrs = k - 2 * cfg.z;  // at least the transmitted systematic part
  if (llrs.size() < min_llrs || llrs.size() > n) {
    return Error{"LDPC decoder: llrs has " + std::to_string(llrs.size()) + " values, allowed " +
                 std::to_string(min_llrs) + ".." + std::to_string(n) + " for this base graph and Z"};
  }
  if (message.size() != k) {
    return Error{"LDPC decoder: message has " + std::to_string(message.size()) + " bits, K=" +
                 std::to_string(k) + " expected"};
  }
  if (cfg.early_stop == LdpcDecoder::EarlyStop::crc &&
      (cfg.k_prime <= crc_length(cfg.crc) || cfg.k_prime > k)) {
    return Error{"LDPC decoder: k_prime=" + std::to_string(cfg.k_prime) + " outside " +
                 std::to_string(crc_length(cfg.crc) + 1) + ".." + std::to_string(k) +
                 " (needed for CRC early stop)"};
  }
  if (cfg.algorithm == LdpcDecoder::Algorithm::offset_min_sum && (cfg.offset < 0 || cfg.offset > 64)) {
    return Error{"LDPC decoder: offset=" + std::to_string(cfg.offset) + " outside 0..64"};
  }
  return Status::ok();
}

bool ldpc_syndrome_ok(const LdpcGraph& graph, unsigned rows, const uint8_t* hd, unsigned stride) {
  const unsigned z = graph.z();
  std::array<uint8_t, kMaxZ> parity{};
  for (unsigned r = 0; r < rows; ++r) {
    std::fill_n(parity.begin(), z, 0);
    for (const LdpcEdge& e : graph.row(r)) {
      xor_rotated(parity.data(), hd + static_cast<size_t>(e.col) * stride, e.shift, z);
    }
    uint8_t any = 0;
    for (unsigned k = 0; k < z; ++k) any |= parity[k];
    if (any != 0) return false;
  }
  return true;
}

}  // namespace detail
}  // namespace airan::phy
