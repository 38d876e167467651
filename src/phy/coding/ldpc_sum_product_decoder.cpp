#include "airan/phy/coding/ldpc_sum_product_decoder.h"

#include <algorithm>
#include <cmath>

#include "phy/coding/ldpc_decoder_impl.h"

namespace airan::phy {

Expected<LdpcDecoder::Result> LdpcSumProductDecoder::decode(std::span<uint8_t> message,
                                                            std::span<const float> llrs,
                                                            const LdpcDecoder::Configuration& cfg) {
  // Same validation as the production decoder; the int8 span only carries the length.
  const std::span<const int8_t> length_only(reinterpret_cast<const int8_t*>(llrs.data()), llrs.size());
  if (Status s = detail::ldpc_decoder_check(message, length_only, cfg); !s) return Error{s.message()};
  const LdpcGraph& graph = *LdpcGraph::get(cfg.bg, cfg.z);
  const unsigned z = cfg.z;
  channel_.assign(static_cast<size_t>(graph.cols()) * z, 0.0f);
  std::copy(llrs.begin(), llrs.end(), channel_.begin() + 2 * z);
  var_ = channel_;
  check_.assign(graph.edges().size() * z, 0.0f);
  hd_.resize(var_.size());
  const bool layered = schedule_ == Schedule::layered;

  LdpcDecoder::Result result;
  for (unsigned it = 1; it <= cfg.max_iterations; ++it) {
    // Flooding: every check reads the variables of the previous iteration; layered: the latest.
    if (!layered) {
      snapshot_ = var_;
      var_ = channel_;
    }
    const std::vector<float>& source = layered ? var_ : snapshot_;
    for (unsigned r = 0; r < graph.rows(); ++r) {
      const auto edges = graph.row(r);
      const size_t first = graph.row_offset(r);
      t_.resize(edges.size());
      th_.resize(edges.size());
      for (unsigned k = 0; k < z; ++k) {
        // tanh rule: R_j = 2 atanh(prod_{i != j} tanh(t_i / 2)), from the full product.
        double product = 1.0;
        unsigned zeros = 0;
        for (size_t j = 0; j < edges.size(); ++j) {
          const size_t v = static_cast<size_t>(edges[j].col) * z + (k + edges[j].shift) % z;
          t_[j] = source[v] - check_[(first + j) * z + k];
          th_[j] = std::tanh(0.5f * std::clamp(t_[j], -30.0f, 30.0f));
          if (th_[j] == 0.0f) {
            ++zeros;
          } else {
            product *= th_[j];
          }
        }
        for (size_t j = 0; j < edges.size(); ++j) {
          double others = 0.0;
          if (th_[j] != 0.0f && zeros == 0) others = product / th_[j];
          if (th_[j] == 0.0f && zeros == 1) others = product;
          others = std::clamp(others, -0.999999999999, 0.999999999999);
          const auto msg = static_cast<float>(2.0 * std::atanh(others));
          check_[(first + j) * z + k] = msg;
          const size_t v = static_cast<size_t>(edges[j].col) * z + (k + edges[j].shift) % z;
          var_[v] = layered ? t_[j] + msg : var_[v] + msg;
        }
      }
    }
    result.iterations = it;
    for (size_t i = 0; i < var_.size(); ++i) hd_[i] = var_[i] < 0.0f;
    result.success = detail::ldpc_syndrome_ok(graph, graph.rows(), hd_.data(), z);
    if (result.success && cfg.early_stop != LdpcDecoder::EarlyStop::none) break;
  }
  std::copy_n(hd_.begin(), ldpc_k(cfg.bg, z), message.begin());
  return result;
}

}  // namespace airan::phy
