// AVX2 layer norm, softmax pieces and add. Layer norm and softmax_row compute the generic
// kernels' arithmetic (CTranslate2's, ct2_arith.h) to the bit. The log-softmax pieces' exp is
// the same Cephes expf polynomial as the AVX-512 path's, with 2^n built in the exponent bits
// (n >= -126 after the underflow clamp).
// Row tails go through a sliding lane mask so that no element is read past the row.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2")

#include "engine/cpu/avx2_lanes.h"

namespace nmtd::cpu::avx2 {

namespace {

inline __m256 exp_ps(__m256 x) {
  const __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(-87.33654f), _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.33654f)), _mm256_set1_ps(88.37626f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

// ct2_exp (ct2_arith.h) in 8 lanes: CTranslate2's exp256_ps as its AVX2 build computes it.
inline __m256 ct2_exp_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
  x = _mm256_max_ps(x, _mm256_set1_ps(-88.3762626647949f));
  const __m256 fx0 = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
  __m256 fx = _mm256_floor_ps(fx0);
  fx = _mm256_sub_ps(fx, _mm256_and_ps(_mm256_cmp_ps(fx, fx0, _CMP_GT_OS), one));
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_fmadd_ps(x, _mm256_set1_ps(1.9875691500e-4f), _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_add_ps(_mm256_fmadd_ps(y, z, x), one);
  const __m256i e =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// (v0 + v2) + (v1 + v3): the last two steps of CTranslate2's 8-lane sum.
inline float sum4(__m128 s) {
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

float row_max(const float* x, int64_t n) {
  const __m256 ninf = _mm256_set1_ps(-INFINITY);
  __m256 m = ninf;
  for (int64_t i = 0; i < n; i += 8) m = _mm256_max_ps(m, load_or(ninf, n - i, x + i));
  return hmax(m);
}

}  // namespace

void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                float epsilon, float* out) {
  const float inv_d = 1.0f / static_cast<float>(d);
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* o = out + r * d;
    // The generic kernel's order (CTranslate2's): 8 lanes, a 4-lane step, then in order.
    float sum = 0.0f;
    float sq = 0.0f;
    int64_t i = 0;
    if (d >= 8) {
      __m256 s = zero;
      __m256 q = zero;
      for (; i < d / 8 * 8; i += 8) {
        const __m256 v = _mm256_loadu_ps(xr + i);
        s = _mm256_add_ps(s, v);
        q = _mm256_add_ps(q, _mm256_mul_ps(v, v));
      }
      __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
      __m128 q4 = _mm_add_ps(_mm256_castps256_ps128(q), _mm256_extractf128_ps(q, 1));
      if (d - i >= 4) {
        const __m128 v = _mm_loadu_ps(xr + i);
        s4 = _mm_add_ps(s4, v);
        q4 = _mm_fmadd_ps(v, v, q4);
        i += 4;
      }
      sum = sum4(s4);
      sq = sum4(q4);
    }
    for (; i < d; ++i) {
      sq = std::fma(xr[i], xr[i], sq);
      sum += xr[i];
    }
    const float mean = sum * inv_d;
    float variance = std::fma(sq, inv_d, -(mean * mean));
    variance = variance < 0.0f ? 0.0f : variance;
    const __m256 rstd = _mm256_set1_ps(1.0f / std::sqrt(variance + epsilon));
    const __m256 vm = _mm256_set1_ps(mean);
    for (int64_t c = 0; c < d; c += 8) {
      const int64_t v = d - c;
      const __m256 centred = _mm256_sub_ps(load_or(zero, v, xr + c), vm);
      store_n(o + c, v,
              _mm256_fmadd_ps(centred, _mm256_mul_ps(rstd, load_or(zero, v, gamma + c)),
                              load_or(zero, v, beta + c)));
    }
  }
}

void max_sumexp(const float* x, int64_t n, float* max, double* sum) {
  const float mx = row_max(x, n);
  const __m256 vmx = _mm256_set1_ps(mx);
  const __m256 ninf = _mm256_set1_ps(-INFINITY);
  // Float partial sums over at most 1024 elements, then double (see the AVX-512 kernel).
  constexpr int64_t kChunk = 1024;
  __m256d total = _mm256_setzero_pd();
  for (int64_t c = 0; c < n; c += kChunk) {
    const int64_t end = std::min(n, c + kChunk);
    __m256 s0 = _mm256_setzero_ps();
    __m256 s1 = _mm256_setzero_ps();
    int64_t i = c;
    for (; i + 16 <= end; i += 16) {
      s0 = _mm256_add_ps(s0, exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmx)));
      s1 = _mm256_add_ps(s1, exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vmx)));
    }
    for (; i < end; i += 8)
      s0 = _mm256_add_ps(s0, exp_ps(_mm256_sub_ps(load_or(ninf, end - i, x + i), vmx)));
    s0 = _mm256_add_ps(s0, s1);
    total = _mm256_add_pd(total, _mm256_cvtps_pd(_mm256_castps256_ps128(s0)));
    total = _mm256_add_pd(total, _mm256_cvtps_pd(_mm256_extractf128_ps(s0, 1)));
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, total);
  *max = mx;
  *sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

void sub2(float* x, int64_t n, float a, float b) {
  const __m256 va = _mm256_set1_ps(a);
  const __m256 vb = _mm256_set1_ps(b);
  for (int64_t i = 0; i < n; i += 8) {
    store_n(x + i, n - i, _mm256_sub_ps(_mm256_sub_ps(load_or(va, n - i, x + i), va), vb));
  }
}

void softmax_row(float* x, int64_t n, int64_t valid) {
  valid = std::clamp<int64_t>(valid, 0, n);
  if (valid > 0) {
    // The generic kernel's arithmetic (CTranslate2's softmax).
    const __m256 vmx = _mm256_set1_ps(row_max(x, valid));
    const __m256 zero = _mm256_setzero_ps();
    for (int64_t i = 0; i < valid; i += 8) {
      store_n(x + i, valid - i, ct2_exp_ps(_mm256_sub_ps(load_or(zero, valid - i, x + i), vmx)));
    }
    float sum = 0.0f;
    int64_t i = 0;
    if (valid > 8) {
      __m256 s = zero;
      for (; i < valid / 8 * 8; i += 8) s = _mm256_add_ps(s, _mm256_loadu_ps(x + i));
      sum = hsum(s);
    }
    for (; i < valid; ++i) sum += x[i];
    const __m256 inv = _mm256_set1_ps(1.0f / sum);
    for (int64_t j = 0; j < valid; j += 8) {
      store_n(x + j, valid - j, _mm256_mul_ps(load_or(zero, valid - j, x + j), inv));
    }
  }
  std::fill(x + valid, x + n, 0.0f);
}

void add(float* a, const float* b, int64_t n) {
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 8) {
    store_n(a + i, n - i, _mm256_add_ps(load_or(zero, n - i, a + i), load_or(zero, n - i, b + i)));
  }
}

}  // namespace nmtd::cpu::avx2

#pragma GCC pop_options
