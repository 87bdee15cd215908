#include "front/metrics/histogram.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"
#include "front/metrics/exposition.h"

namespace nmtd::metrics {

std::vector<double> Histogram::checked_bounds(std::vector<double> upper_bounds) {
  if (!upper_bounds.empty() && upper_bounds.back() == INFINITY) upper_bounds.pop_back();
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    const double b = upper_bounds[i];
    if (!std::isfinite(b)) {
      throw InvalidArgument("histogram bound " + format_value(b) +
                            " is not finite (+Inf is implicit and may only come last)");
    }
    if (i > 0 && !(upper_bounds[i - 1] < b)) {
      throw InvalidArgument("histogram bounds must be strictly increasing: " +
                            format_value(upper_bounds[i - 1]) + " then " + format_value(b));
    }
  }
  return upper_bounds;
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(checked_bounds(std::move(upper_bounds))),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double v) {
  if (std::isnan(v)) throw InvalidArgument("a histogram cannot observe NaN");
  // lower_bound: the first bound >= v, as Prometheus' `le` (less or equal) demands.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  const auto index = static_cast<std::size_t>(it - bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

std::uint64_t Histogram::count() const { return cumulative_counts().back(); }

}  // namespace nmtd::metrics
