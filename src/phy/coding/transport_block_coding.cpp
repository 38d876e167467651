#include "airan/phy/coding/transport_block_coding.h"

#include <string>

#include "airan/phy/coding/ldpc_rate_matcher.h"

namespace airan::phy {
namespace {

LdpcRateMatchConfig rate_match_config(const CodeBlockSegmentation& seg,
                                      const TransportBlockCodingConfig& cfg, unsigned r) {
  LdpcRateMatchConfig rm;
  rm.bg = seg.bg;
  rm.z = seg.z;
  rm.filler = seg.filler;
  rm.rv = cfg.rv;
  rm.qm = cfg.qm;
  rm.n_ref = cfg.n_ref;
  rm.e = ldpc_code_block_e(r, seg.num_code_blocks, cfg.g, cfg.num_layers, cfg.qm);
  return rm;
}

}  // namespace

Expected<CodeBlockSegmentation> transport_block_segmentation(const TransportBlockCodingConfig& cfg) {
  if (cfg.qm != 1 && cfg.qm != 2 && cfg.qm != 4 && cfg.qm != 6 && cfg.qm != 8) {
    return Error{"qm=" + std::to_string(cfg.qm) + " must be 1, 2, 4, 6 or 8"};
  }
  if (cfg.num_layers < 1 || cfg.num_layers > 4) {
    return Error{"num_layers=" + std::to_string(cfg.num_layers) + " outside 1..4"};
  }
  if (cfg.rv > 3) return Error{"rv=" + std::to_string(cfg.rv) + " outside 0..3"};
  if (!(cfg.target_code_rate > 0.0 && cfg.target_code_rate < 1.0)) {
    return Error{"target_code_rate=" + std::to_string(cfg.target_code_rate) + " outside (0, 1)"};
  }
  auto seg = ldpc_segmentation(cfg.tbs, ldpc_select_base_graph(cfg.tbs, cfg.target_code_rate));
  if (!seg) return seg;
  const unsigned unit = cfg.qm * cfg.num_layers;
  // Every code block needs at least one modulation symbol per layer.
  if (cfg.g % unit != 0 || cfg.g / unit < seg->num_code_blocks) {
    return Error{"g=" + std::to_string(cfg.g) + " must be a multiple of qm*num_layers=" +
                 std::to_string(unit) + " and at least " +
                 std::to_string(unit * seg->num_code_blocks) + " for " +
                 std::to_string(seg->num_code_blocks) + " code blocks"};
  }
  return seg;
}

TransportBlockEncoder::TransportBlockEncoder() : encoder_(create_ldpc_encoder()) {}

Status TransportBlockEncoder::encode(std::span<uint8_t> coded, std::span<const uint8_t> tb,
                                     const TransportBlockCodingConfig& cfg) {
  auto seg = transport_block_segmentation(cfg);
  if (!seg) return seg.error();
  if (coded.size() != cfg.g) {
    return Error{"coded has " + std::to_string(coded.size()) + " bits, g=" + std::to_string(cfg.g) + " expected"};
  }
  blocks_.resize(static_cast<size_t>(seg->num_code_blocks) * seg->k);
  if (Status s = ldpc_segment_transport_block(blocks_, tb, *seg); !s) return s;
  d_.resize(ldpc_n(seg->bg, seg->z));
  size_t offset = 0;  // code-block concatenation (5.5): blocks follow each other in `coded`
  for (unsigned r = 0; r < seg->num_code_blocks; ++r) {
    const auto block = std::span<const uint8_t>(blocks_).subspan(static_cast<size_t>(r) * seg->k, seg->k);
    if (Status s = encoder_->encode(d_, block, seg->bg, seg->z); !s) return s;
    const LdpcRateMatchConfig rm = rate_match_config(*seg, cfg, r);
    if (Status s = ldpc_rate_match(coded.subspan(offset, rm.e), d_, rm); !s) return s;
    offset += rm.e;
  }
  return Status::ok();
}

TransportBlockDecoder::TransportBlockDecoder(Options options)
    : options_(options), decoder_(create_ldpc_decoder()) {}

Expected<TransportBlockDecodeResult> TransportBlockDecoder::decode(
    std::span<uint8_t> tb, std::span<const int8_t> llrs, const TransportBlockCodingConfig& cfg,
    bool new_data) {
  auto seg = transport_block_segmentation(cfg);
  if (!seg) return seg.error();
  if (llrs.size() != cfg.g) {
    return Error{"llrs has " + std::to_string(llrs.size()) + " values, g=" + std::to_string(cfg.g) + " expected"};
  }
  const size_t n = ldpc_n(seg->bg, seg->z);
  const size_t soft_size = static_cast<size_t>(seg->num_code_blocks) * n;
  if (!new_data && soft_.size() != soft_size) {
    return Error{"retransmission (new_data=false) of a TB whose segmentation differs from the "
                 "buffered one; send new_data=true first"};
  }
  soft_.resize(soft_size);
  blocks_.resize(static_cast<size_t>(seg->num_code_blocks) * seg->k);

  LdpcDecoder::Configuration dc;
  dc.bg = seg->bg;
  dc.z = seg->z;
  dc.max_iterations = options_.max_iterations;
  dc.early_stop = LdpcDecoder::EarlyStop::crc;
  dc.crc = seg->has_cb_crc() ? CrcType::crc24b : seg->tb_crc;
  dc.k_prime = seg->k_prime;

  TransportBlockDecodeResult result;
  result.code_blocks = seg->num_code_blocks;
  size_t offset = 0;
  unsigned iterations = 0;
  for (unsigned r = 0; r < seg->num_code_blocks; ++r) {
    const LdpcRateMatchConfig rm = rate_match_config(*seg, cfg, r);
    auto soft = std::span<int8_t>(soft_).subspan(r * n, n);
    if (Status s = ldpc_rate_dematch(soft, llrs.subspan(offset, rm.e), rm, !new_data); !s) return Error{s.message()};
    offset += rm.e;
    auto decoded = decoder_->decode(std::span<uint8_t>(blocks_).subspan(static_cast<size_t>(r) * seg->k, seg->k), soft, dc);
    if (!decoded) return decoded.error();
    result.code_blocks_ok += decoded->success;
    result.max_iterations = std::max(result.max_iterations, decoded->iterations);
    iterations += decoded->iterations;
  }
  result.mean_iterations = static_cast<double>(iterations) / seg->num_code_blocks;
  auto crc = ldpc_desegment_transport_block(tb, blocks_, *seg);
  if (!crc) return crc.error();
  result.crc_ok = crc->tb_crc_ok && crc->code_blocks_crc_ok == seg->num_code_blocks;
  return result;
}

}  // namespace airan::phy
