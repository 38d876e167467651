#include "airan/phy/pusch/transport_block_size.h"

#include <algorithm>
#include <array>
#include <string>

namespace airan::phy {
namespace {

// TS 38.214 Table 5.1.3.2-1: TBS for N_info <= 3824.
constexpr std::array<uint16_t, 93> kTbsTable = {
    24,   32,   40,   48,   56,   64,   72,   80,   88,   96,   104,  112,  120,  128,  136,  144,
    152,  160,  168,  176,  184,  192,  208,  224,  240,  256,  272,  288,  304,  320,  336,  352,
    368,  384,  408,  432,  456,  480,  504,  528,  552,  576,  608,  640,  672,  704,  736,  768,
    808,  848,  888,  928,  984,  1032, 1064, 1128, 1160, 1192, 1224, 1256, 1288, 1320, 1352, 1416,
    1480, 1544, 1608, 1672, 1736, 1800, 1864, 1928, 2024, 2088, 2152, 2216, 2280, 2408, 2472, 2536,
    2600, 2664, 2728, 2792, 2856, 2976, 3104, 3240, 3368, 3496, 3624, 3752, 3824};

std::string range_error(const char* field, unsigned value, const char* range) {
  return std::string(field) + "=" + std::to_string(value) + " outside " + range;
}

// Largest k with 2^k * den <= num (num >= den > 0): floor(log2(num / den)).
int floor_log2_ratio(uint64_t num, uint64_t den) {
  int k = 0;
  while ((den << (k + 1)) <= num) ++k;
  return k;
}

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

Expected<unsigned> tbs_nof_re(const TbsConfig& cfg) {
  if (cfg.nof_prb < 1 || cfg.nof_prb > 275) {
    return Error{range_error("nof_prb", cfg.nof_prb, "1..275")};
  }
  if (cfg.nof_symbols < 1 || cfg.nof_symbols > 14) {
    return Error{range_error("nof_symbols", cfg.nof_symbols, "1..14")};
  }
  if (cfg.nof_oh_prb != 0 && cfg.nof_oh_prb != 6 && cfg.nof_oh_prb != 12 && cfg.nof_oh_prb != 18) {
    return Error{"nof_oh_prb=" + std::to_string(cfg.nof_oh_prb) + " is not 0, 6, 12 or 18"};
  }
  const int n_re_prime = 12 * static_cast<int>(cfg.nof_symbols) -
                         static_cast<int>(cfg.nof_dmrs_prb) - static_cast<int>(cfg.nof_oh_prb);
  if (n_re_prime < 1) {
    return Error{"nof_dmrs_prb=" + std::to_string(cfg.nof_dmrs_prb) +
                 " with nof_oh_prb=" + std::to_string(cfg.nof_oh_prb) +
                 " leaves no RE in 12 x nof_symbols=" + std::to_string(12 * cfg.nof_symbols)};
  }
  // TS 38.214 5.1.3.2 step 1: N_RE = min(156, N'_RE) * n_PRB.
  return static_cast<unsigned>(std::min(156, n_re_prime)) * cfg.nof_prb;
}

Expected<unsigned> transport_block_size(const TbsConfig& cfg) {
  const Expected<unsigned> n_re = tbs_nof_re(cfg);
  if (!n_re) return n_re.error();
  if (cfg.qm != 1 && cfg.qm != 2 && cfg.qm != 4 && cfg.qm != 6 && cfg.qm != 8) {
    return Error{"qm=" + std::to_string(cfg.qm) + " is not 1, 2, 4, 6 or 8"};
  }
  if (cfg.r_x2048 < 1 || cfg.r_x2048 > 2047) {
    return Error{range_error("r_x2048", cfg.r_x2048, "1..2047 (code rate below 1)")};
  }
  if (cfg.nof_layers < 1 || cfg.nof_layers > 4) {
    return Error{range_error("nof_layers", cfg.nof_layers, "1..4")};
  }
  if (cfg.tb_scaling > 2) return Error{range_error("tb_scaling", cfg.tb_scaling, "0..2")};

  // Step 2: N_info = S * N_RE * R * Qm * v, held exactly as num / den with R = r_x2048 / 2048
  // and S = 2^-tb_scaling.
  const uint64_t num = static_cast<uint64_t>(*n_re) * cfg.r_x2048 * cfg.qm * cfg.nof_layers;
  const uint64_t den = uint64_t{2048} << cfg.tb_scaling;
  if (num < den) {
    // N_info < 1: the smallest TBS (step 3 with n = 3 gives N'_info = 24).
    return 24u;
  }

  if (num <= 3824 * den) {
    // Step 3: n = max(3, floor(log2(N_info)) - 6), N'_info = max(24, 2^n floor(N_info / 2^n)).
    const int n = std::max(3, floor_log2_ratio(num, den) - 6);
    const uint64_t n_info_q = (num / (den << n)) << n;
    const uint64_t target = std::max<uint64_t>(24, n_info_q);
    const auto it = std::lower_bound(kTbsTable.begin(), kTbsTable.end(), target);
    return static_cast<unsigned>(*it);  // target <= 3824, the last entry
  }

  // Step 4: n = floor(log2(N_info - 24)) - 5,
  // N'_info = max(3840, 2^n * round((N_info - 24) / 2^n)), round half up.
  const uint64_t m = num - 24 * den;  // (N_info - 24) * den
  const int n = floor_log2_ratio(m, den) - 5;
  const uint64_t unit = den << n;                        // 2^n in units of 1/den
  const uint64_t rounded = (2 * m + unit) / (2 * unit);  // floor(x + 1/2)
  const uint64_t n_info_p = std::max<uint64_t>(3840, rounded << n);
  uint64_t tbs = 0;
  if (cfg.r_x2048 <= 512) {  // R <= 1/4
    const uint64_t c = ceil_div(n_info_p + 24, 3816);
    tbs = 8 * c * ceil_div(n_info_p + 24, 8 * c) - 24;
  } else if (n_info_p > 8424) {
    const uint64_t c = ceil_div(n_info_p + 24, 8424);
    tbs = 8 * c * ceil_div(n_info_p + 24, 8 * c) - 24;
  } else {
    tbs = 8 * ceil_div(n_info_p + 24, 8) - 24;
  }
  return static_cast<unsigned>(tbs);
}

Expected<TbsConfig> tbs_config_from_mcs(McsTable table, unsigned mcs, TbsConfig base) {
  const Expected<McsEntry> e = mcs_entry(table, mcs);
  if (!e) return e.error();
  if (e->reserved) {
    return Error{"mcs=" + std::to_string(mcs) + " is reserved in table " +
                 std::string(mcs_table_name(table)) +
                 ": its TBS comes from the earlier transmission"};
  }
  base.qm = e->qm;
  base.r_x2048 = e->code_rate_x2048();
  return base;
}

}  // namespace airan::phy
