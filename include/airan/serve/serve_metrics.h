#pragma once
// Counters and histograms of the API server, written as Prometheus text exposition (format
// 0.0.4): requests by endpoint and status code, prompt and completion tokens, time to first token
// and request latency. Any thread.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "airan/serve/generation_router.h"

namespace airan::serve {

/// Appends one metric in the Prometheus text exposition format: its HELP and TYPE lines and one
/// sample, `value` already formatted (e.g. std::to_string of a counter).
void append_metric(std::string& out, const char* name, const char* type, const char* help,
                   const std::string& value);

/// A histogram with fixed bucket bounds in seconds.
class LatencyHistogram {
 public:
  /// Upper bounds, seconds (le labels); +Inf is implied.
  static constexpr std::array<double, 14> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1.0,   2.5,  5.0,   10.0, 30.0};
  void observe(double seconds);
  /// Appends the _bucket, _sum and _count lines of metric `name`.
  void write(std::string& out, const std::string& name) const;
  uint64_t count() const { return count_; }

 private:
  std::array<uint64_t, kBounds.size()> buckets_{};  // not cumulative
  uint64_t count_ = 0;
  double sum_ = 0.0;
};

class ServeMetrics {
 public:
  /// Counts one answered request of `endpoint` (a path) with HTTP `status`.
  void count_request(const std::string& endpoint, int status);
  /// Time from receiving a generation request to its first generated token, seconds.
  void observe_ttft(double seconds);
  /// Time from receiving a generation request to its last byte, seconds.
  void observe_latency(double seconds);
  /// Requests answered with `status` on `endpoint` so far.
  uint64_t requests(const std::string& endpoint, int status) const;

  /// The exposition text: these metrics, the router's counters, then `extra` verbatim.
  std::string prometheus_text(const RouterCounters& router, const std::string& extra = {}) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  LatencyHistogram ttft_, latency_;
};

}  // namespace airan::serve
