// int8 GEMM for AVX2 (no VNNI) over the shared packed layout (kernels.h), 16 columns as two
// ymm halves of 8 columns x 4 k.
//
// vpmaddubsw multiplies u8 by s8 and adds pairs into a *saturating* int16, so the obvious
// u8-shifted activations (up to 255 x 127 x 2 = 64770) would clip. Instead the activations
// stay signed and the signs move onto them: maddubs(|w|, sign(x, w)) = x * w, with |w| <= 128
// read as unsigned and |x| <= 127, so a pair is at most 2 x 128 x 127 = 32512: exact. vpmaddwd
// against ones then widens the pairs to int32 (also exact).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2")

namespace nmtd::cpu::avx2 {

namespace {

constexpr int kMaxRows = 4;
constexpr int64_t kPrefetchBytes = 128;

inline int32_t load_u32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline __m256i dot4(__m256i acc, __m256i abs_w, __m256i w, __m256i x, __m256i ones) {
  const __m256i pairs = _mm256_maddubs_epi16(abs_w, _mm256_sign_epi8(x, w));
  return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
}

// Named accumulators (lo/hi 8 columns per row): GCC 12 spills unrolled vector arrays.
#define NMTD_ACC_ROW(i) [[maybe_unused]] __m256i c##i##l = zero, c##i##h = zero
#define NMTD_DOT_ROW(i)                                                          \
  if constexpr (MR > i) {                                                        \
    const __m256i a = _mm256_set1_epi32(load_u32(x + i * g.kp + q * kI8KGroup)); \
    c##i##l = dot4(c##i##l, abs_lo, lo, a, ones);                                \
    c##i##h = dot4(c##i##h, abs_hi, hi, a, ones);                                \
  }
#define NMTD_STORE_ROW(i)                                                 \
  if constexpr (MR > i) {                                                 \
    _mm256_store_si256(reinterpret_cast<__m256i*>(dots[i]), c##i##l);     \
    _mm256_store_si256(reinterpret_cast<__m256i*>(dots[i] + 8), c##i##h); \
  }

// MR rows x one 16-column block over the whole k, then the epilogue.
template <int MR, bool kPrefetch>
void tile(const I8Gemm& g, int64_t row0, int64_t block) {
  const int64_t groups = g.kp / kI8KGroup;
  const uint8_t* x = g.xq + row0 * g.kp;
  const int8_t* w = g.w + block * g.kp * kBlockCols;
  const __m256i zero = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  NMTD_ACC_ROW(0);
  NMTD_ACC_ROW(1);
  NMTD_ACC_ROW(2);
  NMTD_ACC_ROW(3);
  for (int64_t q = 0; q < groups; ++q) {
    const int8_t* p = w + q * 64;
    if constexpr (kPrefetch)
      _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0);
    const __m256i lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 32));
    const __m256i abs_lo = _mm256_abs_epi8(lo);  // -128 -> 0x80, read as u8 128
    const __m256i abs_hi = _mm256_abs_epi8(hi);
    NMTD_DOT_ROW(0);
    NMTD_DOT_ROW(1);
    NMTD_DOT_ROW(2);
    NMTD_DOT_ROW(3);
  }
  alignas(32) int32_t dots[MR][kBlockCols];
  NMTD_STORE_ROW(0);
  NMTD_STORE_ROW(1);
  NMTD_STORE_ROW(2);
  NMTD_STORE_ROW(3);
  // y = float(C) * inv_s / w_scale + bias, in the reference's order; staged through a
  // 16-float buffer so that the tail block needs no masked stores.
  const int64_t col = block * kBlockCols;
  const int64_t cols = std::min(kBlockCols, g.n - col);
  alignas(32) float w_scale[kBlockCols];
  alignas(32) float bias[kBlockCols] = {};
  for (int64_t j = 0; j < kBlockCols; ++j) w_scale[j] = 1.0f;
  std::memcpy(w_scale, g.w_scale + col, static_cast<std::size_t>(cols) * sizeof(float));
  if (g.bias != nullptr)
    std::memcpy(bias, g.bias + col, static_cast<std::size_t>(cols) * sizeof(float));
  for (int i = 0; i < MR; ++i) {
    const __m256 inv_s = _mm256_set1_ps(g.x_inv_scale[row0 + i]);
    alignas(32) float out[kBlockCols];
    for (int h = 0; h < 2; ++h) {
      const __m256 c =
          _mm256_cvtepi32_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(dots[i] + 8 * h)));
      __m256 v = _mm256_div_ps(_mm256_mul_ps(c, inv_s), _mm256_load_ps(w_scale + 8 * h));
      if (g.bias != nullptr) v = _mm256_add_ps(v, _mm256_load_ps(bias + 8 * h));
      if (g.relu) v = _mm256_max_ps(v, _mm256_setzero_ps());
      _mm256_store_ps(out + 8 * h, v);
    }
    std::memcpy(g.y + (row0 + i) * g.n + col, out, static_cast<std::size_t>(cols) * sizeof(float));
  }
}

#undef NMTD_ACC_ROW
#undef NMTD_DOT_ROW
#undef NMTD_STORE_ROW

using TileFn = void (*)(const I8Gemm&, int64_t, int64_t);
constexpr TileFn kTiles[2][kMaxRows] = {
    {&tile<1, false>, &tile<2, false>, &tile<3, false>, &tile<4, false>},
    {&tile<1, true>, &tile<2, true>, &tile<3, true>, &tile<4, true>}};

}  // namespace

void quantize_rows(const float* x, int64_t rows, int64_t k, int64_t kp, bool shift, uint8_t* xq,
                   float* inv_scale) {
  // The float work is cheap next to the GEMM; the generic loop is exact and shared.
  generic::quantize_rows(x, rows, k, kp, shift, xq, inv_scale);
}

void gemm_i8(const I8Gemm& g, int64_t block_begin, int64_t block_end) {
  run_row_tiles(g, kTiles, block_begin, block_end);
}

}  // namespace nmtd::cpu::avx2

#pragma GCC pop_options
