#pragma once
// Linear MMSE MIMO equalisation of 1-4 layers received on 1-4 antenna ports, per resource element:
// x^ = (H^H H + s2 I)^-1 H^H y, made unbiased, with the post-equalisation noise variance of every
// layer for the soft demapper.

#include <cstddef>
#include <span>

#include "airan/common/expected.h"
#include "airan/phy/ofdm/carrier.h"

namespace airan::phy {

struct EqualizerDims {
  unsigned num_rx = 1;      ///< receive ports 1..4
  unsigned num_layers = 1;  ///< layers 1..4, at most num_rx
  size_t num_re = 0;        ///< resource elements
};

/// Equalises `dims.num_re` REs. Layouts (all REs of one row contiguous):
/// rx: [port][re]; channel: [port][layer][re]; symbols (out): [layer][re];
/// noise_var_out: [layer][re]. `noise_var` is the noise variance per RE and port (> 0).
/// Unit-power transmitted symbols are assumed. Error names the buffer or dimension that is wrong.
Status mmse_equalize(std::span<cf_t> symbols, std::span<float> noise_var_out,
                     std::span<const cf_t> rx, std::span<const cf_t> channel,
                     const EqualizerDims& dims, float noise_var);

}  // namespace airan::phy
