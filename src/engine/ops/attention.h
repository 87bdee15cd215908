#pragma once
// Scaled dot-product attention as the network runs it: the decoder's self-attention over
// its key/value cache, its cross-attention over the encoder memory, and the encoder's
// self-attention over packed sentences. Each splits d into `heads` heads, takes
// softmax(q·kᵀ * scale) · v per head in float32, and writes [rows][d]. Shapes are checked
// here, at the boundary (Error naming the op otherwise); the per-head arithmetic is the
// dispatched kernel of engine/cpu/attention_*.cc. None of them allocates for keys up to
// kMaxStackScores long.
#include <cstdint>
#include <span>

#include "common/thread_pool.h"

namespace nmtd::ops {

// Attention scores of one (row, head) live on the stack up to this many keys.
inline constexpr int64_t kMaxStackScores = 4096;

// One layer's self-attention cache: `slots` slots of max_steps rows of d keys, and as many
// values, step-major: the key of (slot, step) is keys[(slot * max_steps + step) * d ...].
struct KvCacheView {
  std::span<const float> keys;
  std::span<const float> values;
  int64_t slots = 0;
  int64_t max_steps = 0;
  int64_t d = 0;
};

// Row r's query q[r * q_stride ...][0, d) attends to the first `steps` keys and values of
// cache slot slots[r]. out: [slots.size()][d].
void attention_with_cache(std::span<const float> q, int64_t q_stride, const KvCacheView& cache,
                          std::span<const int32_t> slots, int64_t steps, int heads, float scale,
                          std::span<float> out, ThreadPool& pool);
// As above with rows at different positions (continuous batching): row r attends to the first
// lengths[r] keys and values of its slot. query_rows[r] (1 for every row when empty) is the
// number of query rows CTranslate2's product has for row r's sequence: 1 while decoding step
// by step, the scored length when scoring teacher-forced; it picks the order the dot
// products are summed in (cpu::ct2_dot_order), so that the scores are CTranslate2's.
void attention_with_cache(std::span<const float> q, int64_t q_stride, const KvCacheView& cache,
                          std::span<const int32_t> slots, std::span<const int32_t> lengths,
                          int heads, float scale, std::span<float> out, ThreadPool& pool,
                          std::span<const int32_t> query_rows = {});

// Row r's query (as above) attends to the memory rows of example e = row_example[r]:
// rows [example_offset[e], + example_length[e]) of kv, [memory rows][2d] with each row's
// keys first and values second. out: [row_example.size()][d]. query_rows as above.
void cross_attention(std::span<const float> q, int64_t q_stride, std::span<const float> kv,
                     int64_t d, std::span<const int64_t> example_offset,
                     std::span<const int32_t> example_length, std::span<const int32_t> row_example,
                     int heads, float scale, std::span<float> out, ThreadPool& pool,
                     std::span<const int32_t> query_rows = {});

// Sentences packed one after another, sentence s being rows [offsets[s], offsets[s + 1]) of
// qkv ([rows][3d]: queries, keys, values); each row attends to its own sentence only, its
// dot products summed in the order CTranslate2's are for that sentence encoded alone.
// out: [offsets.back()][d].
void packed_self_attention(std::span<const float> qkv, int64_t d, std::span<const int64_t> offsets,
                           int heads, float scale, std::span<float> out, ThreadPool& pool);

}  // namespace nmtd::ops
