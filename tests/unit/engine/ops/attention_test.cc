// The attention ops (decoder self-attention over its cache, cross-attention, the encoder's
// packed self-attention) on every SIMD path and thread count against a double-precision
// reference loop, and their shape checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.h"
#include "engine/cpu/dispatch.h"
#include "ops_test_util.h"

namespace nmtd::ops {
namespace {

using testing::IsaThreads;

// softmax(q·k_j * scale) · v_j for one head, in double: keys and values j at k + j * stride.
std::vector<double> reference_head(const float* q, const float* k, const float* v, int64_t stride,
                                   int64_t len, int64_t dh, float scale) {
  std::vector<double> s(static_cast<std::size_t>(len));
  for (int64_t j = 0; j < len; ++j) {
    double dot = 0.0;
    for (int64_t c = 0; c < dh; ++c) dot += static_cast<double>(q[c]) * k[j * stride + c];
    s[j] = dot * scale;
  }
  const double mx = *std::max_element(s.begin(), s.end());
  double sum = 0.0;
  for (double& x : s) sum += (x = std::exp(x - mx));
  std::vector<double> out(static_cast<std::size_t>(dh), 0.0);
  for (int64_t j = 0; j < len; ++j)
    for (int64_t c = 0; c < dh; ++c) out[c] += s[j] / sum * v[j * stride + c];
  return out;
}

void expect_head(const float* got, const std::vector<double>& want, const char* what, int64_t row,
                 int64_t head) {
  for (std::size_t c = 0; c < want.size(); ++c) {
    ASSERT_NEAR(got[c], want[c], 2e-6 + 2e-6 * std::fabs(want[c]))
        << what << ": row " << row << " head " << head << " col " << c;
  }
}

struct HeadShape {
  int heads;
  int64_t dh;
};
// dh 8 and 20 leave tails on every path; 64 is NLLB's.
const HeadShape kShapes[] = {{6, 8}, {3, 20}, {2, 33}, {16, 64}};

class Attention : public ::testing::TestWithParam<IsaThreads> {
 protected:
  cpu::Isa isa() const { return std::get<0>(GetParam()); }
  ThreadPool pool_{std::get<1>(GetParam())};
};

TEST_P(Attention, WithCacheMatchesReference) {
  for (const auto [heads, dh] : kShapes) {
    const int64_t d = heads * dh, max_steps = 40, slots = 5;
    const auto keys = testing::random_floats(slots * max_steps * d, -1.0f, 1.0f, 1);
    const auto values = testing::random_floats(keys.size(), -1.0f, 1.0f, 2);
    // Rows address slots in any order, several rows the same slot.
    const std::vector<int32_t> row_slot = {3, 0, 3, 4};
    const int64_t rows = static_cast<int64_t>(row_slot.size());
    const auto q = testing::random_floats(rows * 3 * d, -1.0f, 1.0f, 3);  // stride 3d, as qkv
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
    const KvCacheView cache{keys, values, slots, max_steps, d};
    for (int64_t steps : {1, 2, 17, 40}) {
      std::vector<float> out(rows * d, NAN);
      attention_with_cache(q, 3 * d, cache, row_slot, steps, heads, scale, out, pool_, isa());
      for (int64_t r = 0; r < rows; ++r) {
        for (int h = 0; h < heads; ++h) {
          const int64_t base = row_slot[r] * max_steps * d + h * dh;
          const auto want = reference_head(q.data() + r * 3 * d + h * dh, keys.data() + base,
                                           values.data() + base, d, steps, dh, scale);
          expect_head(out.data() + r * d + h * dh, want, "with cache", r, h);
        }
      }
    }
  }
}

// Continuous batching: rows at different positions each read their own number of cached
// steps, and a row's output is bit-identical to what it gets when run alone at its length.
TEST_P(Attention, WithCacheRaggedLengthsMatchReferenceAndRowsAlone) {
  for (const auto [heads, dh] : kShapes) {
    const int64_t d = heads * dh, max_steps = 40, slots = 5;
    const auto keys = testing::random_floats(slots * max_steps * d, -1.0f, 1.0f, 11);
    const auto values = testing::random_floats(keys.size(), -1.0f, 1.0f, 12);
    const std::vector<int32_t> row_slot = {3, 0, 1, 4, 2};
    const std::vector<int32_t> lengths = {1, 40, 17, 2, 33};
    const int64_t rows = static_cast<int64_t>(row_slot.size());
    const auto q = testing::random_floats(rows * 3 * d, -1.0f, 1.0f, 13);
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
    const KvCacheView cache{keys, values, slots, max_steps, d};
    std::vector<float> out(rows * d, NAN);
    attention_with_cache(q, 3 * d, cache, row_slot, lengths, heads, scale, out, pool_, isa());
    for (int64_t r = 0; r < rows; ++r) {
      for (int h = 0; h < heads; ++h) {
        const int64_t base = row_slot[r] * max_steps * d + h * dh;
        const auto want = reference_head(q.data() + r * 3 * d + h * dh, keys.data() + base,
                                         values.data() + base, d, lengths[r], dh, scale);
        expect_head(out.data() + r * d + h * dh, want, "ragged", r, h);
      }
      std::vector<float> alone(d, NAN);
      const std::span<const int32_t> slot(&row_slot[r], 1);
      attention_with_cache(std::span<const float>(q).subspan(r * 3 * d), 3 * d, cache, slot,
                           lengths[r], heads, scale, alone, pool_, isa());
      for (int64_t c = 0; c < d; ++c)
        ASSERT_EQ(out[r * d + c], alone[c]) << "row " << r << " col " << c;
    }
  }
}

TEST_P(Attention, CrossMatchesReference) {
  for (const auto [heads, dh] : kShapes) {
    const int64_t d = heads * dh;
    const std::vector<int32_t> length = {7, 1, 33};
    const std::vector<int64_t> offset = {0, 7, 8};
    const auto kv = testing::random_floats(41 * 2 * d, -2.0f, 2.0f, 4);
    const std::vector<int32_t> row_example = {2, 2, 0, 1, 2};
    const int64_t rows = static_cast<int64_t>(row_example.size());
    const auto q = testing::random_floats(rows * d, -2.0f, 2.0f, 5);
    const float scale = 0.125f;
    std::vector<float> out(rows * d, NAN);
    cross_attention(q, d, kv, d, offset, length, row_example, heads, scale, out, pool_, isa());
    for (int64_t r = 0; r < rows; ++r) {
      const int32_t e = row_example[r];
      for (int h = 0; h < heads; ++h) {
        const float* base = kv.data() + offset[e] * 2 * d + h * dh;
        const auto want =
            reference_head(q.data() + r * d + h * dh, base, base + d, 2 * d, length[e], dh, scale);
        expect_head(out.data() + r * d + h * dh, want, "cross", r, h);
      }
    }
  }
}

TEST_P(Attention, PackedSelfMatchesReference) {
  for (const auto [heads, dh] : kShapes) {
    const int64_t d = heads * dh;
    const std::vector<int64_t> offsets = {0, 5, 5, 6, 25};  // an empty and a 1-token sentence
    const int64_t rows = offsets.back();
    const auto qkv = testing::random_floats(rows * 3 * d, -1.5f, 1.5f, 6);
    const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
    std::vector<float> out(rows * d, NAN);
    packed_self_attention(qkv, d, offsets, heads, scale, out, pool_, isa());
    for (std::size_t s = 0; s + 1 < offsets.size(); ++s) {
      const float* base = qkv.data() + offsets[s] * 3 * d;
      const int64_t len = offsets[s + 1] - offsets[s];
      for (int64_t i = 0; i < len; ++i) {
        for (int h = 0; h < heads; ++h) {
          const auto want = reference_head(base + i * 3 * d + h * dh, base + d + h * dh,
                                           base + 2 * d + h * dh, 3 * d, len, dh, scale);
          expect_head(out.data() + (offsets[s] + i) * d + h * dh, want, "packed", offsets[s] + i,
                      h);
        }
      }
    }
  }
}

TEST_P(Attention, KeysBeyondTheStackScratch) {
  // More keys than kMaxStackScores: the scores go to the heap, the result is the same.
  const int heads = 2;
  const int64_t dh = 16, d = heads * dh, len = kMaxStackScores + 3;
  const auto kv = testing::random_floats(len * 2 * d, -1.0f, 1.0f, 7);
  const auto q = testing::random_floats(d, -1.0f, 1.0f, 8);
  const std::vector<int64_t> offset = {0};
  const std::vector<int32_t> length = {static_cast<int32_t>(len)}, row_example = {0};
  std::vector<float> out(d);
  cross_attention(q, d, kv, d, offset, length, row_example, heads, 0.25f, out, pool_, isa());
  for (int h = 0; h < heads; ++h) {
    const float* base = kv.data() + h * dh;
    expect_head(out.data() + h * dh,
                reference_head(q.data() + h * dh, base, base + d, 2 * d, len, dh, 0.25f), "long", 0,
                h);
  }
}

TEST_P(Attention, RefusesShapesThatDoNotFit) {
  const int64_t d = 16, max_steps = 4;
  const std::vector<float> cache_keys(2 * max_steps * d), q(3 * d);
  const KvCacheView cache{cache_keys, cache_keys, 2, max_steps, d};
  std::vector<float> out(d);
  const std::vector<int32_t> slot0 = {0}, slot2 = {2};
  // Steps beyond the cache, a slot outside it, heads that do not divide d, a short output.
  EXPECT_THROW(attention_with_cache(q, d, cache, slot0, 5, 2, 1.0f, out, pool_, isa()), Error);
  EXPECT_THROW(attention_with_cache(q, d, cache, slot0, 0, 2, 1.0f, out, pool_, isa()), Error);
  EXPECT_THROW(attention_with_cache(q, d, cache, slot2, 1, 2, 1.0f, out, pool_, isa()), Error);
  EXPECT_THROW(attention_with_cache(q, d, cache, slot0, 1, 3, 1.0f, out, pool_, isa()), Error);
  std::vector<float> short_out(d - 1);
  EXPECT_THROW(attention_with_cache(q, d, cache, slot0, 1, 2, 1.0f, short_out, pool_, isa()),
               Error);
  EXPECT_NO_THROW(attention_with_cache(q, d, cache, slot0, 4, 2, 1.0f, out, pool_, isa()));
  // Per-row lengths: one past the cache, a zero length, a count that is not one per row.
  const std::vector<int32_t> len5 = {5}, len0 = {0}, len4 = {4}, two_lengths = {1, 1};
  EXPECT_THROW(attention_with_cache(q, d, cache, slot0, len5, 2, 1.0f, out, pool_, isa()), Error);
  EXPECT_THROW(attention_with_cache(q, d, cache, slot0, len0, 2, 1.0f, out, pool_, isa()), Error);
  EXPECT_THROW(attention_with_cache(q, d, cache, slot0, two_lengths, 2, 1.0f, out, pool_, isa()),
               Error);
  EXPECT_NO_THROW(attention_with_cache(q, d, cache, slot0, len4, 2, 1.0f, out, pool_, isa()));
  // Cross-attention: an example past the memory, a row naming no example.
  const std::vector<float> kv(3 * 2 * d);
  const std::vector<int64_t> offset = {1};
  const std::vector<int32_t> too_long = {3}, fits = {2}, row0 = {0}, row1 = {1};
  EXPECT_THROW(cross_attention(q, d, kv, d, offset, too_long, row0, 2, 1.0f, out, pool_, isa()),
               Error);
  EXPECT_THROW(cross_attention(q, d, kv, d, offset, fits, row1, 2, 1.0f, out, pool_, isa()), Error);
  EXPECT_NO_THROW(cross_attention(q, d, kv, d, offset, fits, row0, 2, 1.0f, out, pool_, isa()));
  // Packed: rows past qkv, offsets going back.
  const std::vector<int64_t> past = {0, 2}, back = {0, 1, 0};
  EXPECT_THROW(packed_self_attention(q, d, past, 2, 1.0f, out, pool_, isa()), Error);
  EXPECT_THROW(packed_self_attention(q, d, back, 2, 1.0f, out, pool_, isa()), Error);
}

INSTANTIATE_TEST_SUITE_P(Paths, Attention, testing::all_isas_and_threads(), testing::param_name);

}  // namespace
}  // namespace nmtd::ops
