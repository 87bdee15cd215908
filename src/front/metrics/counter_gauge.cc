#include "front/metrics/counter_gauge.h"

#include <cmath>
#include <string>

#include "common/error.h"

namespace nmtd::metrics {

static_assert(std::atomic<double>::is_always_lock_free, "metric updates must not take a lock");

void Counter::inc(double v) {
  if (!(v >= 0)) {  // also refuses NaN
    throw InvalidArgument("a counter can only go up: cannot add " + std::to_string(v));
  }
  value_.fetch_add(v, std::memory_order_relaxed);
}

}  // namespace nmtd::metrics
