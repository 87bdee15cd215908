#include "front/dispatch/router.h"

#include <gtest/gtest.h>

#include "front/supervise/restart_backoff.h"

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<WorkerEndpoint> endpoint(int slot) {
  // A socket path nobody serves: the router never calls it, it only counts and chooses.
  return std::make_shared<WorkerEndpoint>(slot, 1, 1000 + slot, "/nonexistent/w.sock");
}

TEST(Router, PicksTheLeastBusyAcceptingWorkerPreferringUntried) {
  Router router(16);
  EXPECT_EQ(router.pick({}), nullptr);
  auto a = endpoint(0), b = endpoint(1);
  router.add(a);
  router.add(b);
  a->outstanding = 3;
  b->outstanding = 1;
  EXPECT_EQ(router.pick({}), b);
  EXPECT_EQ(router.pick({b.get()}), a);           // untried first, however busy
  EXPECT_EQ(router.pick({a.get(), b.get()}), b);  // all tried: the least busy
  router.suspect(b);
  EXPECT_TRUE(b->suspect);
  EXPECT_FALSE(b->accepting);
  EXPECT_EQ(router.pick({}), a);
  router.remove(a.get());
  EXPECT_EQ(router.pick({}), nullptr);
  EXPECT_EQ(router.accepting_workers(), 0);
}

TEST(Router, HeldCallsResumeWhenAWorkerArrivesAndTheBoundIsInTexts) {
  Router router(5);
  std::vector<std::shared_ptr<WorkerEndpoint>> resumed;
  const auto far = Router::Clock::now() + 1h;
  EXPECT_TRUE(router.hold(3, far, [&](auto w) { resumed.push_back(w); }));
  EXPECT_TRUE(router.hold(2, far, [&](auto w) { resumed.push_back(w); }));
  EXPECT_FALSE(router.hold(1, far, [&](auto w) { resumed.push_back(w); }));  // 6 > 5
  EXPECT_EQ(router.held_texts(), 5u);
  auto a = endpoint(0);
  router.add(a);
  ASSERT_EQ(resumed.size(), 2u);
  EXPECT_EQ(resumed[0], a);
  EXPECT_EQ(router.held_texts(), 0u);
  // With a worker accepting, hold() does not park: it resumes at once.
  EXPECT_TRUE(router.hold(100, far, [&](auto w) { resumed.push_back(w); }));
  EXPECT_EQ(resumed.size(), 3u);
}

TEST(Router, ExpiredHeldCallsAreResumedWithNothing) {
  Router router(10);
  int expired = 0, live = 0;
  const auto now = Router::Clock::now();
  router.hold(1, now + 10ms, [&](auto w) { (w ? live : expired)++; });
  router.hold(1, now + 1h, [&](auto w) { (w ? live : expired)++; });
  router.expire(now + 1s);
  EXPECT_EQ(expired, 1);
  EXPECT_EQ(router.held_texts(), 1u);
  router.release_all();
  EXPECT_EQ(expired, 2);
  EXPECT_EQ(live, 0);
}

TEST(RestartBackoff, DoublesToTheCapAndResetsAfterAHealthyRun) {
  RestartBackoff b(1000ms, 60000ms, 600000ms);
  EXPECT_EQ(b.on_failure(0ms), 1000ms);
  EXPECT_EQ(b.on_failure(0ms), 2000ms);
  EXPECT_EQ(b.on_failure(5000ms), 4000ms);
  for (int i = 0; i < 10; ++i) b.on_failure(0ms);
  EXPECT_EQ(b.on_failure(0ms), 60000ms);
  EXPECT_EQ(b.on_failure(600000ms), 1000ms);  // ten healthy minutes: not a loop any more
  EXPECT_EQ(b.next(), 2000ms);
}

TEST(Router, UnloadsOnlyWhenDueAndNothingIsHeldThenWakesOnTheNextHeldCall) {
  Router router(8);
  int wakes = 0;
  router.set_on_wake([&] { ++wakes; });
  auto a = endpoint(0);
  router.add(a);
  EXPECT_TRUE(router.takes_calls());
  // The policy is asked with the latest activity: a pick is one.
  const auto before_pick = Router::Clock::now();
  EXPECT_EQ(router.pick({}), a);
  Router::Clock::time_point seen{};
  EXPECT_FALSE(router.unload_if([&](auto last) {
    seen = last;
    return false;
  }));
  EXPECT_GE(seen, before_pick);
  EXPECT_FALSE(router.unloaded());
  EXPECT_TRUE(a->accepting);
  // Due: the worker leaves the rotation, yet the router still takes calls.
  EXPECT_TRUE(router.unload_if([](auto) { return true; }));
  EXPECT_TRUE(router.unloaded());
  EXPECT_FALSE(a->accepting);
  EXPECT_EQ(router.accepting_workers(), 0);
  EXPECT_TRUE(router.takes_calls());
  EXPECT_EQ(router.pick({}), nullptr);
  EXPECT_FALSE(router.unload_if([](auto) { return true; }));  // once
  EXPECT_EQ(wakes, 0);
  // A call held while unloaded wakes the pool; a worker serving it ends the unload.
  std::shared_ptr<WorkerEndpoint> resumed;
  EXPECT_TRUE(router.hold(1, Router::Clock::now() + 1h, [&](auto w) { resumed = w; }));
  EXPECT_EQ(wakes, 1);
  auto b = endpoint(1);
  router.add(b);
  EXPECT_EQ(resumed, b);
  EXPECT_FALSE(router.unloaded());
}

TEST(Router, AWorkerJoiningStartsTheIdleTime) {
  Router router(8);
  const auto before = Router::Clock::now();
  router.add(endpoint(0));
  Router::Clock::time_point seen{};
  router.unload_if([&](auto last) {
    seen = last;
    return false;
  });
  EXPECT_GE(seen, before);
}

TEST(Router, NoUnloadWhileACallIsHeld) {
  Router router(8);
  router.hold(1, Router::Clock::now() + 1h, [](auto) {});
  EXPECT_FALSE(router.unload_if([](auto) { return true; }));
  EXPECT_FALSE(router.unloaded());
  EXPECT_FALSE(router.takes_calls());  // no worker, not unloaded: a restart or a crash loop
}

TEST(Router, SeenBusyMovesTheIdleClock) {
  Router router(8);
  const auto later = Router::Clock::now() + 1h;
  router.note_activity(later);
  Router::Clock::time_point seen{};
  router.unload_if([&](auto last) {
    seen = last;
    return false;
  });
  EXPECT_EQ(seen, later);
}

}  // namespace
}  // namespace nmtd::front
