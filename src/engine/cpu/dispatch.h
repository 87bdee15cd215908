#pragma once
// The ops of engine/ops/ops.h on an explicitly chosen SIMD path. The untagged versions use
// cpu::default_isa(); these let tests and benchmarks run every path a CPU supports side by
// side in one process, without any mutable global switch.
#include <cstdint>

#include "common/thread_pool.h"
#include "engine/cpu/isa.h"
#include "engine/ops/attention.h"
#include "engine/ops/ops.h"

namespace nmtd::ops {

// A path the CPU cannot run is replaced by cpu::default_isa().
void linear(const float* x, int64_t m, const PackedWeight& w, const float* bias, bool relu,
            float* y, ThreadPool& pool, cpu::Isa isa);
void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                float epsilon, float* out, cpu::Isa isa);
void log_softmax(float* x, int64_t rows, int64_t n, ThreadPool& pool, cpu::Isa isa);
void softmax_rows(float* x, int64_t rows, int64_t n, const int32_t* valid, cpu::Isa isa);
void add_inplace(float* a, const float* b, int64_t n, cpu::Isa isa);
void attention_with_cache(std::span<const float> q, int64_t q_stride, const KvCacheView& cache,
                          std::span<const int32_t> slots, int64_t steps, int heads, float scale,
                          std::span<float> out, ThreadPool& pool, cpu::Isa isa);
void attention_with_cache(std::span<const float> q, int64_t q_stride, const KvCacheView& cache,
                          std::span<const int32_t> slots, std::span<const int32_t> lengths,
                          int heads, float scale, std::span<float> out, ThreadPool& pool,
                          cpu::Isa isa, std::span<const int32_t> query_rows = {});
void cross_attention(std::span<const float> q, int64_t q_stride, std::span<const float> kv,
                     int64_t d, std::span<const int64_t> example_offset,
                     std::span<const int32_t> example_length, std::span<const int32_t> row_example,
                     int heads, float scale, std::span<float> out, ThreadPool& pool, cpu::Isa isa,
                     std::span<const int32_t> query_rows = {});
void packed_self_attention(std::span<const float> qkv, int64_t d, std::span<const int64_t> offsets,
                           int heads, float scale, std::span<float> out, ThreadPool& pool,
                           cpu::Isa isa);

}  // namespace nmtd::ops
