// int4 GEMM for AVX2 (no VNNI) over the packed int4 layout (kernels.h), 16 columns as two ymm
// halves of 8 columns x 4 k. The nibbles (0..15) are the unsigned operand of vpmaddubsw and
// the int8 activations the signed one: a pair is at most 2 x 15 x 127 = 3810 and the two
// halves of a chunk add to 7620, far from the int16 saturation, so the dot is exact. vpmaddwd
// against ones widens to int32. The -8 of the nibble coding is folded in as -8 * sum(x).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2")

namespace nmtd::cpu::avx2 {

namespace {

constexpr int kMaxRows = 3;
constexpr int64_t kChunks = kI4Group / 8;
constexpr int64_t kPrefetchBytes = 256;

inline int32_t load_i32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline __m256 load_bf16x8(const uint16_t* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

inline __m256i dot8(__m256i acc, __m256i lo, __m256i hi, __m256i x_lo, __m256i x_hi, __m256i ones) {
  const __m256i pairs =
      _mm256_add_epi16(_mm256_maddubs_epi16(lo, x_lo), _mm256_maddubs_epi16(hi, x_hi));
  return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
}

// Named accumulators (l/h: the two 8-column halves): GCC 12 spills unrolled vector arrays.
#define NMTD_ACC_ROW(i)                                                            \
  [[maybe_unused]] const __m256i init##i =                                         \
      _mm256_set1_epi32(MR > i ? -8 * g.x_group_sum[(row0 + i) * groups + q] : 0); \
  [[maybe_unused]] __m256i c##i##l = init##i, c##i##h = init##i
#define NMTD_DOT_ROW(i)                                       \
  if constexpr (MR > i) {                                     \
    const int8_t* xi = x + i * g.kp + q * kI4Group + h * 8;   \
    const __m256i a_lo = _mm256_set1_epi32(load_i32(xi));     \
    const __m256i a_hi = _mm256_set1_epi32(load_i32(xi + 4)); \
    c##i##l = dot8(c##i##l, lo_l, hi_l, a_lo, a_hi, ones);    \
    c##i##h = dot8(c##i##h, lo_h, hi_h, a_lo, a_hi, ones);    \
  }
#define NMTD_SCALE_ROW(i)                                                                         \
  if constexpr (MR > i) {                                                                         \
    _mm256_store_ps(sums[i], _mm256_add_ps(_mm256_load_ps(sums[i]),                               \
                                           _mm256_mul_ps(_mm256_cvtepi32_ps(c##i##l), s_l)));     \
    _mm256_store_ps(sums[i] + 8, _mm256_add_ps(_mm256_load_ps(sums[i] + 8),                       \
                                               _mm256_mul_ps(_mm256_cvtepi32_ps(c##i##h), s_h))); \
  }

template <int MR>
void tile(const I4Gemm& g, int64_t row0, int64_t block) {
  const int64_t groups = g.kp / kI4Group;
  const uint8_t* w = g.w + block * (g.kp * kBlockCols / 2);
  const uint16_t* sc = g.w_scale + block * groups * kBlockCols;
  const int8_t* x = g.xq + row0 * g.kp;
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m256i ones = _mm256_set1_epi16(1);
  // The float sums change once per group (every 16 dots), so they live in memory and the
  // registers go to the int32 accumulators.
  alignas(32) float sums[MR][kBlockCols] = {};
  for (int64_t q = 0; q < groups; ++q) {
    NMTD_ACC_ROW(0);
    NMTD_ACC_ROW(1);
    NMTD_ACC_ROW(2);
    for (int64_t h = 0; h < kChunks; ++h) {
      const uint8_t* p = w + (q * kChunks + h) * 64;
      _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0);
      const __m256i v_l = _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
      const __m256i v_h = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 32));
      const __m256i lo_l = _mm256_and_si256(v_l, low4);
      const __m256i hi_l = _mm256_and_si256(_mm256_srli_epi16(v_l, 4), low4);
      const __m256i lo_h = _mm256_and_si256(v_h, low4);
      const __m256i hi_h = _mm256_and_si256(_mm256_srli_epi16(v_h, 4), low4);
      NMTD_DOT_ROW(0);
      NMTD_DOT_ROW(1);
      NMTD_DOT_ROW(2);
    }
    const __m256 s_l = load_bf16x8(sc + q * kBlockCols);
    const __m256 s_h = load_bf16x8(sc + q * kBlockCols + 8);
    NMTD_SCALE_ROW(0);
    NMTD_SCALE_ROW(1);
    NMTD_SCALE_ROW(2);
  }
  const int64_t col0 = block * kBlockCols;
  const int64_t cols = std::min(kBlockCols, g.n - col0);
  for (int i = 0; i < MR; ++i) {
    const float inv_s = g.x_inv_scale[row0 + i];
    float* yr = g.y + (row0 + i) * g.n + col0;
    for (int64_t j = 0; j < cols; ++j) {
      float v = sums[i][j] * inv_s;
      if (g.bias != nullptr) v += g.bias[col0 + j];
      if (g.relu) v = v > 0.0f ? v : 0.0f;
      yr[j] = v;
    }
  }
}

#undef NMTD_ACC_ROW
#undef NMTD_DOT_ROW
#undef NMTD_SCALE_ROW

}  // namespace

void gemm_i4(const I4Gemm& g, int64_t block_begin, int64_t block_end) {
  for (int64_t b = block_begin; b < block_end; ++b) {
    for (int64_t r = 0; r < g.m; r += kMaxRows) {
      switch (std::min<int64_t>(kMaxRows, g.m - r)) {
        case 1:
          tile<1>(g, r, b);
          break;
        case 2:
          tile<2>(g, r, b);
          break;
        default:
          tile<3>(g, r, b);
          break;
      }
    }
  }
}

}  // namespace nmtd::cpu::avx2

#pragma GCC pop_options
