// float32 GEMM for AVX2 + FMA over the packed [k][16] blocks: up to 6 rows x 16 columns
// (12 ymm accumulators, 2 weight vectors, 1 broadcast: the classic 6x16 register tile).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2")

namespace nmtd::cpu::avx2 {

namespace {

constexpr int kMaxRows = 6;
constexpr int64_t kPrefetchBytes = 128;

// Named accumulators: GCC 12 spills unrolled arrays of vectors.
#define NMTD_ACC_ROW(i) [[maybe_unused]] __m256 c##i##l = zero, c##i##h = zero
#define NMTD_FMA_ROW(i)                                     \
  if constexpr (MR > i) {                                   \
    const __m256 a = _mm256_broadcast_ss(x + i * g.k + kk); \
    c##i##l = _mm256_fmadd_ps(a, lo, c##i##l);              \
    c##i##h = _mm256_fmadd_ps(a, hi, c##i##h);              \
  }
#define NMTD_STORE_ROW(i)                  \
  if constexpr (MR > i) {                  \
    _mm256_store_ps(sums[i], c##i##l);     \
    _mm256_store_ps(sums[i] + 8, c##i##h); \
  }

template <int MR, bool kPrefetch>
void tile(const F32Gemm& g, int64_t row0, int64_t block) {
  const float* x = g.x + row0 * g.k;
  const float* w = g.w + block * f32_block_floats(g.k);
  const __m256 zero = _mm256_setzero_ps();
  NMTD_ACC_ROW(0);
  NMTD_ACC_ROW(1);
  NMTD_ACC_ROW(2);
  NMTD_ACC_ROW(3);
  NMTD_ACC_ROW(4);
  NMTD_ACC_ROW(5);
  for (int64_t kk = 0; kk < g.k; ++kk) {
    const float* p = w + kk * kBlockCols;
    if constexpr (kPrefetch)
      _mm_prefetch(reinterpret_cast<const char*>(p) + kPrefetchBytes, _MM_HINT_T0);
    const __m256 lo = _mm256_load_ps(p);
    const __m256 hi = _mm256_load_ps(p + 8);
    NMTD_FMA_ROW(0);
    NMTD_FMA_ROW(1);
    NMTD_FMA_ROW(2);
    NMTD_FMA_ROW(3);
    NMTD_FMA_ROW(4);
    NMTD_FMA_ROW(5);
  }
  alignas(32) float sums[MR][kBlockCols];
  NMTD_STORE_ROW(0);
  NMTD_STORE_ROW(1);
  NMTD_STORE_ROW(2);
  NMTD_STORE_ROW(3);
  NMTD_STORE_ROW(4);
  NMTD_STORE_ROW(5);
  const int64_t col = block * kBlockCols;
  const int64_t cols = std::min(kBlockCols, g.n - col);
  for (int i = 0; i < MR; ++i) {
    float* y = g.y + (row0 + i) * g.n + col;
    for (int64_t j = 0; j < cols; ++j) {
      float v = sums[i][j];
      if (g.bias != nullptr) v += g.bias[col + j];
      if (g.relu) v = v > 0.0f ? v : 0.0f;
      y[j] = v;
    }
  }
}

#undef NMTD_ACC_ROW
#undef NMTD_FMA_ROW
#undef NMTD_STORE_ROW

using TileFn = void (*)(const F32Gemm&, int64_t, int64_t);
constexpr TileFn kTiles[2][kMaxRows] = {{&tile<1, false>, &tile<2, false>, &tile<3, false>,
                                         &tile<4, false>, &tile<5, false>, &tile<6, false>},
                                        {&tile<1, true>, &tile<2, true>, &tile<3, true>,
                                         &tile<4, true>, &tile<5, true>, &tile<6, true>}};

}  // namespace

void gemm_f32(const F32Gemm& g, int64_t block_begin, int64_t block_end) {
  run_row_tiles(g, kTiles, block_begin, block_end);
}

}  // namespace nmtd::cpu::avx2

#pragma GCC pop_options
