#include "airan/common/cpu_features.h"

#include <cpuid.h>

#include <cstdlib>
#include <string>

namespace airan {

std::string_view simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::avx512:
      return "avx512";
    case SimdLevel::avx2:
      return "avx2";
    case SimdLevel::portable:
      break;
  }
  return "portable";
}

bool cpu_supports(SimdLevel level) {
  __builtin_cpu_init();
  switch (level) {
    case SimdLevel::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             cpu_supports(SimdLevel::avx2);
    case SimdLevel::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("bmi2");
    case SimdLevel::portable:
      break;
  }
  return true;
}

bool cpu_has_avx512_vnni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return cpu_supports(SimdLevel::avx512) && (ecx & (1u << 11)) != 0;  // CPUID.7.0:ECX[11]
}

SimdLevel detected_simd_level() {
  SimdLevel best = SimdLevel::portable;
  if (cpu_supports(SimdLevel::avx512)) {
    best = SimdLevel::avx512;
  } else if (cpu_supports(SimdLevel::avx2)) {
    best = SimdLevel::avx2;
  }
  if (const char* cap = std::getenv("AIRAN_SIMD")) {
    const std::string s(cap);
    SimdLevel limit = best;
    if (s == "portable") limit = SimdLevel::portable;
    if (s == "avx2") limit = SimdLevel::avx2;
    if (static_cast<int>(limit) < static_cast<int>(best)) best = limit;
  }
  return best;
}

}  // namespace airan
