#pragma once
// Least-squares growth rate over a sliding window of (time, value) points: a steady leak shows
// as a positive slope even when single samples are noisy.
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

namespace nmtd::monitor {

class GrowthEstimator {
 public:
  // `window` of 0 is treated as 1 (which never yields a slope).
  explicit GrowthEstimator(std::size_t window);

  void add(double t_seconds, double value);
  // Units of value per hour; nullopt with fewer than 2 points or all times equal.
  std::optional<double> slope_per_hour() const;
  std::size_t size() const { return points_.size(); }

 private:
  std::size_t window_;
  std::deque<std::pair<double, double>> points_;
};

}  // namespace nmtd::monitor
