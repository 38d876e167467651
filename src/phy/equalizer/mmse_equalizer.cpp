#include "airan/phy/equalizer/mmse_equalizer.h"

#include <algorithm>
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

// Two layers in closed form, single precision and real arithmetic (the loop vectorises): with
// G = H^H H + s2 I = [[a, b], [b*, d]], det = a d - |b|^2, G^-1 = [[d, -b], [-b*, a]] / det.
void equalize_two_layers(std::span<cf_t> symbols, std::span<float> noise_var_out,
                         std::span<const cf_t> rx, std::span<const cf_t> channel, unsigned nr,
                         size_t n, float s2) {
  const auto* __restrict y = reinterpret_cast<const float*>(rx.data());
  const auto* __restrict h = reinterpret_cast<const float*>(channel.data());
  auto* __restrict x0 = reinterpret_cast<float*>(symbols.data());
  auto* __restrict x1 = reinterpret_cast<float*>(symbols.data() + n);
  float* __restrict v0 = noise_var_out.data();
  float* __restrict v1 = noise_var_out.data() + n;
  for (size_t re = 0; re < n; ++re) {
    float a = s2, d = s2, b_re = 0, b_im = 0, z0_re = 0, z0_im = 0, z1_re = 0, z1_im = 0;
    for (unsigned p = 0; p < nr; ++p) {
      const size_t i0 = 2 * ((2 * p) * n + re), i1 = 2 * ((2 * p + 1) * n + re);
      const float h0r = h[i0], h0i = h[i0 + 1], h1r = h[i1], h1i = h[i1 + 1];
      const float yr = y[2 * (p * n + re)], yi = y[2 * (p * n + re) + 1];
      a += h0r * h0r + h0i * h0i;
      d += h1r * h1r + h1i * h1i;
      b_re += h0r * h1r + h0i * h1i;  // conj(h0) h1
      b_im += h0r * h1i - h0i * h1r;
      z0_re += h0r * yr + h0i * yi;  // conj(h0) y
      z0_im += h0r * yi - h0i * yr;
      z1_re += h1r * yr + h1i * yi;
      z1_im += h1r * yi - h1i * yr;
    }
    const float det = std::max(a * d - (b_re * b_re + b_im * b_im), 1e-30f);
    const float inv_det = 1.0f / det;
    // x0 = (d z0 - b z1) / det, x1 = (a z1 - b* z0) / det.
    const float u0_re = (d * z0_re - (b_re * z1_re - b_im * z1_im)) * inv_det;
    const float u0_im = (d * z0_im - (b_re * z1_im + b_im * z1_re)) * inv_det;
    const float u1_re = (a * z1_re - (b_re * z0_re + b_im * z0_im)) * inv_det;
    const float u1_im = (a * z1_im - (b_re * z0_im - b_im * z0_re)) * inv_det;
    // Gains mu = 1 - s2 (G^-1)_ll; the unbiased estimate x / mu has variance (1 - mu) / mu.
    const float mu0 = std::max(1.0f - s2 * d * inv_det, 1e-9f);
    const float mu1 = std::max(1.0f - s2 * a * inv_det, 1e-9f);
    x0[2 * re] = u0_re / mu0;
    x0[2 * re + 1] = u0_im / mu0;
    x1[2 * re] = u1_re / mu1;
    x1[2 * re + 1] = u1_im / mu1;
    v0[re] = std::max((1.0f - mu0) / mu0, 1e-9f);
    v1[re] = std::max((1.0f - mu1) / mu1, 1e-9f);
  }
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
  if (nl == 2) {
    equalize_two_layers(symbols, noise_var_out, rx, channel, nr, n, noise_var);
    return Status::ok();
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
