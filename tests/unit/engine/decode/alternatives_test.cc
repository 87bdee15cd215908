// return_alternatives on toy models: the alternatives are the most probable first tokens after
// the prefix (the end token banned there), best first, cut by min_alternative_expansion_prob,
// each continued by its own search; scores add the alternative's log-prob to its continuation's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/decode/decoding.h"
#include "unit/engine/decode/toy_model.h"

namespace nmtd::testing {
namespace {

const DecodeVocab kVocab{2, 3};
constexpr int64_t kV = 12;

DecodingOptions alternatives(int n, int beam = 1) {
  DecodingOptions o;
  o.beam_size = beam;
  o.num_hypotheses = n;
  o.return_alternatives = true;
  o.return_scores = true;
  o.max_decoding_length = 10;
  return o;
}

std::vector<DecodeResult> run(const DecodingOptions& o, const DecodeInput& input, uint64_t seed) {
  ToyModel model(kV, hashed_logits(seed, kV, kVocab.end_id), 1);
  return decode(model, std::span(&input, 1), kVocab, o)[0];
}

// The log-softmax of the toy model's logits after `fed`, with the end token banned.
std::vector<double> first_log_probs(uint64_t seed, const std::vector<int32_t>& fed) {
  std::vector<float> x(kV);
  hashed_logits(seed, kV, kVocab.end_id)(fed, x.data());
  x[kVocab.end_id] = std::numeric_limits<float>::lowest();
  double m = x[0], s = 0;
  for (float v : x) m = std::max(m, static_cast<double>(v));
  for (float v : x) s += std::exp(v - m);
  std::vector<double> out;
  for (float v : x) out.push_back(v - m - std::log(s));
  return out;
}

TEST(Alternatives, AreTheMostProbableFirstTokensEachContinuedGreedily) {
  const DecodeInput input{2, {7, 4}};
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto alts = run(alternatives(4), input, seed);
    ASSERT_EQ(alts.size(), 4u);
    const auto lp = first_log_probs(seed, {2, 7, 4});
    double previous = 0.0;
    std::vector<int32_t> firsts;
    for (const auto& a : alts) {
      ASSERT_GE(a.ids.size(), 3u);
      EXPECT_EQ(a.ids[0], 7);
      EXPECT_EQ(a.ids[1], 4);
      const int32_t first = a.ids[2];
      EXPECT_NE(first, kVocab.end_id);
      if (!firsts.empty()) {
        EXPECT_LE(lp[first], previous);
      }
      previous = lp[first];
      firsts.push_back(first);
      // The continuation is what greedy search gives after the alternative (tokens only: its
      // score is normalized over the continuation alone, as in CTranslate2).
      DecodingOptions greedy;
      greedy.beam_size = 1;
      greedy.max_decoding_length = 10;
      const auto forced = run(greedy, {2, {7, 4, first}}, seed);
      EXPECT_EQ(a.ids, forced[0].ids) << "seed " << seed;
    }
    // No better token was left out.
    for (int32_t t = 0; t < kV; ++t) {
      if (std::find(firsts.begin(), firsts.end(), t) == firsts.end() && t != kVocab.end_id) {
        EXPECT_LE(lp[t], lp[firsts.back()]);
      }
    }
  }
}

TEST(Alternatives, MinExpansionProbabilityCutsTheRareOnes) {
  const DecodeInput input{2, {7}};
  const auto lp = first_log_probs(5, {2, 7});
  auto o = alternatives(6);
  const auto all = run(o, input, 5);
  ASSERT_EQ(all.size(), 6u);
  // A threshold between the 2nd and 3rd alternatives' probabilities keeps two.
  const double p2 = std::exp(lp[all[1].ids[1]]), p3 = std::exp(lp[all[2].ids[1]]);
  ASSERT_GT(p2, p3);
  o.min_alternative_expansion_prob = static_cast<float>((p2 + p3) / 2);
  const auto kept = run(o, input, 5);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].ids, all[0].ids);
  EXPECT_EQ(kept[1].ids, all[1].ids);
  o.min_alternative_expansion_prob = 1.0f;
  EXPECT_TRUE(run(o, input, 5).empty());
}

TEST(Alternatives, ScoreAddsTheFirstTokenToItsContinuation) {
  const DecodeInput input{2, {7}};
  auto o = alternatives(3);
  o.length_penalty = 0.0f;  // scores are then plain sums of log-probs
  const auto alts = run(o, input, 9);
  const auto lp = first_log_probs(9, {2, 7});
  for (const auto& a : alts) {
    // The sum of the continuation's greedy log-probs, from a scored greedy run.
    DecodingOptions greedy;
    greedy.beam_size = 1;
    greedy.return_scores = true;
    greedy.length_penalty = 0.0f;
    greedy.max_decoding_length = 10;
    const auto forced = run(greedy, {2, {7, a.ids[1]}}, 9);
    EXPECT_NEAR(a.score, lp[a.ids[1]] + forced[0].score, 1e-4);
  }
}

TEST(Alternatives, ContinueWithBeamSearchAndStopAtTheMaximumLength) {
  const DecodeInput input{2, {7}};
  auto o = alternatives(3, 2);
  const auto alts = run(o, input, 4);
  ASSERT_EQ(alts.size(), 3u);
  for (const auto& a : alts) EXPECT_LE(a.ids.size(), 10u);
  // A prefix that fills the maximum length: every hypothesis is the prefix, scored 0.
  o.max_decoding_length = 1;
  const auto full = run(o, input, 4);
  ASSERT_EQ(full.size(), 3u);
  for (const auto& a : full) EXPECT_THAT(a.ids, ::testing::ElementsAre(7));
  // One position left: the alternatives alone.
  o.max_decoding_length = 2;
  const auto one = run(o, input, 4);
  ASSERT_EQ(one.size(), 3u);
  for (const auto& a : one) EXPECT_EQ(a.ids.size(), 2u);
}

TEST(Alternatives, MayReturnMoreHypothesesThanTheBeam) {
  auto o = alternatives(5);
  EXPECT_NO_THROW(o.validate());
  EXPECT_EQ(rows_per_input(o), 5);
  o.beam_size = 3;
  EXPECT_EQ(rows_per_input(o), 15);
}

}  // namespace
}  // namespace nmtd::testing
