// DecoderState's preallocated cache: rows that follow, replicate and drop beams see exactly
// the history they would have decoded alone, and the bounds it was sized for are enforced.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/thread_pool.h"
#include "engine/model/model_file.h"
#include "engine/nn/decoder.h"
#include "engine/nn/encoder.h"
#include "engine/nn/nllb_weights.h"

namespace nmtd {
namespace {

class DecoderStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ModelFile file =
        ModelFile::open(std::string(NMTD_TEST_DATA) + "/gen-s11/model-float32/model.bin");
    weights_ = NllbWeights::load(file, CpuCompute::kFloat32, 1e-5f, pool_);
    Encoder encoder(weights_, pool_);
    encoder.forward(ids_, lengths_, memory_);
  }

  // The logits of one row decoding `tokens` (the start token first) on its own.
  std::vector<float> alone(const std::vector<int32_t>& tokens) {
    DecoderState d(weights_, pool_, memory_, lengths_, 1, 16);
    std::vector<float> logits(weights_.vocab_size);
    for (std::size_t s = 0; s < tokens.size(); ++s)
      d.step(std::span<const int32_t>(&tokens[s], 1), static_cast<int>(s), logits.data());
    return logits;
  }

  ThreadPool pool_{2};
  NllbWeights weights_;
  std::vector<int32_t> ids_ = {101, 202, 303, 404, 2}, lengths_ = {5};
  std::vector<float> memory_;
};

TEST_F(DecoderStateTest, RowsKeepTheirHistoryAcrossSelections) {
  const int64_t v = weights_.vocab_size;
  DecoderState d(weights_, pool_, memory_, lengths_, 4, 16);
  std::vector<float> logits(4 * v);
  const std::vector<int32_t> start = {2};
  d.step(start, 0, logits.data());
  const std::vector<int32_t> three = {0, 0, 0};
  d.select_rows(three);
  const std::vector<int32_t> step1 = {5, 6, 7};
  d.step(step1, 1, logits.data());
  // Rows 0 and 2 both continue old row 2 (one takes its slot, one gets a copy); old row 1
  // is dropped and its slot reused.
  const std::vector<int32_t> follow = {2, 0, 2, 1};
  d.select_rows(follow);
  const std::vector<int32_t> step2 = {8, 8, 9, 10};
  d.step(step2, 2, logits.data());
  const std::vector<std::vector<int32_t>> paths = {{2, 7, 8}, {2, 5, 8}, {2, 7, 9}, {2, 6, 10}};
  for (std::size_t r = 0; r < paths.size(); ++r) {
    const auto want = alone(paths[r]);
    for (int64_t i = 0; i < v; ++i)
      ASSERT_NEAR(logits[r * v + i], want[i], 1e-5f * (1.0f + std::fabs(want[i])))
          << "row " << r << " logit " << i;
  }
}

TEST_F(DecoderStateTest, RefusesMoreRowsOrStepsThanItWasSizedFor) {
  EXPECT_THROW(DecoderState(weights_, pool_, memory_, lengths_, 0, 4), InvalidArgument);
  DecoderState d(weights_, pool_, memory_, lengths_, 2, 2);
  std::vector<float> logits(2 * weights_.vocab_size);
  const std::vector<int32_t> one = {2}, three = {0, 0, 0}, two = {0, 0};
  d.step(one, 0, logits.data());
  EXPECT_THROW(d.select_rows(three), Error);
  EXPECT_THROW(d.step(one, 2, logits.data()), Error);  // steps run in order
  d.step(one, 1, logits.data());
  EXPECT_THROW(d.step(one, 2, logits.data()), Error);  // sized for 2 steps
  d.select_rows(two);
  const std::vector<int32_t> bad = {5};
  EXPECT_THROW(d.select_rows(bad), Error);
}

}  // namespace
}  // namespace nmtd
