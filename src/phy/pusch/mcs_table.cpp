#include "airan/phy/pusch/mcs_table.h"

#include <array>
#include <string>

namespace airan::phy {
namespace {

// One row: Qm and R x 2048 (integers even for 682.5 and 916.5); R = 0 marks a reserved row.
// Qm = 0 stands for the "q" of TS 38.214 Tables 6.1.4.1-1/-2 (1 with tp-pi2BPSK, else 2).
struct Row {
  uint8_t qm;
  uint16_t r_x2048;
};
using Table = std::array<Row, 32>;

// TS 38.214 Table 5.1.3.1-1: MCS index table 1 for PDSCH (and PUSCH without transform precoding).
constexpr Table kQam64 = {
    {{2, 240},  {2, 314},  {2, 386},  {2, 502},  {2, 616},  {2, 758},  {2, 898},  {2, 1052},
     {2, 1204}, {2, 1358}, {4, 680},  {4, 756},  {4, 868},  {4, 980},  {4, 1106}, {4, 1232},
     {4, 1316}, {6, 876},  {6, 932},  {6, 1034}, {6, 1134}, {6, 1232}, {6, 1332}, {6, 1438},
     {6, 1544}, {6, 1644}, {6, 1746}, {6, 1820}, {6, 1896}, {2, 0},    {4, 0},    {6, 0}}};

// TS 38.214 Table 5.1.3.1-2: MCS index table 2 (256QAM).
constexpr Table kQam256 = {
    {{2, 240},  {2, 386},  {2, 616},  {2, 898},  {2, 1204}, {4, 756},  {4, 868},  {4, 980},
     {4, 1106}, {4, 1232}, {4, 1316}, {6, 932},  {6, 1034}, {6, 1134}, {6, 1232}, {6, 1332},
     {6, 1438}, {6, 1544}, {6, 1644}, {6, 1746}, {8, 1365}, {8, 1422}, {8, 1508}, {8, 1594},
     {8, 1682}, {8, 1770}, {8, 1833}, {8, 1896}, {2, 0},    {4, 0},    {6, 0},    {8, 0}}};

// TS 38.214 Table 5.1.3.1-3: MCS index table 3 (low spectral efficiency).
constexpr Table kQam64LowSe = {
    {{2, 60},   {2, 80},   {2, 100},  {2, 128},  {2, 156},  {2, 198},  {2, 240},  {2, 314},
     {2, 386},  {2, 502},  {2, 616},  {2, 758},  {2, 898},  {2, 1052}, {2, 1204}, {4, 680},
     {4, 756},  {4, 868},  {4, 980},  {4, 1106}, {4, 1232}, {6, 876},  {6, 932},  {6, 1034},
     {6, 1134}, {6, 1232}, {6, 1332}, {6, 1438}, {6, 1544}, {2, 0},    {4, 0},    {6, 0}}};

// TS 38.214 Table 6.1.4.1-1: PUSCH with transform precoding and 64QAM. Rows 0 and 1 print
// "q, 240/q" and "q, 314/q"; stored here with the rate for q = 1.
constexpr Table kQam64Tp = {
    {{0, 480},  {0, 628},  {2, 386},  {2, 502},  {2, 616},  {2, 758},  {2, 898},  {2, 1052},
     {2, 1204}, {2, 1358}, {4, 680},  {4, 756},  {4, 868},  {4, 980},  {4, 1106}, {4, 1232},
     {4, 1316}, {6, 932},  {6, 1034}, {6, 1134}, {6, 1232}, {6, 1332}, {6, 1438}, {6, 1544},
     {6, 1644}, {6, 1746}, {6, 1820}, {6, 1896}, {0, 0},    {2, 0},    {4, 0},    {6, 0}}};

// TS 38.214 Table 6.1.4.1-2: PUSCH with transform precoding, low spectral efficiency. Rows 0..5
// print "q, R/q"; stored with the rate for q = 1.
constexpr Table kQam64LowSeTp = {
    {{0, 120},  {0, 160},  {0, 200},  {0, 256},  {0, 312},  {0, 396},  {2, 240},  {2, 314},
     {2, 386},  {2, 502},  {2, 616},  {2, 758},  {2, 898},  {2, 1052}, {2, 1204}, {2, 1358},
     {4, 756},  {4, 868},  {4, 980},  {4, 1106}, {4, 1232}, {4, 1316}, {4, 1398}, {4, 1544},
     {6, 1134}, {6, 1232}, {6, 1332}, {6, 1544}, {0, 0},    {2, 0},    {4, 0},    {6, 0}}};

struct Named {
  McsTable table;
  std::string_view name;
};
constexpr std::array<Named, 7> kNames = {
    {{McsTable::qam64, "qam64"},
     {McsTable::qam256, "qam256"},
     {McsTable::qam64_low_se, "qam64LowSE"},
     {McsTable::qam64_tp, "qam64_tp"},
     {McsTable::qam64_tp_pi2bpsk, "qam64_tp_pi2bpsk"},
     {McsTable::qam64_low_se_tp, "qam64LowSE_tp"},
     {McsTable::qam64_low_se_tp_pi2bpsk, "qam64LowSE_tp_pi2bpsk"}}};

}  // namespace

Expected<McsEntry> mcs_entry(McsTable table, unsigned mcs) {
  if (mcs > 31) return Error{"mcs=" + std::to_string(mcs) + " outside 0..31"};
  const Table* t = nullptr;
  unsigned q = 0;  // the "q" of the transform-precoding tables
  switch (table) {
    case McsTable::qam64:
      t = &kQam64;
      break;
    case McsTable::qam256:
      t = &kQam256;
      break;
    case McsTable::qam64_low_se:
      t = &kQam64LowSe;
      break;
    case McsTable::qam64_tp:
      t = &kQam64Tp;
      q = 2;
      break;
    case McsTable::qam64_tp_pi2bpsk:
      t = &kQam64Tp;
      q = 1;
      break;
    case McsTable::qam64_low_se_tp:
      t = &kQam64LowSeTp;
      q = 2;
      break;
    case McsTable::qam64_low_se_tp_pi2bpsk:
      t = &kQam64LowSeTp;
      q = 1;
      break;
  }
  if (t == nullptr) return Error{"table: not an MCS table of TS 38.214"};
  const Row row = (*t)[mcs];
  McsEntry e;
  if (row.qm == 0) {
    // TS 38.214 6.1.4.1: q = 1 with tp-pi2BPSK, else 2; the rate printed as R/q.
    e.qm = q;
    e.target_code_rate_x1024 = row.r_x2048 / 2.0 / q;
  } else {
    e.qm = row.qm;
    e.target_code_rate_x1024 = row.r_x2048 / 2.0;
  }
  e.reserved = row.r_x2048 == 0;
  return e;
}

std::string_view mcs_table_name(McsTable table) {
  for (const Named& n : kNames) {
    if (n.table == table) return n.name;
  }
  return "?";
}

Expected<McsTable> mcs_table_from_name(std::string_view name) {
  for (const Named& n : kNames) {
    if (n.name == name) return n.table;
  }
  std::string all;
  for (const Named& n : kNames) all += (all.empty() ? "" : ", ") + std::string(n.name);
  return Error{"mcs_table=\"" + std::string(name) + "\" is not one of " + all};
}

}  // namespace airan::phy
