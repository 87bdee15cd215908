#pragma once
// Row tails and horizontal reductions for the AVX2 kernels: a sliding lane mask so that no
// element is read or written past a row. Include after <immintrin.h>, inside the file's
// AVX2 target region.
#include <algorithm>
#include <cstdint>

namespace nmtd::cpu::avx2 {

// Lanes [0, valid) set: a window into {-1 x8, 0 x8}.
inline __m256i tail_mask(int64_t valid) {
  alignas(32) static constexpr int32_t kWindow[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                      0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(
      reinterpret_cast<const __m256i*>(kWindow + 8 - std::min<int64_t>(valid, 8)));
}

inline __m256 load_or(__m256 fill, int64_t valid, const float* p) {
  if (valid >= 8) return _mm256_loadu_ps(p);
  const __m256i m = tail_mask(valid);
  return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
}

inline void store_n(float* p, int64_t valid, __m256 v) {
  if (valid >= 8) {
    _mm256_storeu_ps(p, v);
  } else {
    _mm256_maskstore_ps(p, tail_mask(valid), v);
  }
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace nmtd::cpu::avx2
