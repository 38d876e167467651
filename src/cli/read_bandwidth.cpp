#include "cli/read_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace airan::cli {

uint64_t last_level_cache_bytes() {
  uint64_t best = 0;
  for (int index = 0; index < 8; ++index) {
    std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
    std::string text;
    if (!(in >> text) || text.empty()) continue;
    uint64_t scale = 1;
    if (text.back() == 'K') scale = 1ULL << 10;
    if (text.back() == 'M') scale = 1ULL << 20;
    if (text.back() == 'G') scale = 1ULL << 30;
    try {
      best = std::max<uint64_t>(best, std::stoull(text) * scale);
    } catch (...) {
    }
  }
  return best;
}

namespace {

// Sum of words [begin, end), read as kStreams interleaved sequential streams (one per quarter):
// a matrix-vector product reads several weight rows at once, and the hardware prefetchers keep
// more lines in flight for several streams than for one.
constexpr size_t kStreams = 4;

uint64_t read_sum_portable(const uint64_t* begin, const uint64_t* end) {
  const size_t n = static_cast<size_t>(end - begin) / kStreams;
  uint64_t acc[kStreams] = {};
  for (size_t i = 0; i < n; ++i) {
    for (size_t s = 0; s < kStreams; ++s) acc[s] += begin[s * n + i];
  }
  uint64_t sum = 0;
  for (uint64_t a : acc) sum += a;
  for (const uint64_t* p = begin + kStreams * n; p < end; ++p) sum += *p;
  return sum;
}

#if defined(__x86_64__)
// 32-byte loads, as the decode kernels read weights: scalar loads leave a quarter of one thread's
// bandwidth unused on the machines measured.
__attribute__((target("avx2"))) uint64_t read_sum_avx2(const uint64_t* begin, const uint64_t* end) {
  const size_t n = (static_cast<size_t>(end - begin) / kStreams) & ~size_t{7};
  __m256i acc[kStreams];
  for (auto& a : acc) a = _mm256_setzero_si256();
  for (size_t i = 0; i < n; i += 8) {
    for (size_t s = 0; s < kStreams; ++s) {
      const uint64_t* p = begin + s * n + i;
      acc[s] = _mm256_add_epi64(acc[s], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
      acc[s] =
          _mm256_add_epi64(acc[s], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 4)));
    }
  }
  alignas(32) uint64_t lanes[4];
  uint64_t sum = 0;
  for (const auto& a : acc) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), a);
    sum += lanes[0] + lanes[1] + lanes[2] + lanes[3];
  }
  for (const uint64_t* p = begin + kStreams * n; p < end; ++p) sum += *p;
  return sum;
}
#endif

uint64_t read_sum(const uint64_t* begin, const uint64_t* end) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return read_sum_avx2(begin, end);
#endif
  return read_sum_portable(begin, end);
}

}  // namespace

ReadBandwidth measure_read_bandwidth(unsigned threads, uint64_t bytes) {
  threads = std::max(threads, 1u);
  if (bytes == 0)
    bytes = std::clamp<uint64_t>(2 * last_level_cache_bytes(), 512ULL << 20, 4ULL << 30);
  bytes = std::max<uint64_t>(bytes, uint64_t{threads} * 64 * sizeof(uint64_t));
  const size_t words = bytes / sizeof(uint64_t);
  std::unique_ptr<uint64_t[]> buffer(new uint64_t[words]);
  // Written by the threads that read it, so pages are where they will be read from.
  const auto split = [&](unsigned t) {
    return std::pair{buffer.get() + words * t / threads, buffer.get() + words * (t + 1) / threads};
  };
  const auto run = [&](auto&& body) {
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(body, t);
    body(0u);
    for (auto& th : pool) th.join();
  };
  run([&](unsigned t) {
    const auto [b, e] = split(t);
    std::fill(b, e, uint64_t{t} + 1);
  });

  double best_s = 0.0;
  std::vector<uint64_t> sums(threads);
  for (int pass = 0; pass < 4; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    run([&](unsigned t) {
      const auto [b, e] = split(t);
      sums[t] = read_sum(b, e);
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (best_s == 0.0 || s < best_s) best_s = s;
  }
  // The sums are used, so the reads cannot be optimised away.
  volatile uint64_t sink = 0;
  for (uint64_t s : sums) sink = sink + s;
  return {static_cast<double>(bytes) / best_s / 1e9, static_cast<double>(bytes) / (1 << 20)};
}

}  // namespace airan::cli
