// CRC24A throughput (TS 38.212 5.1): the table-driven kernels against a bit-serial long division
// in the same run, so the speed-up reads as a ratio. Counter "Mbps" is message bits per second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "airan/phy/coding/crc.h"

namespace {

using airan::phy::CrcType;

constexpr size_t kPackedBytes = 1 << 20;  // 1 MB transport-block-sized buffer
constexpr size_t kCodeBlockBits = 8448;   // BG1 K at Z = 384

// g_CRC24A(D) without its D^24 term.
constexpr uint32_t kCrc24aPoly = 0x864CFB;

/// Baseline: one shift and conditional XOR per message bit, unpacked input.
uint32_t crc24a_bit_serial(const uint8_t* bits, size_t n) {
  uint32_t reg = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t top = ((reg >> 23) ^ bits[i]) & 1u;
    reg = (reg << 1) & 0xFFFFFFu;
    if (top) reg ^= kCrc24aPoly;
  }
  return reg;
}

/// Baseline over packed bytes: the same division, bits taken MSB first.
uint32_t crc24a_bit_serial_packed(const uint8_t* bytes, size_t num_bytes) {
  uint32_t reg = 0;
  for (size_t i = 0; i < num_bytes; ++i) {
    for (int k = 7; k >= 0; --k) {
      const uint32_t top = ((reg >> 23) ^ (bytes[i] >> k)) & 1u;
      reg = (reg << 1) & 0xFFFFFFu;
      if (top) reg ^= kCrc24aPoly;
    }
  }
  return reg;
}

std::vector<uint8_t> random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

std::vector<uint8_t> random_bits(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng() & 1u);
  return v;
}

void set_mbps(benchmark::State& state, size_t bits_per_iteration) {
  state.counters["Mbps"] = benchmark::Counter(
      static_cast<double>(bits_per_iteration) * 1e-6 * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

void BM_Crc24aPacked1MB(benchmark::State& state) {
  const auto data = random_bytes(kPackedBytes, 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        airan::phy::crc_calculate_packed(CrcType::crc24a, data, kPackedBytes * 8));
  }
  set_mbps(state, kPackedBytes * 8);
}

void BM_Crc24aPacked1MB_BitSerial(benchmark::State& state) {
  const auto data = random_bytes(kPackedBytes, 1);
  const uint32_t want = airan::phy::crc_calculate_packed(CrcType::crc24a, data, kPackedBytes * 8);
  if (crc24a_bit_serial_packed(data.data(), data.size()) != want) {
    state.SkipWithError("bit-serial baseline disagrees with crc_calculate_packed");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(crc24a_bit_serial_packed(data.data(), data.size()));
  }
  set_mbps(state, kPackedBytes * 8);
}

void BM_Crc24aUnpackedCodeBlock(benchmark::State& state) {
  const auto bits = random_bits(kCodeBlockBits, 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(airan::phy::crc_calculate(CrcType::crc24a, bits));
  }
  set_mbps(state, kCodeBlockBits);
}

void BM_Crc24aUnpackedCodeBlock_BitSerial(benchmark::State& state) {
  const auto bits = random_bits(kCodeBlockBits, 2);
  if (crc24a_bit_serial(bits.data(), bits.size()) !=
      airan::phy::crc_calculate(CrcType::crc24a, bits)) {
    state.SkipWithError("bit-serial baseline disagrees with crc_calculate");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(crc24a_bit_serial(bits.data(), bits.size()));
  set_mbps(state, kCodeBlockBits);
}

BENCHMARK(BM_Crc24aPacked1MB);
BENCHMARK(BM_Crc24aPacked1MB_BitSerial);
BENCHMARK(BM_Crc24aUnpackedCodeBlock);
BENCHMARK(BM_Crc24aUnpackedCodeBlock_BitSerial);

}  // namespace
