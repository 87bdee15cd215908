// Greedy search (beam_size 1) against results worked out by hand from small logit tables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/decode/decoding.h"
#include "unit/engine/decode/toy_model.h"

namespace nmtd::testing {
namespace {

using ::testing::ElementsAre;

constexpr float kLowest = std::numeric_limits<float>::lowest();
const DecodeVocab kVocab{2, 3};

// log_softmax(x)[i], computed in double as a hand calculation would.
double log_prob(const std::vector<float>& x, int i) {
  double m = x[0];
  for (float v : x) m = std::max(m, static_cast<double>(v));
  double s = 0;
  for (float v : x) s += std::exp(v - m);
  return x[i] - m - std::log(s);
}

DecodingOptions greedy() {
  DecodingOptions o;
  o.beam_size = 1;
  o.return_scores = true;
  o.min_decoding_length = 0;  // as in the CT2 fixtures; the default 1 is tested on its own
  return o;
}

std::vector<DecodeResult> run(const std::vector<std::vector<float>>& table, DecodeInput input,
                              const DecodingOptions& o) {
  ToyModel model(static_cast<int64_t>(table[0].size()), table_logits(table), 1);
  return decode(model, std::span(&input, 1), kVocab, o)[0];
}

TEST(Greedy, ScoreIsMeanLogProbIncludingEnd) {
  const std::vector<std::vector<float>> t = {{0, 1, 0, 0, 2}, {3, 0, 0, 0, 0}, {0, 0, 5, 0, 0}};
  const auto r = run(t, {}, greedy());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_THAT(r[0].ids, ElementsAre(4, 0));
  const double sum = log_prob(t[0], 4) + log_prob(t[1], 0) + log_prob(t[2], 2);
  EXPECT_NEAR(r[0].score, sum / 3, 1e-6);
}

TEST(Greedy, LengthPenaltyDividesByLengthPower) {
  const std::vector<std::vector<float>> t = {{0, 1, 0, 0, 2}, {0, 0, 5, 0, 0}};
  auto o = greedy();
  o.length_penalty = 0.6f;
  const auto r = run(t, {}, o);
  EXPECT_THAT(r[0].ids, ElementsAre(4));
  EXPECT_NEAR(r[0].score, (log_prob(t[0], 4) + log_prob(t[1], 2)) / std::pow(2.0, 0.6), 1e-6);
}

TEST(Greedy, PrefixIsForcedWithZeroScore) {
  // Step 0 would pick the end token; the prefix overrides it and adds nothing to the score.
  const std::vector<std::vector<float>> t = {
      {0, 0, 9, 0, 0, 0}, {0, 4, 0, 0, 0, 0}, {0, 0, 6, 0, 0, 0}};
  DecodeInput in;
  in.prefix = {5};
  const auto r = run(t, in, greedy());
  EXPECT_THAT(r[0].ids, ElementsAre(5, 1));
  EXPECT_NEAR(r[0].score, (log_prob(t[1], 1) + log_prob(t[2], 2)) / 3, 1e-6);
}

TEST(Greedy, EndTokenInsidePrefixDoesNotFinish) {
  const std::vector<std::vector<float>> t = {
      {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 7}, {0, 0, 7, 0, 0, 0}};
  DecodeInput in;
  in.prefix = {5, 2};
  const auto r = run(t, in, greedy());
  EXPECT_THAT(r[0].ids, ElementsAre(5, 2, 5));
}

TEST(Greedy, MaxLengthCountsPrefixAndEnd) {
  // The end token is never the best: decoding stops at max_decoding_length tokens, prefix
  // included, and the score is divided by that many steps.
  const std::vector<std::vector<float>> t = {{0, 1, -5, 0, 0, 0}};
  DecodeInput in;
  in.prefix = {5};
  auto o = greedy();
  o.max_decoding_length = 5;
  const auto r = run(t, in, o);
  EXPECT_THAT(r[0].ids, ElementsAre(5, 1, 1, 1, 1));
  EXPECT_NEAR(r[0].score, 4 * log_prob(t[0], 1) / 5, 1e-6);

  // Ending exactly at the limit: 4 tokens + the end token make 5 steps.
  const std::vector<std::vector<float>> t2 = {{0, 1, -5, 0, 0, 0},
                                              {0, 1, -5, 0, 0, 0},
                                              {0, 1, -5, 0, 0, 0},
                                              {0, 1, -5, 0, 0, 0},
                                              {0, 0, 8, 0, 0, 0}};
  const auto r2 = run(t2, in, o);
  EXPECT_THAT(r2[0].ids, ElementsAre(5, 1, 1, 1));
  EXPECT_NEAR(r2[0].score, (3 * log_prob(t2[1], 1) + log_prob(t2[4], 2)) / 5, 1e-6);
}

TEST(Greedy, MaxLengthShorterThanPrefixCutsIt) {
  const std::vector<std::vector<float>> t = {{0, 0, 0, 0, 0, 0}};
  DecodeInput in;
  in.prefix = {5, 4, 1};
  auto o = greedy();
  o.max_decoding_length = 2;
  const auto r = run(t, in, o);
  EXPECT_THAT(r[0].ids, ElementsAre(5, 4));
  EXPECT_EQ(r[0].score, 0.0f);
}

TEST(Greedy, MinLengthDisablesEndBeforeLogSoftmax) {
  const std::vector<std::vector<float>> t = {
      {0, 0, 0, 0, 0, 5}, {0, 1, 6, 0, 0, 0}, {0, 1, 6, 0, 0, 0}, {0, 1, 6, 0, 0, 0}};
  auto o = greedy();
  o.min_decoding_length = 3;  // the end token is banned at steps 0, 1 and 2
  const auto r = run(t, {}, o);
  EXPECT_THAT(r[0].ids, ElementsAre(5, 1, 1));
  // Banned, the end token leaves the normalization: its mass is not in the log-softmax.
  std::vector<float> banned0 = t[0];
  banned0[2] = kLowest;
  std::vector<float> banned = t[1];
  banned[2] = kLowest;
  EXPECT_NEAR(r[0].score, (log_prob(banned0, 5) + 2 * log_prob(banned, 1) + log_prob(t[3], 2)) / 4,
              1e-6);
}

TEST(Greedy, RepetitionPenaltyOnPreviousTokensOnly) {
  // Token 4 was produced (prefix), so its logit 3 becomes 3/2 = 1.5 < 2 (token 1). The start
  // token (2) is not penalized: its logit stays 1.8. Negative logits are multiplied.
  const std::vector<std::vector<float>> t = {
      {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0}, {0, 2, 1.8f, 0, 3, -1}, {0, 0, 9, 0, 0, 0}};
  DecodeInput in;
  in.prefix = {4, 5};
  auto o = greedy();
  o.repetition_penalty = 2.0f;
  const auto r = run(t, in, o);
  EXPECT_THAT(r[0].ids, ElementsAre(4, 5, 1));
  const std::vector<float> step2 = {0, 2, 1.8f, 0, 1.5f, -2};
  EXPECT_NEAR(r[0].score, (log_prob(step2, 1) + log_prob(t[3], 2)) / 4, 1e-6);
}

TEST(Greedy, RepetitionPenaltyAppliesOncePerStep) {
  // Token 4 appears twice in the prefix: 3 -> 1.5 (once), which still beats token 1 (1.2).
  const std::vector<std::vector<float>> t = {
      {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 1.2f, 0, 0, 3}, {0, 0, 9, 0, 0}};
  DecodeInput in;
  in.prefix = {4, 4};
  auto o = greedy();
  o.repetition_penalty = 2.0f;
  EXPECT_THAT(run(t, in, o)[0].ids, ElementsAre(4, 4, 4));
}

TEST(Greedy, NoRepeatNgramBansTheRepeatingToken) {
  // The table wants 4 5 4 5 4 ...; with bigrams banned, after "4 5 4" the bigram "4 5"
  // would repeat, so the second best (1) comes instead.
  const std::vector<std::vector<float>> t = {{0, 1, -9, 0, 5, 0},
                                             {0, 1, -9, 0, 0, 5},
                                             {0, 1, -9, 0, 5, 0},
                                             {0, 1, -9, 0, 0, 5},
                                             {0, 0, 9, 0, 0, 0}};
  auto o = greedy();
  o.no_repeat_ngram_size = 2;
  EXPECT_THAT(run(t, {}, o)[0].ids, ElementsAre(4, 5, 4, 1));
  o.no_repeat_ngram_size = 0;
  EXPECT_THAT(run(t, {}, o)[0].ids, ElementsAre(4, 5, 4, 5));
  // Unigrams: nothing seen may come again.
  o.no_repeat_ngram_size = 1;
  EXPECT_THAT(run(t, {}, o)[0].ids, ElementsAre(4, 5, 1, 0));
}

TEST(Greedy, DisableUnkTakesUnkOutOfTheDistribution) {
  const std::vector<std::vector<float>> t = {{0, 1, 0, 7, 0}, {0, 0, 9, 0, 0}};
  auto o = greedy();
  EXPECT_THAT(run(t, {}, o)[0].ids, ElementsAre(3));
  o.disable_unk = true;
  const auto r = run(t, {}, o);
  EXPECT_THAT(r[0].ids, ElementsAre(1));
  EXPECT_NEAR(r[0].score,
              (log_prob({0, 1, 0, kLowest, 0}, 1) + log_prob({0, 0, 9, kLowest, 0}, 2)) / 2, 1e-6);
}

TEST(Greedy, DefaultMinLengthBansEndAtStepZero) {
  const std::vector<std::vector<float>> t = {{0, 1, 3, 0, 0}, {0, 0, 9, 0, 0}};
  DecodingOptions o;
  o.beam_size = 1;
  const auto r = run(t, {}, o);
  EXPECT_THAT(r[0].ids, ElementsAre(1));
  EXPECT_NEAR(r[0].score, (log_prob({0, 1, kLowest, 0, 0}, 1) + log_prob(t[1], 2)) / 2, 1e-6);
}

TEST(Greedy, TiesGoToTheLowerId) {
  const std::vector<std::vector<float>> t = {{0, 0, 0, 0, 3, 3}, {0, 0, 9, 0, 0, 0}};
  EXPECT_THAT(run(t, {}, greedy())[0].ids, ElementsAre(4));
}

TEST(Greedy, NumHypothesesRepeatsTheOnlyHypothesis) {
  const std::vector<std::vector<float>> t = {{0, 1, 0, 0, 2}, {0, 0, 9, 0, 0}};
  auto o = greedy();
  o.patience = 2.0f;
  o.num_hypotheses = 2;
  const auto r = run(t, {}, o);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].ids, r[1].ids);
  EXPECT_EQ(r[0].score, r[1].score);
}

TEST(Greedy, FinishedRowsLeaveTheBatch) {
  // Input i (start token 10 + i) ends after i + 1 tokens.
  const LogitsFn fn = [](std::span<const int32_t> fed, float* out) {
    std::fill(out, out + 16, 0.0f);
    const auto steps_wanted = static_cast<std::size_t>(fed[0] - 10 + 1);
    out[fed.size() > steps_wanted ? 2 : 5] = 4.0f;
  };
  std::vector<DecodeInput> inputs(3);
  for (int i = 0; i < 3; ++i) inputs[i].start_id = 10 + 2 - i;  // ends after 3, 2, 1 tokens
  ToyModel model(16, fn, 3);
  const auto r = decode(model, inputs, kVocab, greedy());
  EXPECT_THAT(r[0][0].ids, ElementsAre(5, 5, 5));
  EXPECT_THAT(r[1][0].ids, ElementsAre(5, 5));
  EXPECT_THAT(r[2][0].ids, ElementsAre(5));
  EXPECT_THAT(model.rows_per_step, ElementsAre(3, 3, 2, 1));
  ASSERT_EQ(model.selections.size(), 2u);
  EXPECT_THAT(model.selections[0], ElementsAre(0, 1));  // input 2 ended at step 1
  EXPECT_THAT(model.selections[1], ElementsAre(0));     // then input 1 at step 2
}

}  // namespace
}  // namespace nmtd::testing
