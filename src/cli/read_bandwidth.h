#pragma once
#include <cstdint>

// This machine's DRAM read bandwidth, measured: the ceiling of memory-bound decode. A pure
// sequential read of a buffer larger than the last-level cache, split over `threads` threads,
// each reading its part as 4 interleaved streams (like STREAM-style "Read3" probes rather than
// the single-stream "ReadSum"; a matrix-vector product reads several rows at once), best of a few
// passes.

namespace airan::cli {

struct ReadBandwidth {
  double gb_per_s = 0.0;    ///< 1e9 bytes per second, best pass
  double buffer_mib = 0.0;  ///< size of the buffer read
};

/// The largest cache CPU 0 reports (sysfs: the last level, shared or not); 0 when unknown.
uint64_t last_level_cache_bytes();

/// Reads a buffer of `bytes` (0: 2x the last-level cache, at least 512 MiB and at most 4 GiB)
/// with `threads` threads (>= 1). Takes about a second at the default size; the buffer is freed
/// before returning.
ReadBandwidth measure_read_bandwidth(unsigned threads, uint64_t bytes = 0);

}  // namespace airan::cli
