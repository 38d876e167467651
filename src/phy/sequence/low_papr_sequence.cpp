#include "airan/phy/sequence/low_papr_sequence.h"

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>

#include "phy/sequence/low_papr_tables.h"

namespace airan::phy {
namespace {

bool is_prime(unsigned n) {
  if (n < 2) return false;
  for (unsigned d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

// e^{j * pi * num / den}, with num reduced modulo 2*den first so large phases keep precision.
std::complex<float> unit(int64_t num, int64_t den) {
  num %= 2 * den;
  const double a = std::numbers::pi * static_cast<double>(num) / static_cast<double>(den);
  return {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))};
}

}  // namespace

unsigned largest_prime_below(unsigned n) {
  for (unsigned p = n; p-- > 2;) {
    if (is_prime(p)) return p;
  }
  return 0;
}

Status low_papr_sequence(std::span<std::complex<float>> out, unsigned u, unsigned v, double alpha) {
  const size_t m_zc = out.size();
  if (u > 29) return Error{"u=" + std::to_string(u) + " outside 0..29"};
  const bool table_length = m_zc == 6 || m_zc == 12 || m_zc == 18 || m_zc == 24 || m_zc == 30;
  if (!table_length && (m_zc < 36 || m_zc % 6 != 0 || m_zc > 3300)) {
    return Error{"out.size()=" + std::to_string(m_zc) +
                 " is not a low-PAPR length M_ZC (6, 12, 18, 24, 30, or a multiple of 6 in "
                 "36..3300)"};
  }
  // TS 38.211 5.2.2: two base sequences per group only when m / 2^delta >= 6, i.e. M_ZC >= 72.
  const unsigned max_v = m_zc >= 72 ? 1 : 0;
  if (v > max_v) {
    return Error{"v=" + std::to_string(v) + " outside 0.." + std::to_string(max_v) +
                 " for M_ZC=" + std::to_string(m_zc)};
  }

  if (m_zc >= 36) {
    // TS 38.211 5.2.2.1: r(n) = x_q(n mod N_ZC), x_q(m) = e^{-j pi q m (m+1) / N_ZC},
    // q = floor(q_bar + 1/2) + v (-1)^floor(2 q_bar), q_bar = N_ZC (u+1) / 31.
    const int64_t n_zc = largest_prime_below(static_cast<unsigned>(m_zc));
    const int64_t q_bar_num = n_zc * (u + 1);  // q_bar = q_bar_num / 31
    int64_t q = (2 * q_bar_num + 31) / 62;
    if (v == 1) q += ((2 * q_bar_num / 31) % 2 == 0) ? 1 : -1;
    for (size_t n = 0; n < m_zc; ++n) {
      const int64_t m = static_cast<int64_t>(n) % n_zc;
      out[n] = unit(-(q * m * (m + 1)) % (2 * n_zc), n_zc);
    }
  } else if (m_zc == 30) {
    // TS 38.211 5.2.2.2: r(n) = e^{-j pi (u+1)(n+1)(n+2) / 31}.
    for (size_t n = 0; n < m_zc; ++n) {
      const auto nn = static_cast<int64_t>(n);
      out[n] = unit(-((u + 1) * (nn + 1) * (nn + 2)) % 62, 31);
    }
  } else {
    // TS 38.211 5.2.2.2: r(n) = e^{j phi(n) pi / 4}, phi from Tables 5.2.2.2-1..4.
    const int8_t* phi = m_zc == 6    ? kLowPaprPhi6[u]
                        : m_zc == 12 ? kLowPaprPhi12[u]
                        : m_zc == 18 ? kLowPaprPhi18[u]
                                     : kLowPaprPhi24[u];
    for (size_t n = 0; n < m_zc; ++n) out[n] = unit(phi[n], 4);
  }
  if (alpha != 0.0) {
    for (size_t n = 0; n < m_zc; ++n) {
      const double a = alpha * static_cast<double>(n);
      out[n] *=
          std::complex<float>(static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)));
    }
  }
  return Status::ok();
}

}  // namespace airan::phy
