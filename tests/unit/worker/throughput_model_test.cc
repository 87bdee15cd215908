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
  // 1010 ms needed: 1050 ms left leaves too little to spare, 1200 ms enough.
  EXPECT_TRUE(judge_deadline(model, backlog, 100, 1050ms));
  EXPECT_FALSE(judge_deadline(model, backlog, 100, 1200ms));
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

TEST(ThroughputModel, OutputLengthsArePredictedFromTheSourcesOfRecentTexts) {
  // A random-weight model: every output runs to the length limit, whatever the source. The
  // batches' ratio (here 256/55) would price a 10-token text at 47 steps.
  ThroughputModel fixed;
  for (int i = 0; i < 30; ++i) {
    const int source = 10 + 10 * (i % 10);
    fixed.record_batch(1000, 100ms, source, 256);
    fixed.record_text(source, 256);
  }
  EXPECT_NEAR(fixed.text_steps(10, greedy(256)), 256, 1e-6);
  EXPECT_NEAR(fixed.text_steps(200, greedy(256)), 256, 1e-6);
  // A trained model's output grows with its source.
  ThroughputModel trained;
  for (int i = 0; i < 30; ++i) {
    const int source = 10 + 10 * (i % 10);
    trained.record_text(source, source + source / 5 + 2);
  }
  EXPECT_NEAR(trained.text_steps(50, greedy(256)), 62, 1.5);
  EXPECT_NEAR(trained.text_steps(100, greedy(256)), 122, 1.5);
  EXPECT_EQ(trained.text_steps(500, greedy(256)), 256) << "within max_decoding_length";
  // Too few texts: the batches' ratio, as before.
  ThroughputModel few;
  measure(few);
  for (int i = 1; i < ThroughputModel::kMinTexts; ++i) few.record_text(10, 256);
  EXPECT_DOUBLE_EQ(few.text_steps(10, greedy(256)), 20);
}

TEST(ThroughputModel, ATextThatCannotRunItsStepsBeforeItsDeadlineIsRefused) {
  ThroughputModel model;
  measure(model);  // 0.1 ms per token-step: 16 rows share each step's time
  const Backlog idle{};
  // Own work priced at throughput: 256 steps x 2 beams = 51 ms. Without step times, admitted.
  EXPECT_FALSE(judge_deadline(model, idle, 512, 20s, 256));
  for (int i = 0; i < ThroughputModel::kMinSteps; ++i) model.record_step(100ms);
  ASSERT_TRUE(model.seconds_per_step());
  EXPECT_DOUBLE_EQ(*model.seconds_per_step(), 0.1);
  // 256 steps one after the other take 25.6 s: with 15 s left it cannot finish.
  const auto late = judge_deadline(model, idle, 512, 15s, 256);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->needed, 25600ms);
  EXPECT_EQ(late->own, 25600ms);
  EXPECT_EQ(late->retry_after, 0ms);
  EXPECT_FALSE(judge_deadline(model, idle, 512, 30s, 256));
  // Behind 10 s of work it starts later: 35.6 s needed, 20 s left is clearly too little.
  const Backlog busy{.queued_work = 100000, .running_work = 0, .running_for = 0us};
  const auto behind = judge_deadline(model, busy, 512, 20s, 256);
  ASSERT_TRUE(behind);
  EXPECT_EQ(behind->needed, 35600ms);
  EXPECT_EQ(behind->retry_after, 10000ms);
}

TEST(ThroughputModel, AStepIsPricedAtTheRowsItMayCarry) {
  ThroughputModel model;
  // 40 ms plus 5 ms per row, measured at 2 to 8 rows.
  for (int i = 0; i < 40; ++i) {
    const int rows = 2 + 2 * (i % 4);
    model.record_step(std::chrono::microseconds(40000 + 5000 * rows), rows);
  }
  ASSERT_TRUE(model.seconds_per_step(16));
  EXPECT_NEAR(*model.seconds_per_step(16), 0.12, 1e-6);
  EXPECT_NEAR(*model.seconds_per_step(2), 0.05, 1e-6);
  // Always the same rows: their mean time, at any rows.
  ThroughputModel steady;
  for (int i = 0; i < 20; ++i) steady.record_step(100ms, 16);
  EXPECT_NEAR(*steady.seconds_per_step(32), 0.1, 1e-9);
  // Admission prices the steps at the session's most rows.
  measure(model);
  const Backlog full{.queued_work = 0, .running_work = 0, .running_for = 0us, .max_rows = 16};
  const auto late = judge_deadline(model, full, 512, 30s, 256);  // 256 x 0.12 = 30.7 s
  ASSERT_TRUE(late);
  EXPECT_EQ(late->own, 30720ms);
}

TEST(ThroughputModel, ATextIsPricedAtTheRecentTextsPaceWhenTheyRanSlowerThanTheirSteps) {
  ThroughputModel model;
  measure(model);
  for (int i = 0; i < ThroughputModel::kMinSteps; ++i) model.record_step(100ms, 16);
  const Backlog full{.queued_work = 0, .running_work = 0, .running_for = 0us, .max_rows = 16};
  // 256 steps at 0.1 s: 25.6 s, admitted with 30 s left.
  EXPECT_FALSE(judge_deadline(model, full, 512, 30s, 256));
  // Texts spent 0.13 s per step in the decode (encoders of newcomers between steps, a CPU
  // shared with a worker loading beside): only counted once kMinTexts of them finished, and
  // texts of a few steps are not counted at all.
  for (int i = 0; i < 20; ++i) model.record_pace(std::chrono::milliseconds(3000), 2);
  EXPECT_FALSE(model.seconds_per_step_paced());
  for (int i = 1; i < ThroughputModel::kMinTexts; ++i) model.record_pace(13000ms, 100);
  EXPECT_FALSE(model.seconds_per_step_paced());
  EXPECT_FALSE(judge_deadline(model, full, 512, 30s, 256));
  model.record_pace(13000ms, 100);
  ASSERT_TRUE(model.seconds_per_step_paced());
  EXPECT_NEAR(*model.seconds_per_step_paced(), 0.13, 1e-9);
  const auto late = judge_deadline(model, full, 512, 30s, 256);  // 256 x 0.13 = 33.3 s
  ASSERT_TRUE(late);
  EXPECT_EQ(late->own, 33280ms);
  // A pace faster than the step line (texts decoded beside few rows) never lowers the price.
  ThroughputModel fast;
  measure(fast);
  for (int i = 0; i < ThroughputModel::kMinSteps; ++i) fast.record_step(100ms, 16);
  for (int i = 0; i < ThroughputModel::kMinTexts; ++i) fast.record_pace(2000ms, 100);
  const auto priced = judge_deadline(fast, full, 512, 20s, 256);
  ASSERT_TRUE(priced);
  EXPECT_EQ(priced->own, 25600ms);
}

TEST(ThroughputModel, ATextsOwnStepsArePricedAboveTheMeanByTheSpreadOfRecentOutputs) {
  ThroughputModel model;
  // Outputs of 10-token sources: 40, 160, 40, 160, ... (mean 100, spread 60, as decayed sums
  // weigh the later points a little more: within one step).
  for (int i = 0; i < 40; ++i) model.record_text(10, i % 2 == 0 ? 40 : 160);
  EXPECT_NEAR(model.text_steps(10, greedy(256)), 100, 1);
  EXPECT_NEAR(model.text_steps_high(10, greedy(256)), 100 + ThroughputModel::kLengthSpread * 60,
              1.5);
  EXPECT_EQ(model.text_steps_high(10, greedy(150)), 150) << "within max_decoding_length";
  // Outputs that follow their sources exactly: no spread, the line itself.
  ThroughputModel exact;
  for (int i = 0; i < 40; ++i) exact.record_text(10 + i, 2 * (10 + i));
  EXPECT_NEAR(exact.text_steps_high(30, greedy(256)), 60, 1e-6);
  // Too few texts: the ratio, no spread.
  ThroughputModel few;
  few.record_text(10, 40);
  EXPECT_EQ(few.text_steps_high(10, greedy(256)), few.text_steps(10, greedy(256)));
}

}  // namespace
}  // namespace nmtd::worker
