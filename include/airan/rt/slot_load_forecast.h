#pragma once
// The RAN load ahead, per cell, so the predictive policy can reserve cores before a slot's samples
// arrive (a reclaim is not instant: the AI worker must park and, in a VM, waking the RAN worker on
// another CPU takes tens of microseconds). Slots come at a fixed period; their work is forecast
// from the work of the slots admitted so far with predict::PrbLoadForecaster (EWMA level and
// error; a seasonal term for a TDD or traffic period), and the upper bound is what is reserved.

#include <cstdint>
#include <optional>
#include <vector>

#include "airan/predict/load_forecast.h"
#include "airan/rt/policy.h"

namespace airan::rt {

class SlotLoadForecast {
 public:
  /// `k_sigma`: the reservation is forecast + k_sigma x the smoothed absolute forecast error.
  explicit SlotLoadForecast(const predict::LoadForecastOptions& options = {}, double k_sigma = 3.0);

  /// A slot of `cell` was admitted: released at `release`, due at `deadline`, with `work_ns` of
  /// predicted RAN work. Slots of one cell are observed in release order.
  void observe(uint32_t cell, Clock::time_point release, Clock::time_point deadline,
               int64_t work_ns);

  /// The next slot of `cell` not yet admitted: its expected release, deadline and work (upper
  /// bound); nothing before two slots of the cell have been seen.
  std::optional<DeadlineDemand> next(uint32_t cell) const;

  /// Cells observed so far (ids 0..cells()-1; unseen ids in between have no forecast).
  uint32_t cells() const { return static_cast<uint32_t>(cells_.size()); }

 private:
  struct Cell {
    std::optional<predict::PrbLoadForecaster> work;
    Clock::time_point last_release{};
    Clock::duration deadline_after{};
    Clock::duration period{};
    uint64_t slots = 0;
  };
  predict::LoadForecastOptions options_;
  double k_sigma_;
  std::vector<Cell> cells_;
};

}  // namespace airan::rt
