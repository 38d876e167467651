#include "airan/ran/traffic.h"

#include <algorithm>
#include <cmath>

namespace airan::ran {

Expected<LoadProfile> LoadProfile::create(std::vector<Point> points, double day_seconds) {
  if (!(day_seconds > 0)) return Error{"day_seconds=" + std::to_string(day_seconds) + " must be > 0"};
  if (points.size() < 2) return Error{"load profile needs at least 2 points, got " + std::to_string(points.size())};
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    const std::string where = "load profile point " + std::to_string(i);
    if (!(p.hour >= 0 && p.hour <= 24)) return Error{where + ": hour=" + std::to_string(p.hour) + " outside 0..24"};
    if (!(p.load >= 0 && p.load <= 1)) return Error{where + ": load=" + std::to_string(p.load) + " outside 0..1"};
    if (i > 0 && !(p.hour > points[i - 1].hour)) return Error{where + ": hours must increase"};
  }
  LoadProfile lp;
  lp.points_ = std::move(points);
  lp.day_seconds_ = day_seconds;
  return lp;
}

LoadProfile LoadProfile::ramp_up_down(double day_seconds) {
  return *create({{0, 0.1}, {12, 1.0}, {24, 0.1}}, day_seconds);
}

LoadProfile LoadProfile::diurnal(double day_seconds) {
  return *create({{0, 0.25}, {4, 0.1}, {8, 0.55}, {12, 0.75}, {17, 0.8}, {20, 1.0}, {23, 0.5}, {24, 0.25}},
                 day_seconds);
}

double LoadProfile::load_at(double t_s) const {
  double hour = std::fmod(t_s / day_seconds_, 1.0) * 24.0;
  if (hour < 0) hour += 24.0;
  if (hour <= points_.front().hour) return points_.front().load;
  for (size_t i = 1; i < points_.size(); ++i) {
    if (hour <= points_[i].hour) {
      const auto& a = points_[i - 1];
      const auto& b = points_[i];
      return a.load + (b.load - a.load) * (hour - a.hour) / (b.hour - a.hour);
    }
  }
  return points_.back().load;
}

Expected<TrafficKind> traffic_kind_from_name(const std::string& name) {
  if (name == "full_buffer") return TrafficKind::full_buffer;
  if (name == "poisson") return TrafficKind::poisson;
  if (name == "bursty") return TrafficKind::bursty;
  return Error{"traffic '" + name + "' is not one of full_buffer, poisson, bursty"};
}

UeTraffic::UeTraffic(const UeTrafficConfig& cfg, uint64_t seed) : cfg_(cfg), rng_(seed) {}

uint64_t UeTraffic::advance(double dt_s, double load) {
  if (cfg_.kind == TrafficKind::full_buffer) return 1u << 30;
  double active_s = dt_s;
  double rate_scale = 1.0;
  if (cfg_.kind == TrafficKind::bursty) {
    // Alternating exponential on/off periods; while on, packets arrive at a rate that keeps the
    // long-run mean equal to the Poisson case.
    active_s = 0;
    double left = dt_s;
    while (left > 0) {
      if (state_left_s_ <= 0) {
        on_ = !on_;
        std::exponential_distribution<double> period(1.0 / (on_ ? cfg_.burst_on_s : cfg_.burst_off_s));
        state_left_s_ = period(rng_);
      }
      const double step = std::min(left, state_left_s_);
      if (on_) active_s += step;
      state_left_s_ -= step;
      left -= step;
    }
    rate_scale = (cfg_.burst_on_s + cfg_.burst_off_s) / cfg_.burst_on_s;
  }
  const double packets_per_s = load * cfg_.peak_rate_bps / 8.0 / cfg_.packet_bytes * rate_scale;
  std::poisson_distribution<uint64_t> packets(std::max(packets_per_s * active_s, 0.0));
  const uint64_t n = packets(rng_);
  // Packet sizes: exponential around the mean, at least 40 bytes (a TCP ACK).
  std::exponential_distribution<double> size(1.0 / cfg_.packet_bytes);
  uint64_t bytes = 0;
  for (uint64_t i = 0; i < n; ++i) bytes += static_cast<uint64_t>(std::max(40.0, size(rng_)));
  return bytes;
}

}  // namespace airan::ran
