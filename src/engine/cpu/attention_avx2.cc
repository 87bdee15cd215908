// AVX2 attention of one query and head: the dot products run 8 keys at a time, the weighted
// sum of values 8 columns of the head at a time, both in the generic path's order of
// additions and without FMA (see attention_avx512.cc for why); the softmax is this path's
// softmax_row.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2")

#include "engine/cpu/avx2_lanes.h"

namespace nmtd::cpu::avx2 {

void attend(const float* q, const float* k, const float* v, int64_t kv_stride, int64_t len,
            int64_t dh, float scale, float* scores, float* out) {
  // 8 keys at a time, each lane summing its key's products in head order as the generic
  // path does, with no fused multiply-add: the same scores to the bit.
  const __m256i key_offsets =
      _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                         _mm256_set1_epi32(static_cast<int32_t>(kv_stride)));
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t j = 0; j < len; j += 8) {
    const __m256 m = _mm256_castsi256_ps(tail_mask(len - j));
    const float* kj = k + j * kv_stride;
    __m256 dot = zero;
    for (int64_t c = 0; c < dh; ++c) {
      const __m256 kc = _mm256_mask_i32gather_ps(zero, kj + c, key_offsets, m, 4);
      dot = _mm256_add_ps(dot, _mm256_mul_ps(_mm256_set1_ps(q[c]), kc));
    }
    store_n(scores + j, len - j, _mm256_mul_ps(dot, _mm256_set1_ps(scale)));
  }
  softmax_row(scores, len, len);
  // 8 columns of the head at a time, summed over the values in key order.
  for (int64_t c = 0; c < dh; c += 8) {
    __m256 acc = zero;
    for (int64_t i = 0; i < len; ++i) {
      const __m256 vi = load_or(zero, dh - c, v + i * kv_stride + c);
      acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(scores[i]), vi));
    }
    store_n(out + c, dh - c, acc);
  }
}

}  // namespace nmtd::cpu::avx2

#pragma GCC pop_options
