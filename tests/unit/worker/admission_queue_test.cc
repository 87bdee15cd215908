#include "worker/admission_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace nmtd::worker {
namespace {

using namespace std::chrono_literals;

struct Probe {
  std::atomic<bool> cancelled{false};
  std::vector<grpc::StatusCode> outcomes;
};

std::shared_ptr<PendingCall> make_call(Probe& probe, std::size_t texts,
                                       Clock::duration deadline = 60s) {
  return std::make_shared<PendingCall>(
      "id", texts, Clock::now() + deadline, [&probe] { return probe.cancelled.load(); },
      [&probe](CallResult&& r) { probe.outcomes.push_back(r.status.error_code()); });
}

std::vector<TextJob> jobs_for(const std::shared_ptr<PendingCall>& call, std::size_t n,
                              const std::string& batch_key = "k", int tokens = 3) {
  std::vector<TextJob> jobs;
  for (std::size_t i = 0; i < n; ++i) {
    TextJob job;
    job.call = call;
    job.index = i;
    job.source.assign(static_cast<std::size_t>(tokens), "t");
    job.batch_key = batch_key;
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Batching no_wait(int texts = 32, int tokens = 4096) {
  return {.max_batch_texts = texts, .max_batch_tokens = tokens, .max_wait = 0us};
}

TEST(AdmissionQueue, AdmitsAllOrNothingWithinItsBound) {
  Probe p;
  AdmissionQueue queue(4);
  std::vector<TextJob> dead;
  auto three = jobs_for(make_call(p, 3), 3);
  EXPECT_EQ(queue.push(three, dead), AdmissionQueue::PushResult::kQueued);
  EXPECT_TRUE(three.empty());
  auto two = jobs_for(make_call(p, 2), 2);
  EXPECT_EQ(queue.push(two, dead), AdmissionQueue::PushResult::kFull);
  EXPECT_EQ(two.size(), 2u);  // not taken: the caller still owns them
  EXPECT_EQ(queue.depth(), 3);
  auto one = jobs_for(make_call(p, 1), 1);
  EXPECT_EQ(queue.push(one, dead), AdmissionQueue::PushResult::kQueued);
  EXPECT_EQ(queue.depth(), 4);
}

TEST(AdmissionQueue, DeadCallsDoNotKeepLiveOnesOut) {
  Probe gone, live;
  AdmissionQueue queue(2);
  std::vector<TextJob> dead;
  auto expired = jobs_for(make_call(gone, 2, 1ms), 2);
  ASSERT_EQ(queue.push(expired, dead), AdmissionQueue::PushResult::kQueued);
  std::this_thread::sleep_for(5ms);
  auto fresh = jobs_for(make_call(live, 2), 2);
  EXPECT_EQ(queue.push(fresh, dead), AdmissionQueue::PushResult::kQueued);
  EXPECT_EQ(dead.size(), 2u);
  EXPECT_EQ(queue.depth(), 2);
}

TEST(AdmissionQueue, TakesOneBatchKeyOldestFirstWithinTheLimits) {
  Probe p;
  AdmissionQueue queue(100);
  std::vector<TextJob> dead;
  auto a = jobs_for(make_call(p, 3), 3, "A");
  auto b = jobs_for(make_call(p, 2), 2, "B");
  auto a2 = jobs_for(make_call(p, 3), 3, "A");
  queue.push(a, dead);
  queue.push(b, dead);
  queue.push(a2, dead);
  std::stop_source stop;
  auto first = queue.take(no_wait(4), stop.get_token());
  ASSERT_TRUE(first);
  ASSERT_EQ(first->batch.size(), 4u);  // max_batch_texts, all of key A
  for (const auto& job : first->batch) EXPECT_EQ(job.batch_key, "A");
  auto second = queue.take(no_wait(4), stop.get_token());
  ASSERT_EQ(second->batch.size(), 2u);  // B is now the oldest
  EXPECT_EQ(second->batch[0].batch_key, "B");
  auto third = queue.take(no_wait(4), stop.get_token());
  EXPECT_EQ(third->batch.size(), 2u);
  EXPECT_EQ(queue.depth(), 0);
}

TEST(AdmissionQueue, TokenBoundSplitsBatchesButAlwaysTakesOne) {
  Probe p;
  AdmissionQueue queue(100);
  std::vector<TextJob> dead;
  auto big = jobs_for(make_call(p, 3), 3, "k", 50);
  queue.push(big, dead);
  std::stop_source stop;
  auto taken = queue.take(no_wait(32, 120), stop.get_token());
  EXPECT_EQ(taken->batch.size(), 2u);  // 100 tokens; a third would be 150
  taken = queue.take(no_wait(32, 10), stop.get_token());
  EXPECT_EQ(taken->batch.size(), 1u);  // over the bound alone, still served
}

TEST(AdmissionQueue, CancelledAndExpiredTextsAreSetAsideUnseen) {
  Probe cancelled, expired, live;
  AdmissionQueue queue(100);
  std::vector<TextJob> dead;
  auto c = jobs_for(make_call(cancelled, 1), 1);
  auto e = jobs_for(make_call(expired, 1, 1ms), 1);
  auto l = jobs_for(make_call(live, 1), 1);
  const PendingCall* live_call = l[0].call.get();
  queue.push(c, dead);
  queue.push(e, dead);
  queue.push(l, dead);
  cancelled.cancelled = true;
  std::this_thread::sleep_for(5ms);
  std::stop_source stop;
  auto taken = queue.take(no_wait(), stop.get_token());
  EXPECT_EQ(taken->dead.size(), 2u);
  ASSERT_EQ(taken->batch.size(), 1u);
  EXPECT_EQ(taken->batch[0].call.get(), live_call);
}

TEST(AdmissionQueue, ALoneTextWaitsForCompanyAtMostTheWindow) {
  Probe p;
  AdmissionQueue queue(100);
  std::vector<TextJob> dead;
  auto one = jobs_for(make_call(p, 1), 1);
  queue.push(one, dead);
  std::stop_source stop;
  const auto start = Clock::now();
  auto taken = queue.take({.max_batch_texts = 8, .max_batch_tokens = 4096, .max_wait = 50ms},
                          stop.get_token());
  const auto waited = Clock::now() - start;
  EXPECT_EQ(taken->batch.size(), 1u);
  EXPECT_GE(waited, 40ms);
}

TEST(AdmissionQueue, StopAndCloseEndTheWait) {
  AdmissionQueue queue(4);
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(20ms);
    stop.request_stop();
  });
  EXPECT_FALSE(queue.take(no_wait(), stop.get_token()));
  AdmissionQueue closing(4);
  std::stop_source never;
  std::jthread closer([&] {
    std::this_thread::sleep_for(20ms);
    closing.close();
  });
  EXPECT_FALSE(closing.take(no_wait(), never.get_token()));
  Probe p;
  std::vector<TextJob> dead;
  auto late = jobs_for(make_call(p, 1), 1);
  EXPECT_EQ(closing.push(late, dead), AdmissionQueue::PushResult::kClosed);
}

TEST(PendingCall, CompletesOnceWithEveryResultInPlace) {
  Probe p;
  std::vector<std::string> texts;
  auto call =
      std::make_shared<PendingCall>("id", 2, Clock::now() + 1s, nullptr, [&](CallResult&& r) {
        for (const auto& res : r.results) texts.push_back(res.hypotheses.at(0).text);
        p.outcomes.push_back(r.status.error_code());
      });
  TranslationResult one, zero;
  one.hypotheses.push_back({.tokens = {}, .score = 0, .text = "one"});
  zero.hypotheses.push_back({.tokens = {}, .score = 0, .text = "zero"});
  call->set_result(1, one, false);
  EXPECT_FALSE(call->done());
  call->set_result(0, zero, true);
  EXPECT_TRUE(call->done());
  call->fail(grpc::Status(grpc::StatusCode::INTERNAL, "late"));  // ignored
  EXPECT_EQ(p.outcomes, std::vector<grpc::StatusCode>{grpc::StatusCode::OK});
  EXPECT_EQ(texts, (std::vector<std::string>{"zero", "one"}));
}

TEST(AdmissionQueue, TextsJoinARunningDecodeOnlyWhileTheOldestTextCanJoin) {
  Probe p;
  AdmissionQueue queue(16);
  std::vector<TextJob> dead;
  auto joinable = [](const TextJob& job) { return job.batch_key == "k"; };
  auto other = jobs_for(make_call(p, 1), 1, "other");
  auto mine = jobs_for(make_call(p, 4), 4, "k", 3);
  ASSERT_EQ(queue.push(other, dead), AdmissionQueue::PushResult::kQueued);
  ASSERT_EQ(queue.push(mine, dead), AdmissionQueue::PushResult::kQueued);
  // The oldest text cannot join: nothing joins, so the running decode drains and it goes next.
  EXPECT_TRUE(queue.take_joining(joinable, 8, 100).batch.empty());
  EXPECT_EQ(queue.depth(), 5);
  const auto taken = queue.take(no_wait(), std::stop_token{});
  ASSERT_TRUE(taken);
  ASSERT_EQ(taken->batch.size(), 1u);
  EXPECT_EQ(taken->batch[0].batch_key, "other");
  // Now the oldest can: as many as fit the texts and tokens left, oldest first, without waiting.
  const auto joined = queue.take_joining(joinable, 3, 7);
  ASSERT_EQ(joined.batch.size(), 2u);  // 2 x 3 tokens fit in 7, a third does not
  EXPECT_EQ(joined.batch[0].index, 0u);
  EXPECT_EQ(joined.batch[1].index, 1u);
  EXPECT_EQ(queue.depth(), 2);
  EXPECT_TRUE(queue.take_joining(joinable, 0, 100).batch.empty());
  EXPECT_EQ(queue.take_joining(joinable, 8, 100).batch.size(), 2u);
}

TEST(AdmissionQueue, JoiningTextsHoldAtMostTheFreeRowsWhateverTheirBeams) {
  Probe p;
  AdmissionQueue queue(16);
  std::vector<TextJob> dead;
  // Rows by text: 2, 1, 4, 1 (their beams), in queue order.
  auto jobs = jobs_for(make_call(p, 4), 4);
  ASSERT_EQ(queue.push(jobs, dead), AdmissionQueue::PushResult::kQueued);
  const std::vector<int64_t> rows = {2, 1, 4, 1};
  auto rows_of = [&rows](const TextJob& job) { return rows[job.index]; };
  auto any = [](const TextJob&) { return true; };
  // 4 rows free: the 2-row and 1-row texts, then the 4-row one does not fit, the last 1-row does.
  const auto joined = queue.take_joining(any, 8, 100, rows_of, 4);
  ASSERT_EQ(joined.batch.size(), 3u);
  EXPECT_EQ(joined.batch[0].index, 0u);
  EXPECT_EQ(joined.batch[1].index, 1u);
  EXPECT_EQ(joined.batch[2].index, 3u);
  EXPECT_TRUE(queue.take_joining(any, 8, 100, rows_of, 3).batch.empty());
  EXPECT_EQ(queue.take_joining(any, 8, 100, rows_of, 4).batch.size(), 1u);
}

}  // namespace
}  // namespace nmtd::worker
