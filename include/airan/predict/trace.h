#pragma once
// Task execution traces: one row per execution of a RAN signal-processing task, the input of the
// execution-time models (written by `airan calibrate` and, live, by the runtime).
//
// File format (CSV, UTF-8, '\n' or "\r\n" line ends):
//   - line 1 is the header: comma-separated column names. It must contain `task` and
//     `duration_ns`; every other column is a feature named as in features.h (prbs, mcs, qm,
//     layers, rx_ports, snr_db, code_blocks, iterations, tbs, bg, z, cb_bits, e_bits, code_rate,
//     fft_size, symbols), in any order. Columns with other names are ignored (or rejected when
//     TraceLoadOptions::allow_unknown_columns is false).
//   - every further line is one task execution with exactly as many fields as the header:
//     `task` is the task type (ofdm_demod, channel_estimation, equalization, demap, rate_dematch,
//     ldpc_decode, crc, tb_decode, ...; no commas or quotes), features are decimal numbers or
//     empty (missing: the feature does not apply to that task type or is unknown), and
//     `duration_ns` is the measured wall-clock duration in nanoseconds (a number >= 0, required).
//   - empty lines and lines starting with '#' are skipped. No quoting.
// Example:
//   task,prbs,layers,rx_ports,snr_db,iterations,duration_ns
//   equalization,51,2,4,12.5,,18250
//   ldpc_decode,,,,3.1,4,41230

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "airan/common/expected.h"
#include "airan/predict/features.h"

namespace airan::predict {

/// A trace in memory, column-wise: row i has task type task[i] (an index into task_names), its
/// features at features[i * kNumFeatures ...] (NaN = missing) and its duration.
struct Trace {
  std::vector<std::string> task_names;
  std::vector<uint16_t> task;
  std::vector<float> features;
  std::vector<double> duration_ns;
  std::array<bool, kNumFeatures> has_column{};  ///< the header named this feature
  std::vector<std::string> ignored_columns;     ///< header columns that are not features

  size_t rows() const { return duration_ns.size(); }
  /// Features of row `i` (kNumFeatures values).
  std::span<const float, kNumFeatures> row_features(size_t i) const {
    return std::span<const float, kNumFeatures>(features.data() + i * kNumFeatures, kNumFeatures);
  }
  /// Index of task type `name` in task_names, or -1.
  int task_index(std::string_view name) const;
  /// Appends one row; task types are added on first use (at most 65535). Marks the non-missing
  /// features of `x` as columns.
  void add(std::string_view task_name, const FeatureVector& x, double duration_ns_value);
};

struct TraceLoadOptions {
  /// Features the caller's model needs: a header without one of them is an error naming it.
  std::vector<Feature> required_features;
  /// False: a header column that is neither task, duration_ns nor a feature is an error.
  bool allow_unknown_columns = true;
};

/// Parses CSV text in the format above. `source` names the text in errors ("trace.csv").
/// Errors name the line (1-based) and column (1-based, with its name) and what was expected.
Expected<Trace> parse_trace(std::string_view text, const TraceLoadOptions& options = {},
                            std::string_view source = "trace");

/// Reads and parses the trace file at `path`; errors name the file, line and column.
Expected<Trace> load_trace(const std::filesystem::path& path, const TraceLoadOptions& options = {});

/// The trace as CSV text in the format above: the columns are task, every feature in
/// has_column (in Feature order), duration_ns.
std::string format_trace(const Trace& trace);

/// Writes `trace` to `path` as CSV; the error names the file.
Status save_trace(const Trace& trace, const std::filesystem::path& path);

/// Streams rows to a CSV file as they are measured (for `airan calibrate` and the runtime).
class TraceWriter {
 public:
  /// Creates `path` and writes the header: task, `columns` (in the order given), duration_ns.
  /// The error names the file.
  static Expected<TraceWriter> create(const std::filesystem::path& path,
                                      std::vector<Feature> columns);

  /// Appends one row: the features of `x` in the header's columns (NaN written as empty), and
  /// `duration_ns_value` (ns).
  void write(std::string_view task_name, const FeatureVector& x, double duration_ns_value);

  /// Rows written so far.
  size_t rows() const { return rows_; }

  /// Flushes and closes the file; the error names the file when a write failed.
  Status close();

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const;
  };
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::vector<Feature> columns_;
  std::string path_;
  size_t rows_ = 0;
};

}  // namespace airan::predict
