#include "airan/rt/slot_load_forecast.h"

#include <algorithm>

namespace airan::rt {

SlotLoadForecast::SlotLoadForecast(const predict::LoadForecastOptions& options, double k_sigma)
    : options_(options), k_sigma_(k_sigma) {}

void SlotLoadForecast::observe(uint32_t cell, Clock::time_point release, Clock::time_point deadline,
                               int64_t work_ns) {
  if (cell >= cells_.size()) cells_.resize(cell + 1);
  Cell& c = cells_[cell];
  if (!c.work) {
    auto created = predict::PrbLoadForecaster::create(options_);
    if (!created) return;  // invalid options: no forecast (the policy then waits for releases)
    c.work.emplace(std::move(*created));
  }
  if (c.slots > 0 && release > c.last_release) {
    // The slot period: the smallest gap seen (a dropped or empty slot makes a gap a multiple).
    const Clock::duration gap = release - c.last_release;
    c.period = c.period == Clock::duration::zero() ? gap : std::min(c.period, gap);
  }
  c.last_release = std::max(c.last_release, release);
  c.deadline_after = deadline - release;
  c.work->observe(static_cast<double>(std::max<int64_t>(work_ns, 0)));
  ++c.slots;
}

std::optional<DeadlineDemand> SlotLoadForecast::next(uint32_t cell) const {
  if (cell >= cells_.size()) return std::nullopt;
  const Cell& c = cells_[cell];
  if (c.slots < 2 || c.period == Clock::duration::zero() || !c.work) return std::nullopt;
  DeadlineDemand d;
  d.release = c.last_release + c.period;
  d.deadline = d.release + c.deadline_after;
  d.remaining_ns = static_cast<int64_t>(std::max(c.work->upper_bound(1, k_sigma_), 0.0));
  return d;
}

}  // namespace airan::rt
