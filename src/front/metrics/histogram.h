#pragma once
// A Prometheus histogram: fixed upper bounds chosen at creation, one atomic count per bucket,
// an atomic sum. Buckets are kept per interval (not cumulative) so that observe() touches one
// bucket; readers add them up, which also makes the +Inf bucket and the count agree in every
// rendering even while other threads observe.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace nmtd::metrics {

class Histogram {
 public:
  // Bounds must be finite, strictly increasing; a trailing +Inf is accepted and dropped (the
  // +Inf bucket always exists). Throws InvalidArgument otherwise.
  explicit Histogram(std::vector<double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `v` in the first bucket whose bound is >= v. Throws InvalidArgument for NaN, which
  // would otherwise turn the sum into NaN for the rest of the process' life.
  void observe(double v);

  // The finite bounds (without +Inf).
  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Cumulative counts, one per finite bound and a last one for +Inf (== count()).
  std::vector<std::uint64_t> cumulative_counts() const;
  std::uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

  // Bounds as they are stored: validated, trailing +Inf removed. Throws InvalidArgument.
  static std::vector<double> checked_bounds(std::vector<double> upper_bounds);

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<double> sum_{0};
};

}  // namespace nmtd::metrics
