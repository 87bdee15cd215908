#pragma once
// The delay before a failed worker's slot starts again: 1 s doubling to 60 s by default, back to
// the start when the worker that failed had served long enough (30 s by default). A crash loop
// is a worker that dies soon after it starts; one killed after serving for a while is not, and
// holding its slot empty for a minute would only take capacity away (nmtd soak with chaos every
// 30 s showed restart delays doubling to a minute under the earlier 10-minute rule).
#include <algorithm>
#include <chrono>

namespace nmtd::front {

class RestartBackoff {
 public:
  using ms = std::chrono::milliseconds;
  RestartBackoff(ms initial, ms max, ms reset_after)
      : initial_(initial), max_(max), reset_after_(reset_after), next_(initial) {}

  // A worker of this slot failed after `healthy_for` of serving (0 when it never became
  // ready): how long to wait before starting the next one.
  ms on_failure(ms healthy_for) {
    if (healthy_for >= reset_after_) next_ = initial_;
    const ms delay = next_;
    next_ = std::min(max_, next_ * 2);
    return delay;
  }
  // The delay the next failure would get.
  ms next() const { return next_; }

 private:
  ms initial_;
  ms max_;
  ms reset_after_;
  ms next_;
};

}  // namespace nmtd::front
