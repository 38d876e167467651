#include "airan/rt/recent_quantile_model.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace airan::rt {

Expected<RecentQuantileModel> RecentQuantileModel::create(const RecentQuantileOptions& options) {
  if (options.window < 1) return Error{"window: must be >= 1"};
  if (!(options.quantile > 0.0 && options.quantile <= 1.0)) {
    return Error{"quantile: " + std::to_string(options.quantile) + " not in (0, 1]"};
  }
  if (options.refresh_every < 1) return Error{"refresh_every: must be >= 1"};
  if (options.cold_start_ns < 0) return Error{"cold_start_ns: must be >= 0"};
  if (!(options.margin >= 1.0)) {
    return Error{"margin: " + std::to_string(options.margin) + " must be >= 1"};
  }
  return RecentQuantileModel(options);
}

RecentQuantileModel::RecentQuantileModel(const RecentQuantileOptions& options)
    : options_(options), scratch_(options.window) {
  for (auto& w : windows_) w.ring.assign(options.window, 0);
  predicted_.fill(options.cold_start_ns);
}

int64_t RecentQuantileModel::predict_ns(const RanTask& task) const {
  return predicted_[index_of(task.type)];
}

void RecentQuantileModel::observe(RanTaskType type, const TaskFeatures& /*features*/,
                                  int64_t actual_ns) {
  const size_t t = index_of(type);
  if (t >= windows_.size()) return;
  Window& w = windows_[t];
  w.ring[w.next] = std::max<int64_t>(actual_ns, 0);
  w.next = (w.next + 1) % w.ring.size();
  w.size = std::min(w.size + 1, w.ring.size());
  // Refresh at once on the first observation (leave the cold start), then every refresh_every.
  if (w.size == 1 || ++w.since_refresh >= options_.refresh_every) refresh(t);
}

void RecentQuantileModel::refresh(size_t type) {
  Window& w = windows_[type];
  w.since_refresh = 0;
  std::copy_n(w.ring.begin(), w.size, scratch_.begin());
  // The ceil(q n)-th smallest: with q = 1 the maximum.
  const auto rank = static_cast<size_t>(std::ceil(options_.quantile * static_cast<double>(w.size)));
  const size_t k = std::min(w.size - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(scratch_.begin(), scratch_.begin() + static_cast<ptrdiff_t>(k),
                   scratch_.begin() + static_cast<ptrdiff_t>(w.size));
  predicted_[type] =
      static_cast<int64_t>(std::ceil(static_cast<double>(scratch_[k]) * options_.margin));
}

}  // namespace airan::rt
