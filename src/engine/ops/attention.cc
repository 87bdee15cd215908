// The attention ops on CPU: shape checks, the split into (row or sentence, head) tasks over
// the thread pool, and the choice of kernel table.
#include "engine/ops/attention.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/cpu/dispatch.h"
#include "engine/cpu/kernels.h"

namespace nmtd::ops {

namespace {

[[noreturn]] void fail(const char* op, const std::string& what) {
  throw Error(std::string(op) + ": " + what);
}

int64_t head_dim(int64_t d, int heads, const char* op) {
  if (!(heads > 0 && d > 0 && d % heads == 0))
    fail(op, "d " + std::to_string(d) + " is not a positive multiple of " + std::to_string(heads) +
                 " heads");
  return d / heads;
}

// Whether `rows` rows of `width` floats, `stride` apart, fit in a span of `size` floats.
bool rows_fit(std::size_t size, int64_t rows, int64_t stride, int64_t width) {
  if (rows == 0) return true;
  return stride >= width && (rows - 1) * stride + width <= static_cast<int64_t>(size);
}

// Runs task(t, scores) for t in [0, tasks) over the pool, each chunk with scratch for
// max_len scores: on the stack unless the keys are longer than kMaxStackScores.
template <class Task>
void for_each_task(int64_t tasks, int64_t max_len, ThreadPool& pool, const Task& task) {
  pool.parallel_for(tasks, 1, [&](int64_t begin, int64_t end) {
    std::array<float, kMaxStackScores> stack;
    std::vector<float> heap;
    float* scores = stack.data();
    if (max_len > kMaxStackScores) {
      heap.resize(static_cast<std::size_t>(max_len));
      scores = heap.data();
    }
    for (int64_t t = begin; t < end; ++t) task(t, scores);
  });
}

// CTranslate2's query rows for row r: query_rows[r], 1 when none are given.
int64_t query_rows_of(std::span<const int32_t> query_rows, int64_t r, const char* op) {
  if (query_rows.empty()) return 1;
  if (r >= static_cast<int64_t>(query_rows.size())) fail(op, "fewer query_rows than rows");
  return query_rows[static_cast<std::size_t>(r)];
}

// The self-attention's order: decoding step by step, CTranslate2's product has 1 row against
// the cached keys; scoring teacher-forced, all the sequence's positions against all of them.
cpu::DotOrder order_of(int64_t query_rows, int64_t keys) {
  return cpu::ct2_dot_order(query_rows, query_rows > 1 ? query_rows : keys);
}

}  // namespace

namespace {

// The self-attention over the cache, row r reading length(r) steps of its slot; max_length
// bounds every length (the scores' scratch).
template <class Length>
void attend_cache(std::span<const float> q, int64_t q_stride, const KvCacheView& cache,
                  std::span<const int32_t> slots, const Length& length, int64_t max_length,
                  int heads, float scale, std::span<float> out, ThreadPool& pool, cpu::Isa isa,
                  std::span<const int32_t> query_rows) {
  constexpr const char* kOp = "attention_with_cache";
  const int64_t d = cache.d;
  const int64_t dh = head_dim(d, heads, kOp);
  const auto rows = static_cast<int64_t>(slots.size());
  const int64_t slot_floats = cache.max_steps * d;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t steps = length(r);
    if (steps < 1 || steps > cache.max_steps)
      fail(kOp,
           std::to_string(steps) + " steps with a cache of " + std::to_string(cache.max_steps));
  }
  if (!(cache.keys.size() >= static_cast<std::size_t>(cache.slots * slot_floats) &&
        cache.values.size() >= static_cast<std::size_t>(cache.slots * slot_floats)))
    fail(kOp, "the cache is smaller than its shape");
  if (!rows_fit(q.size(), rows, q_stride, d)) fail(kOp, "the queries are smaller than [rows][d]");
  if (!rows_fit(out.size(), rows, d, d)) fail(kOp, "the output is smaller than [rows][d]");
  for (const int32_t s : slots)
    if (s < 0 || s >= cache.slots) fail(kOp, "a slot is out of range");
  if (!query_rows.empty() && query_rows.size() != slots.size())
    fail(kOp, std::to_string(query_rows.size()) + " query_rows for " +
                  std::to_string(slots.size()) + " rows");
  const cpu::Kernels& kern = cpu::kernels_for(isa);
  for_each_task(rows * heads, max_length, pool, [&](int64_t task, float* scores) {
    const int64_t r = task / heads;
    const int64_t h = task % heads;
    const int64_t base = slots[static_cast<std::size_t>(r)] * slot_floats + h * dh;
    const int64_t len = length(r);
    kern.attend(q.data() + r * q_stride + h * dh, cache.keys.data() + base,
                cache.values.data() + base, d, len, dh, scale,
                order_of(query_rows_of(query_rows, r, kOp), len), scores,
                out.data() + r * d + h * dh);
  });
}

}  // namespace

void attention_with_cache(std::span<const float> q, int64_t q_stride, const KvCacheView& cache,
                          std::span<const int32_t> slots, int64_t steps, int heads, float scale,
                          std::span<float> out, ThreadPool& pool, cpu::Isa isa) {
  if (slots.empty() && (steps < 1 || steps > cache.max_steps))
    fail("attention_with_cache",
         std::to_string(steps) + " steps with a cache of " + std::to_string(cache.max_steps));
  attend_cache(q, q_stride, cache, slots, [steps](int64_t) { return steps; }, steps, heads, scale,
               out, pool, isa, {});
}

void attention_with_cache(std::span<const float> q, int64_t q_stride, const KvCacheView& cache,
                          std::span<const int32_t> slots, std::span<const int32_t> lengths,
                          int heads, float scale, std::span<float> out, ThreadPool& pool,
                          cpu::Isa isa, std::span<const int32_t> query_rows) {
  if (lengths.size() != slots.size())
    fail("attention_with_cache",
         std::to_string(lengths.size()) + " lengths for " + std::to_string(slots.size()) + " rows");
  int64_t max_length = 0;
  for (const int32_t n : lengths) max_length = std::max<int64_t>(max_length, n);
  attend_cache(
      q, q_stride, cache, slots,
      [lengths](int64_t r) { return static_cast<int64_t>(lengths[static_cast<std::size_t>(r)]); },
      max_length, heads, scale, out, pool, isa, query_rows);
}

void cross_attention(std::span<const float> q, int64_t q_stride, std::span<const float> kv,
                     int64_t d, std::span<const int64_t> example_offset,
                     std::span<const int32_t> example_length, std::span<const int32_t> row_example,
                     int heads, float scale, std::span<float> out, ThreadPool& pool, cpu::Isa isa,
                     std::span<const int32_t> query_rows) {
  constexpr const char* kOp = "cross_attention";
  const int64_t dh = head_dim(d, heads, kOp);
  const auto rows = static_cast<int64_t>(row_example.size());
  if (example_offset.size() != example_length.size())
    fail(kOp, "example offsets and lengths differ in number");
  int64_t max_len = 0;
  for (std::size_t e = 0; e < example_length.size(); ++e) {
    if (!(example_length[e] >= 1 && example_offset[e] >= 0 &&
          (example_offset[e] + example_length[e]) * 2 * d <= static_cast<int64_t>(kv.size())))
      fail(kOp, "example " + std::to_string(e) + " lies outside the memory");
    max_len = std::max<int64_t>(max_len, example_length[e]);
  }
  for (const int32_t e : row_example) {
    if (e < 0 || static_cast<std::size_t>(e) >= example_length.size())
      fail(kOp, "a row's example is out of range");
  }
  if (!rows_fit(q.size(), rows, q_stride, d)) fail(kOp, "the queries are smaller than [rows][d]");
  if (!rows_fit(out.size(), rows, d, d)) fail(kOp, "the output is smaller than [rows][d]");
  if (!query_rows.empty() && query_rows.size() != row_example.size())
    fail(kOp,
         std::to_string(query_rows.size()) + " query_rows for " + std::to_string(rows) + " rows");
  const cpu::Kernels& kern = cpu::kernels_for(isa);
  for_each_task(rows * heads, max_len, pool, [&](int64_t task, float* scores) {
    const int64_t r = task / heads;
    const int64_t h = task % heads;
    const auto e = static_cast<std::size_t>(row_example[static_cast<std::size_t>(r)]);
    const float* base = kv.data() + example_offset[e] * 2 * d + h * dh;
    const int64_t len = example_length[e];
    kern.attend(q.data() + r * q_stride + h * dh, base, base + d, 2 * d, len, dh, scale,
                cpu::ct2_dot_order(query_rows_of(query_rows, r, kOp), len), scores,
                out.data() + r * d + h * dh);
  });
}

void packed_self_attention(std::span<const float> qkv, int64_t d, std::span<const int64_t> offsets,
                           int heads, float scale, std::span<float> out, ThreadPool& pool,
                           cpu::Isa isa) {
  constexpr const char* kOp = "packed_self_attention";
  const int64_t dh = head_dim(d, heads, kOp);
  if (offsets.empty() || offsets.front() != 0) fail(kOp, "offsets must start at 0");
  int64_t max_len = 0;
  for (std::size_t s = 1; s < offsets.size(); ++s) {
    if (offsets[s] < offsets[s - 1]) fail(kOp, "offsets must not decrease");
    max_len = std::max(max_len, offsets[s] - offsets[s - 1]);
  }
  const int64_t rows = offsets.back();
  if (!rows_fit(qkv.size(), rows, 3 * d, 3 * d)) fail(kOp, "qkv is smaller than [rows][3d]");
  if (!rows_fit(out.size(), rows, d, d)) fail(kOp, "the output is smaller than [rows][d]");
  const cpu::Kernels& kern = cpu::kernels_for(isa);
  const auto sentences = static_cast<int64_t>(offsets.size()) - 1;
  // One task per (sentence, head): each reads only its own sentence's rows.
  for_each_task(sentences * heads, max_len, pool, [&](int64_t task, float* scores) {
    const auto s = static_cast<std::size_t>(task / heads);
    const int64_t h = task % heads;
    const int64_t len = offsets[s + 1] - offsets[s];
    const float* base = qkv.data() + offsets[s] * 3 * d + h * dh;
    const cpu::DotOrder order = cpu::ct2_dot_order(len, len);
    for (int64_t i = 0; i < len; ++i) {
      kern.attend(base + i * 3 * d, base + d, base + 2 * d, 3 * d, len, dh, scale, order, scores,
                  out.data() + (offsets[s] + i) * d + h * dh);
    }
  });
}

// The untagged API: the default path of this process.
void attention_with_cache(std::span<const float> q, int64_t q_stride, const KvCacheView& cache,
                          std::span<const int32_t> slots, int64_t steps, int heads, float scale,
                          std::span<float> out, ThreadPool& pool) {
  attention_with_cache(q, q_stride, cache, slots, steps, heads, scale, out, pool,
                       cpu::default_isa());
}
void attention_with_cache(std::span<const float> q, int64_t q_stride, const KvCacheView& cache,
                          std::span<const int32_t> slots, std::span<const int32_t> lengths,
                          int heads, float scale, std::span<float> out, ThreadPool& pool,
                          std::span<const int32_t> query_rows) {
  attention_with_cache(q, q_stride, cache, slots, lengths, heads, scale, out, pool,
                       cpu::default_isa(), query_rows);
}
void cross_attention(std::span<const float> q, int64_t q_stride, std::span<const float> kv,
                     int64_t d, std::span<const int64_t> example_offset,
                     std::span<const int32_t> example_length, std::span<const int32_t> row_example,
                     int heads, float scale, std::span<float> out, ThreadPool& pool,
                     std::span<const int32_t> query_rows) {
  cross_attention(q, q_stride, kv, d, example_offset, example_length, row_example, heads, scale,
                  out, pool, cpu::default_isa(), query_rows);
}
void packed_self_attention(std::span<const float> qkv, int64_t d, std::span<const int64_t> offsets,
                           int heads, float scale, std::span<float> out, ThreadPool& pool) {
  packed_self_attention(qkv, d, offsets, heads, scale, out, pool, cpu::default_isa());
}

}  // namespace nmtd::ops
