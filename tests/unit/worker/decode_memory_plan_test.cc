// The worker's decoder memory plan: the most texts of the default beam that fit the budget,
// batching limits shrunk to what the memory holds, one text at least, and 0 for memory
// allocated per session.
#include "worker/decode_memory_plan.h"

#include <gtest/gtest.h>

#include <string>

namespace nmtd::worker {
namespace {

const std::string kModel = std::string(NMTD_TEST_DATA) + "/gen-s11/model-int8";

TEST(DecodeMemoryPlan, FitsTheMostTextsOfTheDefaultBeamInTheBudget) {
  Translator t(kModel);
  WorkerConfig config;
  config.default_options.decoding.beam_size = 2;
  config.batching.max_batch_texts = 32;
  config.batching.max_batch_tokens = 4096;
  config.limits.max_text_tokens = 1024;
  // A budget of exactly five texts' memory, plus a little: five texts, ten rows.
  const auto five = DecoderMemoryShape{.rows = 10, .steps = 256, .memory_rows = 1024};
  config.batching.decode_memory_mib = static_cast<int>((t.decoder_memory_bytes(five) >> 20) + 1);
  const DecodeMemoryPlan plan = plan_decode_memory(t, config);
  ASSERT_TRUE(plan.lent);
  EXPECT_LE(plan.bytes, static_cast<std::size_t>(config.batching.decode_memory_mib) << 20);
  EXPECT_EQ(plan.shape.steps, std::min<int64_t>(256, t.info().max_target_positions));
  EXPECT_EQ(plan.shape.rows % 2, 0) << "rows are texts times the default beam";
  // One text more would not fit.
  auto bigger = plan.shape;
  bigger.rows += 2;
  bigger.memory_rows = std::max<int64_t>(1024, (bigger.rows / 2) * 128);
  EXPECT_GT(t.decoder_memory_bytes(bigger),
            static_cast<std::size_t>(config.batching.decode_memory_mib) << 20);
  EXPECT_EQ(plan.batching.max_batch_texts, plan.shape.rows / 2) << "texts of the default beam";
  EXPECT_EQ(plan.batching.max_batch_tokens, plan.shape.memory_rows);
  EXPECT_GE(plan.shape.memory_rows, config.limits.max_text_tokens) << "every text must fit";
  EXPECT_NE(plan.summary().find("held for the worker's life"), std::string::npos);
}

TEST(DecodeMemoryPlan, KeepsTheConfiguredLimitsWhenTheyFitAndOneTextWhenNothingDoes) {
  Translator t(kModel);
  WorkerConfig config;
  config.batching.max_batch_texts = 4;
  config.batching.max_batch_tokens = 2048;
  config.limits.max_text_tokens = 1024;
  config.batching.decode_memory_mib = 1 << 20;
  DecodeMemoryPlan plan = plan_decode_memory(t, config);
  ASSERT_TRUE(plan.lent);
  EXPECT_EQ(plan.batching.max_batch_texts, 4);
  // Four texts' share of max_batch_tokens is all of it.
  EXPECT_EQ(plan.batching.max_batch_tokens, 2048);

  // 1 MiB holds a few texts of this small model, or one text of a large one.
  config.batching.decode_memory_mib = 1;
  plan = plan_decode_memory(t, config);
  ASSERT_TRUE(plan.lent);
  EXPECT_TRUE(plan.bytes <= (1u << 20) ||
              plan.shape.rows == config.default_options.decoding.beam_size)
      << plan.summary();
  EXPECT_GE(plan.shape.memory_rows, 1024);

  config.batching.decode_memory_mib = 0;
  plan = plan_decode_memory(t, config);
  EXPECT_FALSE(plan.lent);
  EXPECT_EQ(plan.batching.max_batch_texts, 4);
  EXPECT_NE(plan.summary().find("per session"), std::string::npos);
}

}  // namespace
}  // namespace nmtd::worker
