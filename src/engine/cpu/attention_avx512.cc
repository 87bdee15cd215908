// AVX-512 attention of one query and head, in the generic path's (CTranslate2's) orders to
// the bit: the sequential dot products 16 keys at a time, the gemv and 16-lane ones key by
// key, the weighted sum of values 16 columns of the head at a time; the softmax is this
// path's softmax_row (see attention_avx2.cc for why the orders matter).
// See norm_softmax_avx512.cc for why the warnings are off before <immintrin.h>.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,bmi,bmi2")

#include "engine/cpu/avx512_mask.h"

namespace nmtd::cpu::avx512 {

namespace {

// The gemv and 16-lane orders of ct2_dot, one key at a time, for dh a multiple of 16.
float dot_by_key(DotOrder order, const float* q, const float* k, int64_t dh, float scale) {
  if (order == DotOrder::kGemv8) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t c = 0; c < dh; c += 8)
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + c), _mm256_loadu_ps(k + c), acc);
    // vhaddps, vperm2f128 + vaddps, vhaddps: ((v0+v1)+(v4+v5)) + ((v2+v3)+(v6+v7)).
    __m256 h = _mm256_hadd_ps(acc, acc);
    h = _mm256_add_ps(h, _mm256_permute2f128_ps(h, h, 1));
    h = _mm256_hadd_ps(h, h);
    return _mm256_cvtss_f32(h) * scale;
  }
  __m512 acc = _mm512_setzero_ps();
  for (int64_t c = 0; c < dh; c += 16)
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + c), _mm512_loadu_ps(k + c), acc);
  // Lanes halved 8, 4, 2, 1.
  const __m256 h8 = _mm256_add_ps(_mm512_castps512_ps256(acc), _mm512_extractf32x8_ps(acc, 1));
  __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
  h4 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4));
  h4 = _mm_add_ss(h4, _mm_movehdup_ps(h4));
  return _mm_cvtss_f32(h4) * scale;
}

}  // namespace

void attend(const float* q, const float* k, const float* v, int64_t kv_stride, int64_t len,
            int64_t dh, float scale, DotOrder order, float* scores, float* out) {
  const __m512 zero = _mm512_setzero_ps();
  if (order == DotOrder::kSequential) {
    // 16 keys at a time, each lane one key's fused multiply-add chain in head order.
    const __m512i key_offsets =
        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           _mm512_set1_epi32(static_cast<int32_t>(kv_stride)));
    for (int64_t j = 0; j < len; j += 16) {
      const __mmask16 m = tail_mask(len - j);
      const float* kj = k + j * kv_stride;
      __m512 dot = zero;
      for (int64_t c = 0; c < dh; ++c) {
        const __m512 kc = _mm512_mask_i32gather_ps(zero, m, key_offsets, kj + c, 4);
        dot = _mm512_fmadd_ps(_mm512_set1_ps(q[c]), kc, dot);
      }
      _mm512_mask_storeu_ps(scores + j, m, _mm512_mul_ps(dot, _mm512_set1_ps(scale)));
    }
  } else if (dh % 16 == 0) {
    for (int64_t j = 0; j < len; ++j)
      scores[j] = dot_by_key(order, q, k + j * kv_stride, dh, scale);
  } else {
    for (int64_t j = 0; j < len; ++j) scores[j] = ct2_dot(order, q, k + j * kv_stride, dh, scale);
  }
  softmax_row(scores, len, len);
  // 16 columns of the head at a time, one fused multiply-add chain per column in key order.
  for (int64_t c = 0; c < dh; c += 16) {
    const __mmask16 m = tail_mask(dh - c);
    __m512 acc = zero;
    for (int64_t i = 0; i < len; ++i) {
      const __m512 vi = _mm512_maskz_loadu_ps(m, v + i * kv_stride + c);
      acc = _mm512_fmadd_ps(_mm512_set1_ps(scores[i]), vi, acc);
    }
    _mm512_mask_storeu_ps(out + c, m, acc);
  }
}

}  // namespace nmtd::cpu::avx512

#pragma GCC pop_options
