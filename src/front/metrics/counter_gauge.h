#pragma once
// The two single-value metric kinds. Updates are one atomic operation each, so request paths
// can count without taking the registry's lock; MetricsRegistry hands out references that stay
// valid for its lifetime.
#include <atomic>

namespace nmtd::metrics {

// Only ever goes up (Prometheus derives rates from it and treats a decrease as a restart).
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Throws InvalidArgument for a negative or NaN increment: either would make every rate()
  // computed from this counter wrong without any other sign.
  void inc(double v = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down (queue depth, RSS, workers ready).
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  void inc() { add(1); }
  void dec() { add(-1); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

}  // namespace nmtd::metrics
