// AVX2 attention of one query and head, in the generic path's (CTranslate2's) orders to the
// bit: the sequential dot products 8 keys at a time, the gemv and 16-lane ones key by key,
// the weighted sum of values 8 columns of the head at a time; the softmax is this path's
// softmax_row. An int8 model quantizes the attention output, where a last-bit change can
// flip a near tie, so the orders matter.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2")

#include "engine/cpu/avx2_lanes.h"

namespace nmtd::cpu::avx2 {

namespace {

// The gemv and 16-lane orders of ct2_dot, one key at a time, for dh a multiple of 16.
float dot_by_key(DotOrder order, const float* q, const float* k, int64_t dh, float scale) {
  __m256 lo = _mm256_setzero_ps();
  if (order == DotOrder::kGemv8) {
    for (int64_t c = 0; c < dh; c += 8)
      lo = _mm256_fmadd_ps(_mm256_loadu_ps(q + c), _mm256_loadu_ps(k + c), lo);
    // vhaddps, vperm2f128 + vaddps, vhaddps: ((v0+v1)+(v4+v5)) + ((v2+v3)+(v6+v7)).
    __m256 h = _mm256_hadd_ps(lo, lo);
    h = _mm256_add_ps(h, _mm256_permute2f128_ps(h, h, 1));
    h = _mm256_hadd_ps(h, h);
    return _mm256_cvtss_f32(h) * scale;
  }
  __m256 hi = _mm256_setzero_ps();
  for (int64_t c = 0; c < dh; c += 16) {
    lo = _mm256_fmadd_ps(_mm256_loadu_ps(q + c), _mm256_loadu_ps(k + c), lo);
    hi = _mm256_fmadd_ps(_mm256_loadu_ps(q + c + 8), _mm256_loadu_ps(k + c + 8), hi);
  }
  // Lanes halved 8, 4, 2, 1: hsum's order after the first step.
  return hsum(_mm256_add_ps(lo, hi)) * scale;
}

}  // namespace

void attend(const float* q, const float* k, const float* v, int64_t kv_stride, int64_t len,
            int64_t dh, float scale, DotOrder order, float* scores, float* out) {
  const __m256 zero = _mm256_setzero_ps();
  if (order == DotOrder::kSequential) {
    // 8 keys at a time, each lane one key's fused multiply-add chain in head order.
    const __m256i key_offsets =
        _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                           _mm256_set1_epi32(static_cast<int32_t>(kv_stride)));
    for (int64_t j = 0; j < len; j += 8) {
      const __m256 m = _mm256_castsi256_ps(tail_mask(len - j));
      const float* kj = k + j * kv_stride;
      __m256 dot = zero;
      for (int64_t c = 0; c < dh; ++c) {
        const __m256 kc = _mm256_mask_i32gather_ps(zero, kj + c, key_offsets, m, 4);
        dot = _mm256_fmadd_ps(_mm256_set1_ps(q[c]), kc, dot);
      }
      store_n(scores + j, len - j, _mm256_mul_ps(dot, _mm256_set1_ps(scale)));
    }
  } else if (dh % 16 == 0) {
    for (int64_t j = 0; j < len; ++j)
      scores[j] = dot_by_key(order, q, k + j * kv_stride, dh, scale);
  } else {
    for (int64_t j = 0; j < len; ++j) scores[j] = ct2_dot(order, q, k + j * kv_stride, dh, scale);
  }
  softmax_row(scores, len, len);
  // 8 columns of the head at a time, one fused multiply-add chain per column in key order.
  for (int64_t c = 0; c < dh; c += 8) {
    __m256 acc = zero;
    for (int64_t i = 0; i < len; ++i) {
      const __m256 vi = load_or(zero, dh - c, v + i * kv_stride + c);
      acc = _mm256_fmadd_ps(_mm256_set1_ps(scores[i]), vi, acc);
    }
    store_n(out + c, dh - c, acc);
  }
}

}  // namespace nmtd::cpu::avx2

#pragma GCC pop_options
