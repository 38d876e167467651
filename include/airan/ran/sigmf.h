#pragma once
// Record and replay of per-slot uplink IQ in SigMF (a `.sigmf-meta` JSON file beside a
// `.sigmf-data` file of cf32_le samples, receive antennas interleaved as `core:num_channels`).
// Each slot is one annotation carrying its schedule ("airan:schedule"), so the receiver can be
// driven by recorded samples exactly as by the UE emulator.

#include <complex>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "airan/common/expected.h"
#include "airan/ran/slot_schedule.h"

namespace airan::ran {

/// What a recording describes besides its slots.
struct RecordingInfo {
  double sample_rate_hz = 30.72e6;
  unsigned num_channels = 1;  ///< receive antennas 1..4
  unsigned scs_khz = 30;
  unsigned bandwidth_mhz = 20;
  unsigned cell_id = 1;  ///< physical cell / data scrambling identity 0..1007
  std::string description;
};

/// One recorded slot: its position in the data file and its schedule.
struct RecordedSlot {
  uint64_t sample_start = 0;  ///< per channel
  uint64_t sample_count = 0;  ///< per channel
  SlotSchedule schedule;
};

class SigmfWriter {
 public:
  /// Creates `<base>.sigmf-data` (and later `<base>.sigmf-meta`). Error: the file cannot be made.
  static Expected<SigmfWriter> create(const std::filesystem::path& base, const RecordingInfo& info);

  /// Appends one slot: `channels` holds num_channels spans of equal length. Error names the span.
  Status write_slot(std::span<const std::span<const std::complex<float>>> channels,
                    const SlotSchedule& schedule);

  /// Writes the metadata file; the recording is complete once this returned ok.
  Status finish();

 private:
  std::filesystem::path base_;
  RecordingInfo info_;
  std::ofstream data_;
  std::vector<RecordedSlot> slots_;
  uint64_t samples_ = 0;
  std::vector<std::complex<float>> interleaved_;
};

class SigmfReader {
 public:
  /// Opens and validates a recording. Errors name the metadata field (JSON path) or byte offset
  /// that is wrong, and check that the data file holds every annotated sample.
  static Expected<SigmfReader> open(const std::filesystem::path& base);

  /// Parses and validates metadata text against a data file of `data_bytes` bytes (also the entry
  /// point of the fuzz target).
  static Expected<SigmfReader> parse_meta(std::string_view meta_text, uint64_t data_bytes);

  const RecordingInfo& info() const { return info_; }
  const std::vector<RecordedSlot>& slots() const { return slots_; }

  /// Reads slot `index` into `channels` (num_channels spans of the slot's sample_count).
  Status read_slot(size_t index, std::span<const std::span<std::complex<float>>> channels);

 private:
  RecordingInfo info_;
  std::vector<RecordedSlot> slots_;
  std::filesystem::path data_path_;
  std::ifstream data_;
  std::vector<std::complex<float>> interleaved_;
};

}  // namespace airan::ran
