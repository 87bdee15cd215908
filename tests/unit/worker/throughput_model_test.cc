// Deadline-aware admission's arithmetic: measured speed, the price of a text, and refusals only
// when a call clearly cannot finish in time, never on a guess.
#include "worker/throughput_model.h"

#include <gtest/gtest.h>

namespace nmtd::worker {
namespace {

using namespace std::chrono_literals;

DecodingOptions greedy(int max_length) {
  DecodingOptions o;
  o.beam_size = 1;
  o.max_decoding_length = max_length;
  return o;
}

// Three batches of 1000 token-steps in 100 ms each: 0.1 ms per token-step, two output tokens
// per source token.
void measure(ThroughputModel& model) {
  for (int i = 0; i < ThroughputModel::kMinBatches; ++i) model.record_batch(1000, 100ms, 100, 200);
}

TEST(ThroughputModel, NothingIsRefusedBeforeEnoughBatchesWereMeasured) {
  ThroughputModel model;
  const Backlog huge{.queued_work = 1e9, .running_work = 1e9, .running_for = 0us};
  EXPECT_FALSE(model.seconds_per_work());
  EXPECT_FALSE(judge_deadline(model, huge, 1e6, 1ms));
  for (int i = 1; i < ThroughputModel::kMinBatches; ++i) model.record_batch(1000, 100ms, 100, 200);
  EXPECT_FALSE(judge_deadline(model, huge, 1e6, 1ms));
  model.record_batch(1000, 100ms, 100, 200);
  ASSERT_TRUE(model.seconds_per_work());
  EXPECT_DOUBLE_EQ(*model.seconds_per_work(), 1e-4);
  EXPECT_TRUE(judge_deadline(model, huge, 1e6, 1ms));
}

TEST(ThroughputModel, ATextIsPricedByItsSourceAndItsExpectedOutputTimesItsBeams) {
  ThroughputModel cold;
  EXPECT_DOUBLE_EQ(cold.text_work(10, greedy(256)), 10 + 10);  // 1 output per source token
  ThroughputModel model;
  measure(model);
  EXPECT_DOUBLE_EQ(model.output_ratio(), 2.0);
  EXPECT_DOUBLE_EQ(model.text_work(10, greedy(256)), 10 + 20);
  EXPECT_DOUBLE_EQ(model.text_work(10, greedy(15)), 10 + 15);  // at most max_decoding_length
  DecodingOptions forced = greedy(256);
  forced.min_decoding_length = 50;
  EXPECT_DOUBLE_EQ(model.text_work(10, forced), 10 + 50);  // at least min_decoding_length
  DecodingOptions beams = greedy(256);
  beams.beam_size = 4;
  EXPECT_DOUBLE_EQ(model.text_work(10, beams), 10 + 4 * 20);
}

TEST(ThroughputModel, ACallThatCannotFinishInTimeIsRefusedWithWhenCapacityFrees) {
  ThroughputModel model;
  measure(model);
  // 1 s queued ahead, 10 ms of its own, 500 ms left: clearly late.
  const Backlog backlog{.queued_work = 10000, .running_work = 0, .running_for = 0us};
  const auto late = judge_deadline(model, backlog, 100, 500ms);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->retry_after, 1000ms);
  EXPECT_EQ(late->own, 10ms);
  EXPECT_EQ(late->needed, 1010ms);
  // With 2 s left it fits.
  EXPECT_FALSE(judge_deadline(model, backlog, 100, 2s));
  // 1010 ms needed, 800 ms left: late as measured, but not clearly (a quarter faster would
  // do), so it is admitted.
  EXPECT_FALSE(judge_deadline(model, backlog, 100, 800ms));
}

TEST(ThroughputModel, TheRunningBatchCountsOnlyWhatIsLeftOfIt) {
  ThroughputModel model;
  measure(model);
  // A 500 ms batch that has run 400 ms leaves 100 ms.
  const Backlog running{.queued_work = 0, .running_work = 5000, .running_for = 400ms};
  const auto late = judge_deadline(model, running, 100, 50ms);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->retry_after, 100ms);
  // One that has overrun its estimate leaves nothing, not a negative time.
  const Backlog overrun{.queued_work = 0, .running_work = 5000, .running_for = 900ms};
  EXPECT_FALSE(judge_deadline(model, overrun, 100, 50ms));
}

TEST(ThroughputModel, RecentBatchesOutweighOldOnes) {
  ThroughputModel model;
  measure(model);
  // The machine got 10x slower: within a handful of batches the estimate follows.
  for (int i = 0; i < 20; ++i) model.record_batch(1000, 1000ms, 100, 200);
  ASSERT_TRUE(model.seconds_per_work());
  EXPECT_GT(*model.seconds_per_work(), 0.8e-3);
  EXPECT_LE(*model.seconds_per_work(), 1e-3);
}

}  // namespace
}  // namespace nmtd::worker
