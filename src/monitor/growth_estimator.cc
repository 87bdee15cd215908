#include "monitor/growth_estimator.h"

#include <algorithm>

namespace nmtd::monitor {

GrowthEstimator::GrowthEstimator(std::size_t window) : window_(std::max<std::size_t>(window, 1)) {}

void GrowthEstimator::add(double t_seconds, double value) {
  points_.emplace_back(t_seconds, value);
  while (points_.size() > window_) points_.pop_front();
}

std::optional<double> GrowthEstimator::slope_per_hour() const {
  const auto n = static_cast<double>(points_.size());
  if (points_.size() < 2) return std::nullopt;
  // Unix times (~1.7e9 s) squared would lose all precision in doubles; centring the times and
  // values first keeps the sums small.
  double mean_t = 0;
  double mean_v = 0;
  for (const auto& [t, v] : points_) {
    mean_t += t;
    mean_v += v;
  }
  mean_t /= n;
  mean_v /= n;
  double stt = 0;
  double stv = 0;
  for (const auto& [t, v] : points_) {
    const double dt = t - mean_t;
    stt += dt * dt;
    stv += dt * (v - mean_v);
  }
  if (stt <= 0) return std::nullopt;
  return stv / stt * 3600.0;
}

}  // namespace nmtd::monitor
