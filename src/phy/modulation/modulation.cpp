#include "airan/phy/modulation/modulation.h"

#include <string>

namespace airan::phy {

unsigned modulation_order(Modulation mod) {
  switch (mod) {
    case Modulation::pi2_bpsk:
    case Modulation::bpsk:
      return 1;
    case Modulation::qpsk:
      return 2;
    case Modulation::qam16:
      return 4;
    case Modulation::qam64:
      return 6;
    case Modulation::qam256:
      return 8;
  }
  return 0;
}

std::string_view modulation_name(Modulation mod) {
  switch (mod) {
    case Modulation::pi2_bpsk:
      return "PI2BPSK";
    case Modulation::bpsk:
      return "BPSK";
    case Modulation::qpsk:
      return "QPSK";
    case Modulation::qam16:
      return "16QAM";
    case Modulation::qam64:
      return "64QAM";
    case Modulation::qam256:
      return "256QAM";
  }
  return "?";
}

Expected<Modulation> modulation_from_name(std::string_view name) {
  for (Modulation m : {Modulation::pi2_bpsk, Modulation::bpsk, Modulation::qpsk, Modulation::qam16,
                       Modulation::qam64, Modulation::qam256}) {
    if (modulation_name(m) == name) return m;
  }
  return Error{"modulation=\"" + std::string(name) +
               "\" is not one of PI2BPSK, BPSK, QPSK, 16QAM, 64QAM, 256QAM"};
}

Expected<Modulation> modulation_from_qm(unsigned qm) {
  switch (qm) {
    case 1:
      return Modulation::pi2_bpsk;  // PUSCH uses pi/2-BPSK, never plain BPSK (TS 38.211 6.3.1.2)
    case 2:
      return Modulation::qpsk;
    case 4:
      return Modulation::qam16;
    case 6:
      return Modulation::qam64;
    case 8:
      return Modulation::qam256;
    default:
      break;
  }
  return Error{"qm=" + std::to_string(qm) + " is not a PUSCH modulation order (1, 2, 4, 6 or 8)"};
}

}  // namespace airan::phy
