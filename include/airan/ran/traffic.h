#pragma once
// Uplink traffic of emulated UEs: a time-of-day load profile that a run can compress (a "day" in
// minutes) and per-UE arrival models (full buffer, Poisson, bursty on/off). Arrivals are bytes
// waiting in each UE's buffer; the scheduler drains them.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "airan/common/expected.h"

namespace airan::ran {

/// Relative cell load (0..1) over a day, as piecewise-linear points (hour 0..24, load); the day
/// is compressed into `day_seconds` of run time.
class LoadProfile {
 public:
  struct Point {
    double hour = 0;
    double load = 0;
  };
  /// Error: fewer than 2 points, hours not increasing within 0..24, loads outside 0..1, or
  /// day_seconds <= 0 (the message names the point or field).
  static Expected<LoadProfile> create(std::vector<Point> points, double day_seconds);
  /// The default run profile: 10 % at the start, 100 % at the middle, 10 % at the end.
  static LoadProfile ramp_up_down(double day_seconds);
  /// A typical mobile day: night trough, morning rise, evening peak.
  static LoadProfile diurnal(double day_seconds);

  /// Load at run time `t_s` (wraps around after one day).
  double load_at(double t_s) const;
  double day_seconds() const { return day_seconds_; }

 private:
  std::vector<Point> points_;
  double day_seconds_ = 60;
};

enum class TrafficKind : uint8_t { full_buffer, poisson, bursty };

struct UeTrafficConfig {
  TrafficKind kind = TrafficKind::poisson;
  double peak_rate_bps = 20e6;     ///< offered rate at load 1 (Poisson and bursty mean)
  double packet_bytes = 1500;      ///< mean packet size
  double burst_on_s = 0.05;        ///< bursty: mean on period
  double burst_off_s = 0.2;        ///< bursty: mean off period
};

/// Parses "full_buffer" | "poisson" | "bursty"; the error lists the names.
Expected<TrafficKind> traffic_kind_from_name(const std::string& name);

/// One UE's arrival process; advance() adds the bytes that arrived in [t, t + dt).
class UeTraffic {
 public:
  UeTraffic(const UeTrafficConfig& cfg, uint64_t seed);
  /// Bytes arriving during `dt_s` at relative load `load` (0..1). Full buffer always has data:
  /// it returns a large constant so the buffer never drains.
  uint64_t advance(double dt_s, double load);

 private:
  UeTrafficConfig cfg_;
  std::mt19937_64 rng_;
  bool on_ = true;
  double state_left_s_ = 0;  // bursty: time left in the current on/off period
};

}  // namespace airan::ran
