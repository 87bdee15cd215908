// AVX-512 attention of one query and head: the dot products run 16 keys at a time, the
// weighted sum of values 16 columns of the head at a time (masked tails), both in the
// generic path's order of additions and without FMA, which keeps the decoder's tokens those
// of the scalar loop (an int8 model quantizes the attention output, where a last-bit change
// can flip a near tie); the softmax is this path's softmax_row.
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

void attend(const float* q, const float* k, const float* v, int64_t kv_stride, int64_t len,
            int64_t dh, float scale, float* scores, float* out) {
  // 16 keys at a time, each lane summing its key's products in head order as the generic
  // path does, with no fused multiply-add: the same scores to the bit.
  const __m512i key_offsets =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(static_cast<int32_t>(kv_stride)));
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t j = 0; j < len; j += 16) {
    const __mmask16 m = tail_mask(len - j);
    const float* kj = k + j * kv_stride;
    __m512 dot = zero;
    for (int64_t c = 0; c < dh; ++c) {
      const __m512 kc = _mm512_mask_i32gather_ps(zero, m, key_offsets, kj + c, 4);
      dot = _mm512_add_ps(dot, _mm512_mul_ps(_mm512_set1_ps(q[c]), kc));
    }
    _mm512_mask_storeu_ps(scores + j, m, _mm512_mul_ps(dot, _mm512_set1_ps(scale)));
  }
  softmax_row(scores, len, len);
  // 16 columns of the head at a time, summed over the values in key order.
  for (int64_t c = 0; c < dh; c += 16) {
    const __mmask16 m = tail_mask(dh - c);
    __m512 acc = zero;
    for (int64_t i = 0; i < len; ++i) {
      const __m512 vi = _mm512_maskz_loadu_ps(m, v + i * kv_stride + c);
      acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_set1_ps(scores[i]), vi));
    }
    _mm512_mask_storeu_ps(out + c, m, acc);
  }
}

}  // namespace nmtd::cpu::avx512

#pragma GCC pop_options
