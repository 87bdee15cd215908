// Sampling by statistics: the empirical frequencies of many draws against the softmax they
// should follow (after top-k, temperature and top-p), the support those restrict, and the
// same seed giving the same draws. Every draw comes from fixed seeds, so the tests cannot flake;
// the bounds are 5 standard deviations of a binomial frequency.
#include "engine/decode/sampling.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/decode/decoding.h"
#include "unit/engine/decode/toy_model.h"

namespace nmtd::testing {
namespace {

using decoding::TokenSampler;

const std::vector<float> kLogits{2.0f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f, 1.5f, -0.5f};
const DecodeVocab kVocab{2, 3};

// softmax(x / t) over the tokens in `keep` (all when empty), 0 elsewhere.
std::vector<double> softmax(const std::vector<float>& x, double t, std::vector<int> keep = {}) {
  if (keep.empty())
    for (int i = 0; i < static_cast<int>(x.size()); ++i) keep.push_back(i);
  std::vector<double> p(x.size(), 0.0);
  double total = 0;
  for (int i : keep) total += p[i] = std::exp(x[i] / t);
  for (double& v : p) v /= total;
  return p;
}

DecodingOptions sampling(int topk, float topp, float temperature, uint64_t seed = 1) {
  DecodingOptions o;
  o.beam_size = 1;
  o.sampling_topk = topk;
  o.sampling_topp = topp;
  o.sampling_temperature = temperature;
  o.sampling_seed = seed;
  return o;
}

// Draws n tokens from kLogits and checks each token's frequency against `want`.
void expect_frequencies(const DecodingOptions& o, const std::vector<double>& want, int n = 40000) {
  TokenSampler sampler(o, 0);
  std::vector<int> counts(kLogits.size(), 0);
  for (int i = 0; i < n; ++i) ++counts[sampler.sample(kLogits.data(), 8)];
  for (std::size_t t = 0; t < want.size(); ++t) {
    const double freq = static_cast<double>(counts[t]) / n;
    if (want[t] == 0.0) {
      EXPECT_EQ(counts[t], 0) << "token " << t << " is outside the support";
      continue;
    }
    const double sd = std::sqrt(want[t] * (1 - want[t]) / n);
    EXPECT_NEAR(freq, want[t], 5 * sd) << "token " << t;
  }
}

TEST(Sampling, WholeVocabularyFollowsTheSoftmax) {
  expect_frequencies(sampling(0, 1.0f, 1.0f), softmax(kLogits, 1.0));
}

TEST(Sampling, TopKKeepsTheKMostProbable) {
  // Tokens 0 (2.0), 6 (1.5) and 1 (1.0).
  expect_frequencies(sampling(3, 1.0f, 1.0f), softmax(kLogits, 1.0, {0, 6, 1}));
}

TEST(Sampling, TemperatureSharpensOrFlattens) {
  expect_frequencies(sampling(0, 1.0f, 0.5f), softmax(kLogits, 0.5));
  expect_frequencies(sampling(0, 1.0f, 2.0f), softmax(kLogits, 2.0));
}

TEST(Sampling, TopPKeepsTheSmallestSetReachingTheMass) {
  // Sorted probabilities: 0 (.371), 6 (.225), 1 (.137), 2 (.083), ... A token stays while the
  // mass before it is < p: with p = 0.7, tokens 0, 6 and 1 (0.596 before token 1).
  const auto p = softmax(kLogits, 1.0);
  ASSERT_LT(p[0] + p[6], 0.7);
  ASSERT_GT(p[0] + p[6] + p[1], 0.7);
  expect_frequencies(sampling(0, 0.7f, 1.0f), softmax(kLogits, 1.0, {0, 6, 1}));
  // p applies after top-k and the temperature.
  const auto cold = softmax(kLogits, 0.25);
  ASSERT_GT(cold[0], 0.8);
  expect_frequencies(sampling(4, 0.8f, 0.25f), softmax(kLogits, 0.25, {0}));
}

TEST(Sampling, BannedTokensAreNeverDrawn) {
  std::vector<float> x = kLogits;
  x[0] = std::numeric_limits<float>::lowest();
  TokenSampler sampler(sampling(0, 1.0f, 0.5f), 0);
  for (int i = 0; i < 20000; ++i) ASSERT_NE(sampler.sample(x.data(), 8), 0);
}

TEST(Sampling, TheSameSeedGivesTheSameDraws) {
  const auto draws = [](uint64_t seed, uint64_t stream) {
    TokenSampler sampler(sampling(0, 1.0f, 1.0f, seed), stream);
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) out.push_back(sampler.sample(kLogits.data(), 8));
    return out;
  };
  EXPECT_EQ(draws(7, 0), draws(7, 0));
  EXPECT_NE(draws(7, 0), draws(8, 0));
  EXPECT_NE(draws(7, 0), draws(7, 1));
}

TEST(Sampling, TopKLargerThanTheVocabularyIsRefused) {
  TokenSampler sampler(sampling(9, 1.0f, 1.0f), 0);
  EXPECT_THROW(sampler.sample(kLogits.data(), 8), InvalidArgument);
}

// Through decode(): the first free token of a toy model, drawn over many seeds, follows the
// softmax of that step's logits (the end token banned by min_decoding_length).
TEST(SampledDecoding, FirstTokensFollowTheModelsSoftmax) {
  constexpr int kRuns = 8000;
  std::vector<int> counts(kLogits.size(), 0);
  DecodeInput input{2, {}};
  for (int seed = 0; seed < kRuns; ++seed) {
    DecodingOptions o = sampling(0, 1.0f, 1.0f, static_cast<uint64_t>(seed));
    o.max_decoding_length = 1;
    ToyModel model(8, table_logits({kLogits}), 1);
    const auto result = decode(model, std::span(&input, 1), kVocab, o)[0];
    ASSERT_EQ(result.size(), 1u);
    ++counts[result[0].ids.empty() ? kVocab.end_id : result[0].ids[0]];
  }
  const auto want = softmax(kLogits, 1.0, {0, 1, 3, 4, 5, 6, 7});
  for (std::size_t t = 0; t < want.size(); ++t) {
    const double freq = static_cast<double>(counts[t]) / kRuns;
    const double sd = std::sqrt(want[t] * (1 - want[t]) / kRuns);
    EXPECT_NEAR(freq, want[t], 5 * sd + 1e-12) << "token " << t;
  }
}

// A sampled hypothesis's score is the log-prob of the tokens drawn, and num_hypotheses
// samples come back best first; the same seed repeats them.
TEST(SampledDecoding, HypothesesAreScoredSortedAndRepeatable) {
  DecodingOptions o = sampling(0, 1.0f, 1.0f, 11);
  o.num_hypotheses = 5;
  o.return_scores = true;
  o.max_decoding_length = 6;
  const auto run = [&] {
    ToyModel model(16, hashed_logits(3, 16, 2), 1);
    DecodeInput input{2, {}};
    return decode(model, std::span(&input, 1), kVocab, o)[0];
  };
  const auto first = run();
  ASSERT_EQ(first.size(), 5u);
  for (std::size_t h = 1; h < first.size(); ++h) EXPECT_GE(first[h - 1].score, first[h].score);
  const auto again = run();
  for (std::size_t h = 0; h < first.size(); ++h) {
    EXPECT_EQ(first[h].ids, again[h].ids);
    EXPECT_EQ(first[h].score, again[h].score);
  }
  // Five draws of a 16-token model over several steps: not all the same.
  bool differ = false;
  for (const auto& h : first) differ = differ || h.ids != first[0].ids;
  EXPECT_TRUE(differ);
}

// An input's draws depend on its seed only, not on what it is decoded with.
TEST(SampledDecoding, BatchMatesDoNotChangeTheDraws) {
  DecodingOptions o = sampling(0, 1.0f, 1.0f, 5);
  o.max_decoding_length = 8;
  const auto logits = hashed_logits(9, 16, 2);
  std::vector<DecodeInput> inputs{{2, {4}}, {2, {5}}, {2, {6}}};
  ToyModel together(16, logits, 3);
  const auto batch = decode(together, inputs, kVocab, o);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ToyModel alone(16, logits, 1);
    const auto solo = decode(alone, std::span(&inputs[i], 1), kVocab, o)[0];
    EXPECT_EQ(batch[i][0].ids, solo[0].ids) << "input " << i;
  }
}

std::string rejection(const std::function<void(DecodingOptions&)>& change) {
  DecodingOptions o;
  change(o);
  try {
    o.validate();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(SamplingOptions, BadValuesAreRefusedNamingTheField) {
  using ::testing::HasSubstr;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(rejection([](auto& o) { o.sampling_topp = 0.0f; }),
              HasSubstr("sampling_topp must be in (0, 1] (got 0)"));
  EXPECT_THAT(rejection([](auto& o) { o.sampling_topp = 1.5f; }), HasSubstr("sampling_topp"));
  EXPECT_THAT(rejection([&](auto& o) { o.sampling_topp = nan; }), HasSubstr("sampling_topp"));
  EXPECT_THAT(rejection([](auto& o) { o.sampling_temperature = 0.0f; }),
              HasSubstr("sampling_temperature must be a finite number > 0 (got 0)"));
  EXPECT_THAT(rejection([](auto& o) { o.sampling_temperature = -1.0f; }),
              HasSubstr("sampling_temperature"));
  EXPECT_THAT(rejection([](auto& o) { o.sampling_topk = -1; }), HasSubstr("sampling_topk"));
  EXPECT_THAT(rejection([](auto& o) {
                o.sampling_topk = 10;
                o.beam_size = 4;
              }),
              HasSubstr("beam_size must be 1 when sampling"));
  EXPECT_THAT(rejection([](auto& o) {
                o.return_alternatives = true;
                o.min_alternative_expansion_prob = 1.5f;
              }),
              HasSubstr("min_alternative_expansion_prob must be in [0, 1]"));
  EXPECT_THAT(rejection([](auto& o) {
                o.return_alternatives = true;
                o.beam_size = 16;
                o.num_hypotheses = 16;
              }),
              HasSubstr("num_hypotheses * beam_size must be at most 128"));
  // Greedy sampling may return more hypotheses than its one beam, as in CTranslate2.
  EXPECT_EQ(rejection([](auto& o) {
              o.beam_size = 1;
              o.sampling_topk = 0;
              o.num_hypotheses = 4;
            }),
            "");
  EXPECT_THAT(rejection([](auto& o) {
                o.beam_size = 1;
                o.num_hypotheses = 4;
              }),
              HasSubstr("num_hypotheses"));
}

}  // namespace
}  // namespace nmtd::testing
