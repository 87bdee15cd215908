// AVX2 layer norm, softmax pieces and add. exp is the same Cephes expf polynomial as the
// AVX-512 path, with 2^n built in the exponent bits (n >= -126 after the underflow clamp).
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

float row_max(const float* x, int64_t n) {
  const __m256 ninf = _mm256_set1_ps(-INFINITY);
  __m256 m = ninf;
  for (int64_t i = 0; i < n; i += 8) m = _mm256_max_ps(m, load_or(ninf, n - i, x + i));
  return hmax(m);
}

}  // namespace

void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                float epsilon, float* out) {
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* o = out + r * d;
    // Centred on x[0] as in the generic kernel (exact for rows with a large offset).
    const __m256 x0 = _mm256_set1_ps(xr[0]);
    __m256 s = zero;
    for (int64_t i = 0; i < d; i += 8) {
      const __m256 c = _mm256_sub_ps(load_or(x0, d - i, xr + i), x0);  // tail lanes: 0
      s = _mm256_add_ps(s, c);
    }
    const float mean_off = hsum(s) / static_cast<float>(d);
    const __m256 vm = _mm256_set1_ps(mean_off);
    const __m256 fill = _mm256_set1_ps(xr[0] + mean_off);
    __m256 sq = zero;
    for (int64_t i = 0; i < d; i += 8) {
      __m256 c = _mm256_sub_ps(_mm256_sub_ps(load_or(fill, d - i, xr + i), x0), vm);
      if (d - i < 8) c = _mm256_and_ps(c, _mm256_castsi256_ps(tail_mask(d - i)));
      sq = _mm256_fmadd_ps(c, c, sq);
    }
    const __m256 vr = _mm256_set1_ps(1.0f / std::sqrt(hsum(sq) / static_cast<float>(d) + epsilon));
    for (int64_t i = 0; i < d; i += 8) {
      const int64_t v = d - i;
      const __m256 c = _mm256_sub_ps(_mm256_sub_ps(load_or(zero, v, xr + i), x0), vm);
      store_n(o + i, v,
              _mm256_fmadd_ps(_mm256_mul_ps(c, vr), load_or(zero, v, gamma + i),
                              load_or(zero, v, beta + i)));
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
    const __m256 vmx = _mm256_set1_ps(row_max(x, valid));
    const __m256 ninf = _mm256_set1_ps(-INFINITY);
    __m256 s = _mm256_setzero_ps();
    for (int64_t i = 0; i < valid; i += 8) {
      const __m256 e = exp_ps(_mm256_sub_ps(load_or(ninf, valid - i, x + i), vmx));  // tail: 0
      store_n(x + i, valid - i, e);
      s = _mm256_add_ps(s, e);
    }
    const __m256 inv = _mm256_set1_ps(1.0f / hsum(s));
    for (int64_t i = 0; i < valid; i += 8) {
      store_n(x + i, valid - i, _mm256_mul_ps(load_or(inv, valid - i, x + i), inv));
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
