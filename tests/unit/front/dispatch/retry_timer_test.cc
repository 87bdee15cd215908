// The facade's backoff timer, and how the facade sizes a request's share of the workers' queues.
#include "front/dispatch/retry_timer.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <vector>

#include "front/dispatch/piece_dispatch.h"

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;

TEST(RetryTimer, RunsTasksInTimeOrderNotBeforeTheirTime) {
  RetryTimer timer;
  std::mutex mutex;
  std::vector<int> order;
  std::promise<void> last;
  const auto start = RetryTimer::Clock::now();
  RetryTimer::Clock::time_point second_ran;
  timer.at(start + 60ms, [&] {
    {
      std::lock_guard lock(mutex);
      order.push_back(2);
      second_ran = RetryTimer::Clock::now();
    }
    last.set_value();
  });
  timer.at(start + 10ms, [&] {
    std::lock_guard lock(mutex);
    order.push_back(1);
  });
  ASSERT_EQ(last.get_future().wait_for(5s), std::future_status::ready);
  std::lock_guard lock(mutex);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_GE(second_ran - start, 60ms);
  EXPECT_EQ(timer.waiting(), 0u);
}

TEST(RetryTimer, RunsWhatIsStillWaitingWhenDestroyed) {
  bool ran = false;
  {
    RetryTimer timer;
    timer.at(RetryTimer::Clock::now() + std::chrono::hours(1), [&] { ran = true; });
  }
  EXPECT_TRUE(ran);  // no caller is left waiting for an answer that never comes
}

TEST(DispatchLimits, ARequestTakesHalfTheQueuesInCallsOfAQuarterOfOne) {
  const auto one = DispatchLimits::for_workers(128, 1);
  EXPECT_EQ(one.texts_per_call, 32u);
  EXPECT_EQ(one.texts_in_flight, 64u);
  const auto two = DispatchLimits::for_workers(64, 2);
  EXPECT_EQ(two.texts_per_call, 16u);
  EXPECT_EQ(two.texts_in_flight, 64u);
  // Never more per call than a worker takes (64), never less than one text.
  EXPECT_EQ(DispatchLimits::for_workers(100000, 1).texts_per_call, 64u);
  EXPECT_EQ(DispatchLimits::for_workers(1, 1).texts_per_call, 1u);
  EXPECT_EQ(DispatchLimits::for_workers(1, 1).texts_in_flight, 1u);
}

}  // namespace
}  // namespace nmtd::front
