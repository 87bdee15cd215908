// Randomized comparison of decode() (batched, with row selection) against the plain
// one-input reference, over every option and both of CT2's first-step modes (one row per
// example when 2K <= V, K rows from the start otherwise).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

#include "engine/decode/decoding.h"
#include "unit/engine/decode/reference_search.h"
#include "unit/engine/decode/toy_model.h"

namespace nmtd::testing {
namespace {

std::string describe(const DecodingOptions& o, int64_t vocab) {
  std::ostringstream s;
  s << "V=" << vocab << " beam=" << o.beam_size << " patience=" << o.patience
    << " lp=" << o.length_penalty << " max=" << o.max_decoding_length
    << " min=" << o.min_decoding_length << " rep=" << o.repetition_penalty
    << " ngram=" << o.no_repeat_ngram_size << " n=" << o.num_hypotheses << " unk=" << o.disable_unk;
  return s.str();
}

void expect_same(const std::vector<DecodeResult>& got, const std::vector<DecodeResult>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t h = 0; h < got.size(); ++h) {
    EXPECT_EQ(got[h].ids, want[h].ids) << what << " hypothesis " << h;
    EXPECT_NEAR(got[h].score, want[h].score, 1e-5 * std::max(1.0f, std::fabs(want[h].score)))
        << what << " hypothesis " << h;
  }
}

class Randomized : public ::testing::TestWithParam<int> {};

TEST_P(Randomized, BatchMatchesReferenceAndSingleDecodes) {
  std::mt19937 rng(static_cast<unsigned>(GetParam()) * 7919u + 13u);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const DecodeVocab vocab{2, 3};
  const int64_t vocab_size = pick(0, 2) == 0 ? pick(4, 7) : pick(8, 60);

  DecodingOptions o;
  o.beam_size = pick(0, 3) == 0 ? 1 : pick(2, 6);
  o.patience = std::vector<float>{1.0f, 1.0f, 0.5f, 1.5f, 2.0f}[pick(0, 4)];
  o.length_penalty = std::vector<float>{1.0f, 0.0f, 0.6f, 2.0f}[pick(0, 3)];
  o.max_decoding_length = pick(1, 12);
  o.min_decoding_length = pick(0, 2) == 0 ? pick(0, o.max_decoding_length) : 0;
  o.repetition_penalty = pick(0, 2) == 0 ? std::vector<float>{1.3f, 0.8f, 2.0f}[pick(0, 2)] : 1.0f;
  o.no_repeat_ngram_size = pick(0, 2) == 0 ? pick(1, 3) : 0;
  o.disable_unk = pick(0, 1) == 1;
  o.return_scores = true;
  const int max_hyps = static_cast<int>(std::round(o.beam_size * o.patience));
  if (max_hyps < 1) o.patience = 1.0f;
  o.num_hypotheses = pick(1, std::max(1, static_cast<int>(std::round(o.beam_size * o.patience))));

  // Either every input has a prefix or none has one, so that each decodes alone the same.
  const bool prefixed = pick(0, 1) == 1;
  std::vector<DecodeInput> inputs(static_cast<std::size_t>(pick(1, 5)));
  for (auto& in : inputs) {
    in.start_id = 2;
    if (prefixed) {
      const int n = pick(1, 3);
      for (int i = 0; i < n; ++i) in.prefix.push_back(pick(0, static_cast<int>(vocab_size) - 1));
    }
  }
  const auto fn = hashed_logits(static_cast<uint64_t>(GetParam()), vocab_size, vocab.end_id);
  const std::string what = describe(o, vocab_size);

  ToyModel model(vocab_size, fn, inputs.size());
  const auto batch = decode(model, inputs, vocab, o);
  ASSERT_EQ(batch.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto want = reference_decode(fn, vocab_size, inputs[i], vocab, o, prefixed);
    expect_same(batch[i], want, what + " input " + std::to_string(i));
    ToyModel alone(vocab_size, fn, 1);
    const auto single = decode(alone, std::span(&inputs[i], 1), vocab, o);
    expect_same(single[0], batch[i], what + " alone " + std::to_string(i));
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, Randomized, ::testing::Range(0, 400));

}  // namespace
}  // namespace nmtd::testing
