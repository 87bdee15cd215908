// AVX-512 softmax pieces and add; layer norm and softmax_row are the AVX2 kernels, because
// CTranslate2's arithmetic, which they compute to the bit, is 8 lanes wide (ct2_arith.h).
// exp is Cephes' expf polynomial (about 1 ulp
// on the range used here, x <= 0), scaled by 2^n with vscalefps; below ln(FLT_MIN) it
// returns 0, which no sum of probabilities can tell from a denormal.
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() (`__m512 __Y = __Y;`), which
// it then reports as uninitialized (GCC PR105593, fixed in 12.3). The state must be set
// before <immintrin.h> is read, because the warning points into that header.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,bmi,bmi2")

#include "engine/cpu/avx512_mask.h"

namespace nmtd::cpu::avx512 {

namespace {

inline __m512 exp_ps(__m512 x) {
  const __mmask16 underflow = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.33654f), _CMP_LT_OQ);
  x = _mm512_min_ps(x, _mm512_set1_ps(88.37626f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // r = x - n*ln2, with ln2 split in two so that n*C1 is exact.
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_maskz_scalef_ps(static_cast<__mmask16>(~underflow), p, n);
}

inline __m512 load_or(__m512 fill, int64_t valid, const float* p) {
  return _mm512_mask_loadu_ps(fill, tail_mask(valid), p);
}

float row_max(const float* x, int64_t n) {
  const __m512 ninf = _mm512_set1_ps(-INFINITY);
  __m512 m = ninf;
  for (int64_t i = 0; i < n; i += 16) m = _mm512_max_ps(m, load_or(ninf, n - i, x + i));
  return _mm512_reduce_max_ps(m);
}

}  // namespace

// CTranslate2's layer norm is 8 lanes wide: the AVX2 kernel states it.
void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                float epsilon, float* out) {
  avx2::layer_norm(x, rows, d, gamma, beta, epsilon, out);
}

void max_sumexp(const float* x, int64_t n, float* max, double* sum) {
  const float mx = row_max(x, n);
  const __m512 vmx = _mm512_set1_ps(mx);
  const __m512 ninf = _mm512_set1_ps(-INFINITY);
  // Float partial sums over at most 1024 elements, then into double: a float sum over a
  // 256k-wide row would drift by ~1e-5, more than log_softmax may.
  constexpr int64_t kChunk = 1024;
  __m512d total = _mm512_setzero_pd();
  for (int64_t c = 0; c < n; c += kChunk) {
    const int64_t end = std::min(n, c + kChunk);
    __m512 s0 = _mm512_setzero_ps();
    __m512 s1 = _mm512_setzero_ps();
    int64_t i = c;
    for (; i + 32 <= end; i += 32) {
      s0 = _mm512_add_ps(s0, exp_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmx)));
      s1 = _mm512_add_ps(s1, exp_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vmx)));
    }
    for (; i < end; i += 16) {
      s0 = _mm512_add_ps(s0, exp_ps(_mm512_sub_ps(load_or(ninf, end - i, x + i), vmx)));
    }
    s0 = _mm512_add_ps(s0, s1);
    total = _mm512_add_pd(total, _mm512_cvtps_pd(_mm512_castps512_ps256(s0)));
    total = _mm512_add_pd(total, _mm512_cvtps_pd(_mm512_extractf32x8_ps(s0, 1)));
  }
  *max = mx;
  *sum = _mm512_reduce_add_pd(total);
}

void sub2(float* x, int64_t n, float a, float b) {
  const __m512 va = _mm512_set1_ps(a);
  const __m512 vb = _mm512_set1_ps(b);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    _mm512_mask_storeu_ps(x + i, m, _mm512_sub_ps(_mm512_sub_ps(v, va), vb));
  }
}

// As layer_norm: CTranslate2's softmax sums in 8 lanes.
void softmax_row(float* x, int64_t n, int64_t valid) { avx2::softmax_row(x, n, valid); }

void add(float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = tail_mask(n - i);
    _mm512_mask_storeu_ps(
        a + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i)));
  }
}

}  // namespace nmtd::cpu::avx512

#pragma GCC pop_options
