#include "front/supervise/supervision_policy.h"

#include <gtest/gtest.h>

#include <vector>

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;
using Clock = SupervisionPolicy::Clock;
using Act = SupervisionPolicy::Verdict::Act;
using ms = std::chrono::milliseconds;

// A fake clock: time points at chosen offsets from an arbitrary start, no clock read.
const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1000);

struct Fixture : ::testing::Test {
  Supervision supervision;  // the defaults: 1 s doubling to 60 s, reset after 30 s of serving
  SoftLimits limits;        // the defaults: fds 768, threads 512, RSS and GPU off
  SupervisionPolicy policy() const { return SupervisionPolicy(supervision, limits, 10s); }
  RestartBackoff backoff() const {
    return RestartBackoff(supervision.backoff_initial, supervision.backoff_max,
                          supervision.backoff_reset_after);
  }
};

// A fake worker's status answer.
nmt::v1::GetStatusResponse status_with(int64_t rss_bytes, int fds, int threads) {
  nmt::v1::GetStatusResponse s;
  s.mutable_resources()->set_rss_bytes(rss_bytes);
  s.mutable_resources()->set_open_fds(fds);
  s.mutable_resources()->set_threads(threads);
  return s;
}

SupervisionPolicy::ExitObservation crashed_after_serving(ms served, Clock::time_point now) {
  SupervisionPolicy::ExitObservation exit;
  exit.signaled = true;
  exit.ready_since = now - served;
  return exit;
}

using SupervisionPolicyTest = Fixture;

TEST_F(SupervisionPolicyTest, RestartsACrashedWorkerAfterTheBackoff) {
  auto b = backoff();
  const auto plan = policy().on_exit(crashed_after_serving(2s, t0), t0, b);
  EXPECT_EQ(plan.reason, RestartReason::kCrash);
  EXPECT_FALSE(plan.planned);
  EXPECT_TRUE(plan.counted);
  EXPECT_EQ(plan.restart_in, ms(1000));
  EXPECT_EQ(b.next(), ms(2000));
}

TEST_F(SupervisionPolicyTest, AWorkerThatExitsOnItsOwnCountsAsAnExit) {
  auto b = backoff();
  SupervisionPolicy::ExitObservation exit;  // exited, never ready
  const auto plan = policy().on_exit(exit, t0, b);
  EXPECT_EQ(plan.reason, RestartReason::kExit);
  EXPECT_EQ(plan.restart_in, ms(1000));
}

TEST_F(SupervisionPolicyTest, ACrashLoopBacksOffToTheMaximumAndKeepsTrying) {
  auto b = backoff();
  std::vector<ms> delays;
  auto now = t0;
  for (int i = 0; i < 9; ++i) {
    SupervisionPolicy::ExitObservation exit;  // dies before it ever serves
    exit.signaled = true;
    const auto plan = policy().on_exit(exit, now, b);
    ASSERT_TRUE(plan.restart_in) << "a crash-looping slot is never given up";
    delays.push_back(*plan.restart_in);
    now += *plan.restart_in + 1s;
  }
  EXPECT_EQ(delays, (std::vector<ms>{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s}));
}

TEST_F(SupervisionPolicyTest, AStableRunResetsTheBackoff) {
  auto b = backoff();
  for (int i = 0; i < 4; ++i) policy().on_exit(crashed_after_serving(1s, t0), t0, b);
  ASSERT_EQ(b.next(), ms(16000));
  // Served just short of backoff_reset_after: still a crash loop.
  EXPECT_EQ(policy().on_exit(crashed_after_serving(29'999ms, t0), t0, b).restart_in, ms(16000));
  // Served backoff_reset_after: the next start comes after the initial delay again.
  EXPECT_EQ(policy().on_exit(crashed_after_serving(30s, t0), t0, b).restart_in, ms(1000));
  EXPECT_EQ(b.next(), ms(2000));
}

TEST_F(SupervisionPolicyTest, APlannedRecycleRestartsAtOnceWithoutBackoff) {
  auto b = backoff();
  SupervisionPolicy::ExitObservation exit;
  exit.stop_reason = RestartReason::kAge;
  exit.ready_since = t0 - 1s;
  const auto plan = policy().on_exit(exit, t0, b);
  EXPECT_EQ(plan.reason, RestartReason::kAge);
  EXPECT_TRUE(plan.planned);
  EXPECT_EQ(plan.restart_in, ms(0));
  EXPECT_EQ(b.next(), ms(1000)) << "a planned recycle is no failure";
}

TEST_F(SupervisionPolicyTest, TheFrontsOwnReasonWinsOverHowTheProcessEnded) {
  auto b = backoff();
  SupervisionPolicy::ExitObservation exit;
  exit.signaled = true;  // SIGKILL after SIGABRT
  exit.stop_reason = RestartReason::kStalled;
  const auto plan = policy().on_exit(exit, t0, b);
  EXPECT_EQ(plan.reason, RestartReason::kStalled);
  EXPECT_FALSE(plan.planned);
  EXPECT_EQ(plan.restart_in, ms(1000));
}

TEST_F(SupervisionPolicyTest, NothingRestartsWhereTheSpareAlreadyHoldsTheSlot) {
  auto b = backoff();
  SupervisionPolicy::ExitObservation exit;
  exit.signaled = true;
  exit.slot_covered = true;
  const auto plan = policy().on_exit(exit, t0, b);
  EXPECT_TRUE(plan.counted);
  EXPECT_FALSE(plan.restart_in);
  EXPECT_EQ(b.next(), ms(1000));
}

TEST_F(SupervisionPolicyTest, NothingRestartsOrCountsWhileTheFrontStops) {
  auto b = backoff();
  SupervisionPolicy::ExitObservation exit;
  exit.signaled = true;
  exit.stopping = true;
  const auto plan = policy().on_exit(exit, t0, b);
  EXPECT_FALSE(plan.counted);
  EXPECT_FALSE(plan.restart_in);
}

TEST_F(SupervisionPolicyTest, AFailedStartBacksOffLikeACrash) {
  auto b = backoff();
  EXPECT_EQ(SupervisionPolicy::after_failed_start(b), ms(1000));
  EXPECT_EQ(SupervisionPolicy::after_failed_start(b), ms(2000));
}

TEST_F(SupervisionPolicyTest, AWorkerNotServingWithinTheStartTimeoutIsKilled) {
  supervision.start_timeout = 120s;
  EXPECT_FALSE(policy().start_timed_out(t0, t0 + 120s));
  EXPECT_TRUE(policy().start_timed_out(t0, t0 + 120s + 1ms));
}

TEST_F(SupervisionPolicyTest, RecyclesByAge) {
  supervision.recycle_age = 12h;
  EXPECT_FALSE(policy().judge_age(t0, t0 + 12h - 1ms));
  const auto verdict = policy().judge_age(t0, t0 + 12h);
  ASSERT_TRUE(verdict);
  EXPECT_EQ(verdict->act, Act::kRecycle);
  EXPECT_EQ(verdict->reason, RestartReason::kAge);
  supervision.recycle_age = 0ms;  // off
  EXPECT_FALSE(policy().judge_age(t0, t0 + 1000h));
}

TEST_F(SupervisionPolicyTest, RecyclesByResidentMemory) {
  limits.rss_mib = 1024;
  constexpr int64_t kMiB = 1 << 20;
  EXPECT_FALSE(policy().judge_status(status_with(1024 * kMiB, 10, 10)));
  const auto verdict = policy().judge_status(status_with(1024 * kMiB + 1, 10, 10));
  ASSERT_TRUE(verdict);
  EXPECT_EQ(verdict->act, Act::kRecycle);
  EXPECT_EQ(verdict->reason, RestartReason::kRss);
  limits.rss_mib = 0;  // off
  EXPECT_FALSE(policy().judge_status(status_with(1'000'000 * kMiB, 10, 10)));
}

TEST_F(SupervisionPolicyTest, RecyclesByOpenFilesAndThreads) {
  EXPECT_FALSE(policy().judge_status(status_with(0, 768, 512)));
  EXPECT_EQ(policy().judge_status(status_with(0, 769, 10))->reason, RestartReason::kFds);
  EXPECT_EQ(policy().judge_status(status_with(0, 10, 513))->reason, RestartReason::kThreads);
  // Both over: the first rule decides, one recycle.
  EXPECT_EQ(policy().judge_status(status_with(0, 769, 513))->reason, RestartReason::kFds);
}

TEST_F(SupervisionPolicyTest, RecyclesByGpuMemoryOnlyWhereAGpuIsSeen) {
  limits.gpu_memory_percent = 90;
  auto s = status_with(0, 10, 10);
  s.mutable_resources()->set_gpu_total_bytes(100);
  s.mutable_resources()->set_gpu_used_bytes(95);
  EXPECT_FALSE(policy().judge_status(s)) << "gpu_available unset";
  s.mutable_resources()->set_gpu_available(true);
  EXPECT_EQ(policy().judge_status(s)->reason, RestartReason::kGpuMemory);
  s.mutable_resources()->set_gpu_used_bytes(90);
  EXPECT_FALSE(policy().judge_status(s));
}

TEST_F(SupervisionPolicyTest, AnEngineWithoutProgressIsAbortedBeforeAnyRecycle) {
  auto s = status_with(0, 769, 10);  // over the fd limit too
  s.set_engine_stalled(true);
  s.set_engine_no_progress_ms(5200);
  s.set_engine_call_ms(9000);
  const auto verdict = policy().judge_status(s);
  ASSERT_TRUE(verdict);
  EXPECT_EQ(verdict->act, Act::kAbort);
  EXPECT_EQ(verdict->reason, RestartReason::kStalled);
  EXPECT_NE(verdict->why.find("5200 ms"), std::string::npos) << verdict->why;
  // A long call that the watchdog still finds progressing is no verdict.
  s.set_engine_stalled(false);
  s.mutable_resources()->set_open_fds(10);
  EXPECT_FALSE(policy().judge_status(s));
}

TEST_F(SupervisionPolicyTest, FailedHealthChecksInARowDeclareTheWorkerHung) {
  supervision.health_misses = 3;
  auto count = policy().on_health(0, false);
  EXPECT_EQ(count.misses, 1);
  EXPECT_FALSE(count.hung);
  count = policy().on_health(count.misses, false);
  EXPECT_FALSE(count.hung);
  count = policy().on_health(count.misses, false);
  EXPECT_EQ(count.misses, 3);
  EXPECT_TRUE(count.hung);
  // A passed check in between starts the count again.
  EXPECT_EQ(policy().on_health(2, true).misses, 0);
  EXPECT_FALSE(policy().on_health(policy().on_health(2, true).misses, false).hung);
}

TEST_F(SupervisionPolicyTest, ACanaryStuckBehindAProgressingBatchIsNoFailedCheck) {
  nmt::v1::GetStatusResponse busy;
  busy.set_engine_call_ms(40'000);
  EXPECT_FALSE(SupervisionPolicy::canary_counts(true, busy));
  EXPECT_TRUE(SupervisionPolicy::canary_counts(false, busy)) << "a wrong answer always counts";
  EXPECT_TRUE(SupervisionPolicy::canary_counts(true, std::nullopt)) << "no status yet";
  nmt::v1::GetStatusResponse idle;
  EXPECT_TRUE(SupervisionPolicy::canary_counts(true, idle));
  busy.set_engine_stalled(true);
  EXPECT_TRUE(SupervisionPolicy::canary_counts(true, busy));
}

TEST_F(SupervisionPolicyTest, AnAbortedWorkerIsKilledAfterTheKillGrace) {
  supervision.kill_grace = 5s;
  EXPECT_FALSE(policy().kill_after_abort(t0, t0 + 5s - 1ms));
  EXPECT_TRUE(policy().kill_after_abort(t0, t0 + 5s));
}

TEST_F(SupervisionPolicyTest, ADrainingWorkerIsKilledPastTheDrainTimeoutAndItsGrace) {
  const auto limit = 10s + SupervisionPolicy::kDrainGrace;  // the drain timeout is 10 s here
  EXPECT_FALSE(policy().kill_draining(t0, t0 + limit));
  EXPECT_TRUE(policy().kill_draining(t0, t0 + limit + 1ms));
}

TEST_F(SupervisionPolicyTest, TheOldWorkerDrainsOnlyOnceItsSpareServes) {
  using Step = SupervisionPolicy::RecycleStep;
  EXPECT_EQ(SupervisionPolicy::recycle_step(true, false), Step::kWait);
  EXPECT_EQ(SupervisionPolicy::recycle_step(true, true), Step::kDrainOld);
  EXPECT_EQ(SupervisionPolicy::recycle_step(false, false), Step::kAbandon);
}

TEST_F(SupervisionPolicyTest, UnloadsASettledIdlePoolOnlyAfterTheIdleTime) {
  const SupervisionPolicy idle(supervision, limits, 10s, 30s);
  SupervisionPolicy::IdleObservation seen;
  seen.settled = true;
  seen.last_activity = t0;
  EXPECT_FALSE(idle.unload_due(seen, t0 + 29999ms));
  EXPECT_TRUE(idle.unload_due(seen, t0 + 30s));
  // Calls in flight or held, or a pool still starting, recovering or recycling: never.
  seen.busy = true;
  EXPECT_FALSE(idle.unload_due(seen, t0 + 1h));
  seen.busy = false;
  seen.settled = false;
  EXPECT_FALSE(idle.unload_due(seen, t0 + 1h));
  // Off (0): never, however idle.
  seen.settled = true;
  EXPECT_FALSE(policy().unloads());
  EXPECT_FALSE(policy().unload_due(seen, t0 + 1h));
}

TEST_F(SupervisionPolicyTest, AnUnloadedWorkerIsNeitherCountedNorRestartedNorBacksOff) {
  auto b = backoff();
  SupervisionPolicy::ExitObservation exit = crashed_after_serving(2s, t0);
  exit.signaled = false;
  exit.unloaded = true;
  auto plan = policy().on_exit(exit, t0, b);
  EXPECT_TRUE(plan.unloaded);
  EXPECT_TRUE(plan.planned);
  EXPECT_FALSE(plan.counted);
  EXPECT_FALSE(plan.restart_in);
  EXPECT_EQ(b.next(), ms(1000));  // the back-off is untouched
  // Told to go, it crashed on the way out: still an unload, not a crash.
  exit.signaled = true;
  plan = policy().on_exit(exit, t0, b);
  EXPECT_TRUE(plan.unloaded);
  EXPECT_FALSE(plan.counted);
}

}  // namespace
}  // namespace nmtd::front
