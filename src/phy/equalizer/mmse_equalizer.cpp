#include "airan/phy/equalizer/mmse_equalizer.h"

#include <array>
#include <complex>
#include <string>

namespace airan::phy {
namespace {

using cd = std::complex<double>;
constexpr unsigned kMax = 4;

// In-place inverse of the L x L Hermitian positive-definite matrix a by Gauss-Jordan elimination
// (L <= 4; regularised by the noise term, so pivots are positive).
void invert(std::array<std::array<cd, kMax>, kMax>& a, unsigned l) {
  std::array<std::array<cd, kMax>, kMax> inv{};
  for (unsigned i = 0; i < l; ++i) inv[i][i] = 1.0;
  for (unsigned c = 0; c < l; ++c) {
    const cd pivot = a[c][c];
    for (unsigned j = 0; j < l; ++j) {
      a[c][j] /= pivot;
      inv[c][j] /= pivot;
    }
    for (unsigned r = 0; r < l; ++r) {
      if (r == c) continue;
      const cd f = a[r][c];
      for (unsigned j = 0; j < l; ++j) {
        a[r][j] -= f * a[c][j];
        inv[r][j] -= f * inv[c][j];
      }
    }
  }
  a = inv;
}

}  // namespace

Status mmse_equalize(std::span<cf_t> symbols, std::span<float> noise_var_out,
                     std::span<const cf_t> rx, std::span<const cf_t> channel,
                     const EqualizerDims& dims, float noise_var) {
  const unsigned nr = dims.num_rx, nl = dims.num_layers;
  const size_t n = dims.num_re;
  if (nr < 1 || nr > kMax) return Error{"num_rx=" + std::to_string(nr) + " outside 1..4"};
  if (nl < 1 || nl > nr) {
    return Error{"num_layers=" + std::to_string(nl) + " outside 1..num_rx=" + std::to_string(nr)};
  }
  if (!(noise_var > 0.0f)) return Error{"noise_var=" + std::to_string(noise_var) + " must be > 0"};
  if (rx.size() != nr * n) return Error{"rx has " + std::to_string(rx.size()) + " values, num_rx*num_re=" + std::to_string(nr * n)};
  if (channel.size() != nr * nl * n) {
    return Error{"channel has " + std::to_string(channel.size()) + " values, num_rx*num_layers*num_re=" + std::to_string(nr * nl * n)};
  }
  if (symbols.size() != nl * n || noise_var_out.size() != nl * n) {
    return Error{"symbols and noise_var_out need num_layers*num_re=" + std::to_string(nl * n) + " values"};
  }
  for (size_t re = 0; re < n; ++re) {
    auto h = [&](unsigned port, unsigned layer) { return cd(channel[(port * nl + layer) * n + re]); };
    // G = H^H H + s2 I, then G^-1.
    std::array<std::array<cd, kMax>, kMax> g{};
    for (unsigned i = 0; i < nl; ++i) {
      for (unsigned j = 0; j < nl; ++j) {
        cd acc = i == j ? cd(noise_var) : cd(0.0);
        for (unsigned p = 0; p < nr; ++p) acc += std::conj(h(p, i)) * h(p, j);
        g[i][j] = acc;
      }
    }
    invert(g, nl);
    // z = H^H y; x = G^-1 z; the MMSE gain of layer l is mu = (G^-1 H^H H)_ll = 1 - s2 (G^-1)_ll.
    std::array<cd, kMax> z{};
    for (unsigned i = 0; i < nl; ++i) {
      for (unsigned p = 0; p < nr; ++p) z[i] += std::conj(h(p, i)) * cd(rx[p * n + re]);
    }
    for (unsigned i = 0; i < nl; ++i) {
      cd x = 0;
      for (unsigned j = 0; j < nl; ++j) x += g[i][j] * z[j];
      const double mu = std::max(1.0 - noise_var * g[i][i].real(), 1e-9);
      symbols[i * n + re] = cf_t(x / mu);
      // Unbiased estimate x/mu has noise-plus-interference variance (1 - mu) / mu.
      noise_var_out[i * n + re] = static_cast<float>(std::max((1.0 - mu) / mu, 1e-9));
    }
  }
  return Status::ok();
}

}  // namespace airan::phy
