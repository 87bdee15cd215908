// The row passes: the exp-sum against std::exp, the vector body against the scalar tail,
// and the top-k selection against a full stable sort.
#include "engine/decode/row_math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "engine/decode/top_k.h"

namespace nmtd::decoding {
namespace {

std::vector<float> random_row(std::size_t n, unsigned seed, float spread) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, spread);
  std::vector<float> x(n);
  for (auto& v : x) v = d(rng);
  return x;
}

TEST(RowMath, ExpSumIsAccurate) {
  for (const std::size_t n : {1u, 7u, 16u, 33u, 1000u, 4099u}) {
    auto x = random_row(n, static_cast<unsigned>(n), 6.0f);
    x[n / 2] = std::numeric_limits<float>::lowest();  // a disabled token counts as 0
    const float m = row_max(x.data(), static_cast<int64_t>(n));
    EXPECT_EQ(m, *std::max_element(x.begin(), x.end()));
    double want = 0;
    for (const float v : x) want += std::exp(static_cast<double>(v) - m);
    EXPECT_NEAR(row_exp_sum(x.data(), static_cast<int64_t>(n), m), want, want * 2e-6) << n;
  }
}

TEST(RowMath, VectorBodyAndScalarTailAgree) {
  // The same values summed through the vector body (a row of 32) and one by one (rows of
  // 1) give the same terms: compare per element.
  const auto x = random_row(32, 3, 20.0f);
  const float m = row_max(x.data(), 32);
  std::vector<float> shifted(32, -1000.0f);
  for (int i = 0; i < 32; ++i) {
    std::vector<float> only = shifted;
    only[i] = x[i];
    const float vec = row_exp_sum(only.data(), 32, m);
    const float scalar = row_exp_sum(&x[i], 1, m);
    EXPECT_EQ(vec, scalar) << i;
  }
}

TEST(RowMath, FirstIndexReachingFindsTheFirstTie) {
  std::vector<float> x(100, 0.0f);
  x[70] = 5.0f;
  x[90] = 5.0f;
  EXPECT_EQ(first_index_reaching(x.data(), 100, 0.0f, 5.0f), 70);
  EXPECT_EQ(first_index_reaching(x.data(), 100, 0.0f, 6.0f), 100);
  // 5 + c and 5.0000005 + c round to the same float for a large offset: a tie after rounding.
  x[40] = 5.0000005f;
  EXPECT_EQ(first_index_reaching(x.data(), 100, 0.0f, 5.0000005f), 40);
  EXPECT_EQ(first_index_reaching(x.data(), 100, -1000.0f, 5.0f + -1000.0f), 40);
}

TEST(TopK, MatchesAStableFullSort) {
  for (unsigned seed = 0; seed < 20; ++seed) {
    const int beams = 1 + static_cast<int>(seed % 4);
    const int64_t vocab = 50 + seed * 7;
    const int k = 2 * beams;
    // Coarse values so that ties happen.
    auto x = random_row(static_cast<std::size_t>(beams * vocab), seed, 2.0f);
    for (auto& v : x) v = std::round(v * 4) / 4;
    std::vector<float> offset(beams), score(beams);
    for (int b = 0; b < beams; ++b) {
      offset[b] = -1.5f * static_cast<float>(b);
      score[b] = -0.25f * static_cast<float>(b);
    }
    std::vector<Candidate> all;
    TopK top;
    top.reset(k);
    for (int b = 0; b < beams; ++b) {
      top.offer_row(x.data() + b * vocab, vocab, offset[b], score[b], true, b * vocab);
      for (int64_t v = 0; v < vocab; ++v) {
        all.push_back({(x[b * vocab + v] + offset[b]) + score[b], b * vocab + v});
      }
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    const auto& got = top.sorted();
    ASSERT_EQ(got.size(), static_cast<std::size_t>(k));
    for (int j = 0; j < k; ++j) {
      EXPECT_EQ(got[j].flat, all[j].flat) << "seed " << seed << " #" << j;
      EXPECT_EQ(got[j].score, all[j].score);
    }
  }
}

}  // namespace
}  // namespace nmtd::decoding
