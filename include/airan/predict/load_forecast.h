#pragma once
// Load forecast per cell: the expected PRB demand of the next slots from the recent history, so
// the runtime can reserve cores before a burst arrives. Additive Holt-Winters without trend: an
// EWMA level plus a seasonal component of `season_slots` (e.g. a TDD pattern or a traffic
// period), and an EWMA of the absolute one-step error for an upper bound.

#include <cstddef>
#include <span>
#include <vector>

#include "airan/common/expected.h"

namespace airan::predict {

struct LoadForecastOptions {
  double level_alpha = 0.1;   ///< EWMA weight of a new slot in the level, (0, 1]
  double season_gamma = 0.2;  ///< weight of a new slot in its seasonal term, [0, 1]
  unsigned season_slots = 0;  ///< season length in slots; 0 = no seasonal component
  double error_beta = 0.05;   ///< EWMA weight of the absolute one-step error, (0, 1]
};

class PrbLoadForecaster {
 public:
  /// Checks the options; the error names the field and its range.
  static Expected<PrbLoadForecaster> create(const LoadForecastOptions& options);

  /// Adds the PRB demand of the next slot (slots in order, one call each).
  void observe(double prbs);

  /// Expected PRB demand `h` slots ahead (h = 1: the next slot); 0 before any observation.
  double forecast(unsigned h) const;

  /// Expected PRB demand of the next out.size() slots.
  void forecast(std::span<double> out) const;

  /// forecast(h) plus k times the smoothed absolute one-step error: a reservation bound (PRBs).
  double upper_bound(unsigned h, double k = 3.0) const;

  /// Slots observed so far.
  size_t slots() const { return slots_; }

 private:
  LoadForecastOptions o_;
  double level_ = 0, abs_error_ = 0;
  std::vector<double> season_;  // seasonal terms, by slot index mod season_slots
  std::vector<double> first_;   // the first season's observations (initialisation)
  bool seasonal_ready_ = false;
  size_t slots_ = 0;
};

}  // namespace airan::predict
