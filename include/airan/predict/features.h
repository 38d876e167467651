#pragma once
// The fixed feature set of the execution-time models. A task type uses the features that matter
// to it; the others are missing (NaN). Features travel as a small fixed array indexed by Feature,
// so inference needs no map lookup and no allocation.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace airan::predict {

/// One column of a trace and one input of a model. Values are plain numbers in the unit named.
enum class Feature : uint8_t {
  prbs,         ///< physical resource blocks allocated (or the carrier's n_rb for OFDM)
  mcs,          ///< MCS index (TS 38.214 tables)
  qm,           ///< bits per modulation symbol: 1, 2, 4, 6, 8
  layers,       ///< MIMO layers 1..4
  rx_ports,     ///< receive antenna ports 1..4 (or more)
  snr_db,       ///< signal-to-noise ratio per RE (Es/N0), dB
  code_blocks,  ///< LDPC code blocks in the task
  iterations,   ///< LDPC decoder iterations (most of any block), known after decoding
  tbs,          ///< transport block size, bits
  bg,           ///< LDPC base graph 1 or 2
  z,            ///< LDPC lifting size
  cb_bits,      ///< code block size K (22Z or 10Z), bits
  e_bits,       ///< rate-matched length E of one code block, bits
  code_rate,    ///< code rate (information bits / coded bits)
  fft_size,     ///< FFT size, samples
  symbols,      ///< OFDM symbols the task covers
};

inline constexpr size_t kNumFeatures = 16;

/// The feature values of one task execution, indexed by Feature; NaN = missing.
using FeatureVector = std::array<float, kNumFeatures>;

/// A FeatureVector with every feature missing (NaN).
inline FeatureVector missing_features() {
  FeatureVector x;
  x.fill(std::nanf(""));
  return x;
}

/// Column name of `f` in traces and model files ("prbs", "snr_db", ...).
std::string_view feature_name(Feature f);

/// The feature whose column name is `name`; nullopt for an unknown name.
std::optional<Feature> feature_from_name(std::string_view name);

/// All feature names, comma separated, for error messages.
std::string_view feature_name_list();

/// Index of `f` in a FeatureVector.
constexpr size_t index_of(Feature f) {
  return static_cast<size_t>(f);
}

}  // namespace airan::predict
