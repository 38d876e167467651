#pragma once
// MCS index tables of TS 38.214: 5.1.3.1-1/-2/-3 (also used for PUSCH without transform
// precoding, 6.1.4.1) and 6.1.4.1-1/-2 (PUSCH with transform precoding).

#include <cstdint>
#include <string_view>

#include "airan/common/expected.h"

namespace airan::phy {

enum class McsTable : uint8_t {
  qam64,                   ///< Table 5.1.3.1-1
  qam256,                  ///< Table 5.1.3.1-2
  qam64_low_se,            ///< Table 5.1.3.1-3
  qam64_tp,                ///< Table 6.1.4.1-1, transform precoding, tp-pi2BPSK off (q = 2)
  qam64_tp_pi2bpsk,        ///< Table 6.1.4.1-1, transform precoding, tp-pi2BPSK on (q = 1)
  qam64_low_se_tp,         ///< Table 6.1.4.1-2, tp-pi2BPSK off (q = 2)
  qam64_low_se_tp_pi2bpsk  ///< Table 6.1.4.1-2, tp-pi2BPSK on (q = 1)
};

struct McsEntry {
  unsigned qm = 0;                    ///< modulation order: 1 (pi/2-BPSK), 2, 4, 6 or 8
  double target_code_rate_x1024 = 0;  ///< R x 1024 (682.5 and 916.5 occur); 0 when reserved
  bool reserved = false;  ///< reserved row: only Qm is defined (TBS from the earlier grant)

  /// Target code rate R (0..1).
  double code_rate() const { return target_code_rate_x1024 / 1024.0; }
  /// R x 2048, an exact integer for every table entry.
  unsigned code_rate_x2048() const { return static_cast<unsigned>(target_code_rate_x1024 * 2); }
  /// Spectral efficiency Qm x R in bits per RE per layer.
  double spectral_efficiency() const { return qm * code_rate(); }
};

/// The entry of `table` for MCS index `mcs` (0..31). Fails naming mcs and its range.
Expected<McsEntry> mcs_entry(McsTable table, unsigned mcs);

/// Name as the RRC and the test vectors write it: "qam64", "qam256", "qam64LowSE", "qam64_tp", ...
std::string_view mcs_table_name(McsTable table);

/// The table called `name` (as mcs_table_name writes it); the error lists the names.
Expected<McsTable> mcs_table_from_name(std::string_view name);

}  // namespace airan::phy
