// float32 GEMM for AVX-512: FMA over the packed [k][16] column blocks (kernels.h).
// Same tiling as the int8 kernel: NB = 4 column blocks per tile when m <= 4 (a stream over
// the weights), an 8 x 48 register tile otherwise, each weight slab reused by every row tile
// while it sits in L2. The broadcast of x folds into the FMA's memory operand.
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() (`__m512 __Y = __Y;`), which
// it then reports as uninitialized (GCC PR105593, fixed in 12.3). The state must be set
// before <immintrin.h> is read, because the warning points into that header.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,bmi,bmi2")

#include "engine/cpu/avx512_mask.h"

namespace nmtd::cpu::avx512 {

namespace {

constexpr int kMaxRows = 8;
constexpr int kMaxBlocks = 4;
constexpr int64_t kPrefetchBytes = 128;

// Accumulators are named variables, not an array: GCC 12 keeps an unrolled array of
// vectors partly on the stack (see gemm_i8_avx512.cc).
#define NMTD_ACC_ROW(i) \
  [[maybe_unused]] __m512 c##i##0 = zero, c##i##1 = zero, c##i##2 = zero, c##i##3 = zero
#define NMTD_FMA_ROW(i)                                              \
  if constexpr (MR > i) {                                            \
    const __m512 a = _mm512_set1_ps(x[i * g.k + kk]);                \
    c##i##0 = _mm512_fmadd_ps(a, b0, c##i##0);                       \
    if constexpr (NB > 1) c##i##1 = _mm512_fmadd_ps(a, b1, c##i##1); \
    if constexpr (NB > 2) c##i##2 = _mm512_fmadd_ps(a, b2, c##i##2); \
    if constexpr (NB > 3) c##i##3 = _mm512_fmadd_ps(a, b3, c##i##3); \
  }
#define NMTD_STORE_ROW(i)                                         \
  if constexpr (MR > i) {                                         \
    _mm512_store_ps(sums[i] + 0, c##i##0);                        \
    if constexpr (NB > 1) _mm512_store_ps(sums[i] + 16, c##i##1); \
    if constexpr (NB > 2) _mm512_store_ps(sums[i] + 32, c##i##2); \
    if constexpr (NB > 3) _mm512_store_ps(sums[i] + 48, c##i##3); \
  }

template <int NB, bool kPrefetch>
inline __m512 load_w(const float* w, int64_t ldw, int j, int64_t kk) {
  if (j >= NB) return _mm512_setzero_ps();
  const float* p = w + j * ldw + kk * kBlockCols;
  if constexpr (kPrefetch) {
    _mm_prefetch(reinterpret_cast<const char*>(p) + kPrefetchBytes, _MM_HINT_T0);
  }
  return _mm512_load_ps(p);
}

template <int MR, int NB, bool kPrefetch>
void tile(const F32Gemm& g, int64_t row0, int64_t block0) {
  const int64_t ldw = f32_block_floats(g.k);
  const float* x = g.x + row0 * g.k;
  const float* w = g.w + block0 * ldw;
  const __m512 zero = _mm512_setzero_ps();
  NMTD_ACC_ROW(0);
  NMTD_ACC_ROW(1);
  NMTD_ACC_ROW(2);
  NMTD_ACC_ROW(3);
  NMTD_ACC_ROW(4);
  NMTD_ACC_ROW(5);
  NMTD_ACC_ROW(6);
  NMTD_ACC_ROW(7);
  for (int64_t kk = 0; kk < g.k; ++kk) {
    const __m512 b0 = load_w<NB, kPrefetch>(w, ldw, 0, kk);
    const __m512 b1 = load_w<NB, kPrefetch>(w, ldw, 1, kk);
    const __m512 b2 = load_w<NB, kPrefetch>(w, ldw, 2, kk);
    const __m512 b3 = load_w<NB, kPrefetch>(w, ldw, 3, kk);
    NMTD_FMA_ROW(0);
    NMTD_FMA_ROW(1);
    NMTD_FMA_ROW(2);
    NMTD_FMA_ROW(3);
    NMTD_FMA_ROW(4);
    NMTD_FMA_ROW(5);
    NMTD_FMA_ROW(6);
    NMTD_FMA_ROW(7);
  }
  alignas(64) float sums[MR][NB * kBlockCols];
  NMTD_STORE_ROW(0);
  NMTD_STORE_ROW(1);
  NMTD_STORE_ROW(2);
  NMTD_STORE_ROW(3);
  NMTD_STORE_ROW(4);
  NMTD_STORE_ROW(5);
  NMTD_STORE_ROW(6);
  NMTD_STORE_ROW(7);
  for (int j = 0; j < NB; ++j) {
    const int64_t col = (block0 + j) * kBlockCols;
    const __mmask16 mask = tail_mask(g.n - col);
    const __m512 bias =
        g.bias != nullptr ? _mm512_maskz_loadu_ps(mask, g.bias + col) : _mm512_setzero_ps();
    for (int i = 0; i < MR; ++i) {
      __m512 v = _mm512_load_ps(sums[i] + j * kBlockCols);
      if (g.bias != nullptr) v = _mm512_add_ps(v, bias);
      if (g.relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
      _mm512_mask_storeu_ps(g.y + (row0 + i) * g.n + col, mask, v);
    }
  }
}

#undef NMTD_ACC_ROW
#undef NMTD_FMA_ROW
#undef NMTD_STORE_ROW

using TileFn = void (*)(const F32Gemm&, int64_t, int64_t);

template <bool kPrefetch, std::size_t... I>
constexpr std::array<TileFn, sizeof...(I)> make_tiles(std::index_sequence<I...>) {
  return {&tile<static_cast<int>(I) / kMaxBlocks + 1, static_cast<int>(I) % kMaxBlocks + 1,
                kPrefetch>...};
}

constexpr std::array<std::array<TileFn, kMaxRows * kMaxBlocks>, 2> kTiles = {
    make_tiles<false>(std::make_index_sequence<kMaxRows * kMaxBlocks>{}),
    make_tiles<true>(std::make_index_sequence<kMaxRows * kMaxBlocks>{})};

}  // namespace

void gemm_f32(const F32Gemm& g, int64_t block_begin, int64_t block_end) {
  const int64_t max_blocks = g.m <= 4 ? 4 : 3;
  for (int64_t b = block_begin; b < block_end; b += max_blocks) {
    const int64_t nb = std::min(max_blocks, block_end - b);
    for (int64_t r = 0; r < g.m; r += kMaxRows) {
      const int64_t mr = std::min<int64_t>(kMaxRows, g.m - r);
      kTiles[r == 0][(mr - 1) * kMaxBlocks + (nb - 1)](g, r, b);
    }
  }
}

}  // namespace nmtd::cpu::avx512

#pragma GCC pop_options
