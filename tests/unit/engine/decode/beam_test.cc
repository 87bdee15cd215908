// Beam search: exhaustive checks on a tiny vocabulary, and the batch mechanics (first-step
// replication, dropping finished examples, early exit, patience, prefixes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "engine/decode/decoding.h"
#include "unit/engine/decode/toy_model.h"

namespace nmtd::testing {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const DecodeVocab kVocab{2, 3};

DecodingOptions beam(int k) {
  DecodingOptions o;
  o.beam_size = k;
  o.return_scores = true;
  o.min_decoding_length = 0;
  return o;
}

struct Scored {
  std::vector<int32_t> ids;
  double score;
};

// Every sequence the search can return with max_decoding_length `max_len` (ending with the
// end token, or cut at max_len), scored exactly, best first.
std::vector<Scored> enumerate_all(const LogitsFn& fn, int64_t vocab, int32_t start, int max_len,
                                  double length_penalty) {
  std::vector<Scored> all;
  std::vector<int32_t> fed{start};
  std::vector<float> x(static_cast<std::size_t>(vocab));
  std::function<void(double)> walk = [&](double sum) {
    fn(fed, x.data());
    double m = x[0], s = 0;
    for (float v : x) m = std::max(m, static_cast<double>(v));
    for (float v : x) s += std::exp(v - m);
    const std::vector<float> row = x;  // x is reused by the recursion
    for (int32_t v = 0; v < vocab; ++v) {
      const double total = sum + row[v] - m - std::log(s);
      const auto length = fed.size();  // tokens so far + this one
      if (v == kVocab.end_id || static_cast<int>(length) == max_len) {
        Scored h{{fed.begin() + 1, fed.end()}, total / std::pow(length, length_penalty)};
        if (v != kVocab.end_id) h.ids.push_back(v);
        all.push_back(std::move(h));
      } else {
        fed.push_back(v);
        walk(total);
        fed.pop_back();
      }
    }
  };
  walk(0.0);
  std::stable_sort(all.begin(), all.end(),
                   [](const Scored& a, const Scored& b) { return a.score > b.score; });
  return all;
}

TEST(Beam, WideBeamFindsTheBestSequencesOfAnExhaustiveSearch) {
  // V = 4, max 4 tokens: at most 27 sequences stay open, so a beam of 64 never prunes one
  // that could end in the top 5, and patience 8 keeps the search to the last step.
  for (const float lp : {1.0f, 0.6f, 2.0f}) {
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      const auto fn = hashed_logits(seed, 4, kVocab.end_id, 0.3f);
      auto o = beam(64);
      o.patience = 8.0f;
      o.length_penalty = lp;
      o.max_decoding_length = 4;
      o.num_hypotheses = 5;
      DecodeInput in;
      ToyModel model(4, fn, 1);
      const auto got = decode(model, std::span(&in, 1), kVocab, o)[0];
      const auto want = enumerate_all(fn, 4, in.start_id, 4, lp);
      ASSERT_THAT(got, SizeIs(5));
      for (int h = 0; h < 5; ++h) {
        EXPECT_EQ(got[h].ids, want[h].ids) << "lp " << lp << " seed " << seed << " #" << h;
        EXPECT_NEAR(got[h].score, want[h].score, 1e-5) << "lp " << lp << " seed " << seed;
      }
    }
  }
}

TEST(Beam, FirstStepRunsOneRowPerExampleThenReplicates) {
  const auto fn = hashed_logits(3, 50, kVocab.end_id);
  std::vector<DecodeInput> inputs(3);
  ToyModel model(50, fn, inputs.size());
  auto o = beam(4);
  o.max_decoding_length = 6;
  decode(model, inputs, kVocab, o);
  ASSERT_GE(model.rows_per_step.size(), 2u);
  EXPECT_EQ(model.rows_per_step[0], 3u);
  ASSERT_FALSE(model.selections.empty());
  // After step 0 every beam of example i continues example i's single row.
  EXPECT_THAT(model.selections[0], ElementsAre(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2));
}

TEST(Beam, SmallVocabularyReplicatesBeforeTheFirstStep) {
  // 2K = 8 > V = 6: CT2 expands first and starts the other beams at the lowest score.
  const auto fn = hashed_logits(5, 6, kVocab.end_id);
  std::vector<DecodeInput> inputs(2);
  ToyModel model(6, fn, inputs.size());
  auto o = beam(4);
  o.max_decoding_length = 3;
  decode(model, inputs, kVocab, o);
  ASSERT_FALSE(model.selections.empty());
  EXPECT_THAT(model.selections[0], ElementsAre(0, 0, 0, 0, 1, 1, 1, 1));
  EXPECT_EQ(model.rows_per_step[0], 8u);
}

// Example with start token s ends (its top beam picks the end token) once it has been fed
// s - 9 tokens; everything else is flat.
LogitsFn ends_by_start_token() {
  return [](std::span<const int32_t> fed, float* out) {
    for (int v = 0; v < 20; ++v) out[v] = 0.1f * static_cast<float>(v % 7);
    if (fed.size() >= static_cast<std::size_t>(fed[0] - 9)) out[kVocab.end_id] = 12.0f;
  };
}

TEST(Beam, FinishedExamplesLeaveTheBatch) {
  std::vector<DecodeInput> inputs(3);
  inputs[0].start_id = 12;  // ends at step 2
  inputs[1].start_id = 10;  // ends at step 0
  inputs[2].start_id = 13;  // ends at step 3
  auto o = beam(2);
  o.length_penalty = 0.0f;  // finish as soon as the top beam ends
  ToyModel model(20, ends_by_start_token(), inputs.size());
  const auto r = decode(model, inputs, kVocab, o);
  EXPECT_THAT(r[0][0].ids, SizeIs(2));
  EXPECT_THAT(r[1][0].ids, IsEmpty());
  EXPECT_THAT(r[2][0].ids, SizeIs(3));
  EXPECT_THAT(model.rows_per_step, ElementsAre(3, 4, 4, 2));
  ASSERT_THAT(model.selections, SizeIs(3));
  // Step 0: example 1 is done; examples 0 and 2 continue from their single rows 0 and 2.
  EXPECT_THAT(model.selections[0], ElementsAre(0, 0, 2, 2));
  // Step 2: example 0 (rows 0-1) is done; example 2's beams come from rows 2-3.
  EXPECT_THAT(model.selections[2], SizeIs(2));
  EXPECT_THAT(model.selections[2], Each(::testing::AnyOf(2, 3)));
}

TEST(Beam, LengthPenaltyZeroExitsWhenTheTopBeamEnds) {
  // Token 6 is the best first token, and only a beam that just produced 6 wants to end.
  const LogitsFn fn = [](std::span<const int32_t> fed, float* out) {
    for (int v = 0; v < 20; ++v) out[v] = 0.1f * static_cast<float>(v % 7);
    if (fed.size() >= 2 && fed.back() == 6) out[kVocab.end_id] = 12.0f;
  };
  DecodeInput in;
  auto o = beam(3);
  o.max_decoding_length = 10;
  o.length_penalty = 0.0f;
  ToyModel early(20, fn, 1);
  const auto r = decode(early, std::span(&in, 1), kVocab, o)[0];
  EXPECT_THAT(r[0].ids, ElementsAre(6));
  EXPECT_EQ(early.rows_per_step.size(), 2u);

  // With a length penalty the search goes on until K hypotheses ended.
  o.length_penalty = 1.0f;
  ToyModel late(20, fn, 1);
  decode(late, std::span(&in, 1), kVocab, o);
  EXPECT_GT(late.rows_per_step.size(), 2u);
}

TEST(Beam, HypothesesComeBestFirstAndPatienceAllowsMore) {
  const auto fn = hashed_logits(11, 30, kVocab.end_id);
  DecodeInput in;
  in.prefix = {7};
  auto o = beam(2);
  o.patience = 2.0f;
  o.num_hypotheses = 4;  // round(2 * 2)
  o.max_decoding_length = 12;
  ToyModel model(30, fn, 1);
  const auto r = decode(model, std::span(&in, 1), kVocab, o)[0];
  ASSERT_THAT(r, SizeIs(4));
  for (std::size_t h = 0; h < r.size(); ++h) {
    EXPECT_EQ(r[h].ids.front(), 7);
    if (h > 0) {
      EXPECT_GE(r[h - 1].score, r[h].score);
    }
    for (std::size_t g = 0; g < h; ++g) EXPECT_NE(r[g].ids, r[h].ids);
  }
}

// At step 0 the end token is the second best candidate.
LogitsFn end_second_at_first_free_step(std::size_t free_step) {
  return [free_step](std::span<const int32_t> fed, float* out) {
    std::fill(out, out + 10, 0.0f);
    if (fed.size() == free_step + 1) {
      out[5] = 3.0f;
      out[kVocab.end_id] = 2.5f;
    } else {
      out[kVocab.end_id] = fed.size() > free_step + 2 ? 9.0f : -9.0f;
    }
  };
}

TEST(Beam, SecondaryEndTokenIsPenalizedAtTheFirstFreeStepOnlyWithAPrefix) {
  auto o = beam(2);
  o.patience = 2.0f;
  o.num_hypotheses = 3;
  // No prefix anywhere in the batch: the end token, second candidate, ends a hypothesis
  // of length 1 (empty once the end token is removed).
  {
    o.max_decoding_length = 3;
    DecodeInput in;
    ToyModel model(10, end_second_at_first_free_step(0), 1);
    const auto r = decode(model, std::span(&in, 1), kVocab, o)[0];
    EXPECT_TRUE(std::any_of(r.begin(), r.end(), [](const auto& h) { return h.ids.empty(); }));
  }
  // With a prefix, CT2 replaces that candidate by token 0 at -1e10: no hypothesis stops
  // right after the prefix.
  {
    o.max_decoding_length = 4;
    DecodeInput in;
    in.prefix = {7};
    ToyModel model(10, end_second_at_first_free_step(1), 1);
    const auto r = decode(model, std::span(&in, 1), kVocab, o)[0];
    for (const auto& h : r) {
      EXPECT_GT(h.ids.size(), 1u);
      EXPECT_EQ(h.ids.front(), 7);
    }
  }
}

TEST(Beam, PrefixLongerThanMaxLengthIsCut) {
  const auto fn = hashed_logits(2, 30, kVocab.end_id);
  DecodeInput in;
  in.prefix = {7, 8, 9};
  auto o = beam(3);
  o.max_decoding_length = 2;
  ToyModel model(30, fn, 1);
  const auto r = decode(model, std::span(&in, 1), kVocab, o)[0];
  ASSERT_THAT(r, SizeIs(1));
  EXPECT_THAT(r[0].ids, ElementsAre(7, 8));
  EXPECT_EQ(r[0].score, 0.0f);
}

TEST(Beam, MinLengthKeepsHypothesesFromEndingEarly) {
  const auto fn = hashed_logits(4, 30, kVocab.end_id, 3.0f);  // the end token comes fast
  DecodeInput in;
  in.prefix = {7};
  auto o = beam(4);
  o.num_hypotheses = 4;
  o.max_decoding_length = 12;
  o.min_decoding_length = 6;
  ToyModel model(30, fn, 1);
  const auto r = decode(model, std::span(&in, 1), kVocab, o)[0];
  // Ended at step >= 6: at least 6 tokens before the end token.
  for (const auto& h : r) EXPECT_GE(h.ids.size(), 6u);
}

}  // namespace
}  // namespace nmtd::testing
