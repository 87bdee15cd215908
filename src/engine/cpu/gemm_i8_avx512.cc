// int8 GEMM for AVX-512 VNNI: u8 activations x s8 weights with vpdpbusd, 16 columns x 4 k
// per instruction, straight from the packed layout (kernels.h).
//
// Register tiles are MR rows x NB column blocks of 16. At m <= 4 (decoding) the product is
// a stream over the weights and NB = 4 gives four independent streams and accumulator
// chains; from m > 4 on it is compute bound and an 8 x 48 tile (24 accumulators, 3 weight
// vectors, 1 broadcast) reuses each weight load 8 times and each broadcast 3 times. A
// thread walks its column blocks NB at a time and runs every row tile over them while that
// weight slab (NB * 16 * kp bytes) is still in L2.
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() (`__m512 __Y = __Y;`), which
// it then reports as uninitialized (GCC PR105593, fixed in 12.3). The state must be set
// before <immintrin.h> is read, because the warning points into that header.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "engine/cpu/kernels.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,bmi,bmi2")

#include "engine/cpu/avx512_mask.h"

namespace nmtd::cpu::avx512 {

namespace {

constexpr int kMaxRows = 8;
constexpr int kMaxBlocks = 4;
// How far ahead of the current k-group the weight streams are prefetched, in bytes. The
// hardware stream prefetcher does the far work; a short software distance measured ~10%
// faster at m = 1 than none or than 1 KiB ahead (which was slowest).
constexpr int64_t kPrefetchBytes = 128;

inline int32_t load_u32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Accumulators are named variables (c<row><block>), not an array: GCC 12 keeps an unrolled
// array of vectors partly on the stack and copies it every iteration, which costs ~5x here.
#define NMTD_ACC_ROW(i) \
  [[maybe_unused]] __m512i c##i##0 = zero, c##i##1 = zero, c##i##2 = zero, c##i##3 = zero
#define NMTD_DOT_ROW(i)                                                          \
  if constexpr (MR > i) {                                                        \
    const __m512i a = _mm512_set1_epi32(load_u32(x + i * g.kp + q * kI8KGroup)); \
    c##i##0 = _mm512_dpbusd_epi32(c##i##0, a, b0);                               \
    if constexpr (NB > 1) c##i##1 = _mm512_dpbusd_epi32(c##i##1, a, b1);         \
    if constexpr (NB > 2) c##i##2 = _mm512_dpbusd_epi32(c##i##2, a, b2);         \
    if constexpr (NB > 3) c##i##3 = _mm512_dpbusd_epi32(c##i##3, a, b3);         \
  }
#define NMTD_STORE_ROW(i)                                            \
  if constexpr (MR > i) {                                            \
    _mm512_store_si512(dots[i] + 0, c##i##0);                        \
    if constexpr (NB > 1) _mm512_store_si512(dots[i] + 16, c##i##1); \
    if constexpr (NB > 2) _mm512_store_si512(dots[i] + 32, c##i##2); \
    if constexpr (NB > 3) _mm512_store_si512(dots[i] + 48, c##i##3); \
  }

// Loads the weight vector of block j at k-group q (zero for blocks past the tile), with a
// prefetch of the same stream kPrefetchBytes ahead.
template <int NB, bool kPrefetch>
inline __m512i load_w(const int8_t* w, int64_t ldw, int j, int64_t q) {
  if (j >= NB) return _mm512_setzero_si512();
  const int8_t* p = w + j * ldw + q * 64;
  if constexpr (kPrefetch) {
    _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0);
  }
  return _mm512_load_si512(p);
}

// A share of the next column group's weights for a tile to prefetch into L2 as it goes.
struct NextSlab {
  const int8_t* p = nullptr;
  int64_t lines = 0;  // 64-byte lines
};

// One MR x (NB*16) tile over the whole k, then the dequantizing epilogue. kPrefetch is set
// when this tile is the one that brings its weights from memory (in-stream prefetch);
// `next` spreads the next group's DRAM traffic over the tiles that run from L2.
template <int MR, int NB, bool kPrefetch>
void tile(const I8Gemm& g, int64_t row0, int64_t block0, NextSlab next) {
  const int64_t groups = g.kp / kI8KGroup;
  const int64_t ldw = g.kp * kBlockCols;
  const uint8_t* x = g.xq + row0 * g.kp;
  const int8_t* w = g.w + block0 * ldw;
  const __m512i zero = _mm512_setzero_si512();
  NMTD_ACC_ROW(0);
  NMTD_ACC_ROW(1);
  NMTD_ACC_ROW(2);
  NMTD_ACC_ROW(3);
  NMTD_ACC_ROW(4);
  NMTD_ACC_ROW(5);
  NMTD_ACC_ROW(6);
  NMTD_ACC_ROW(7);
  for (int64_t q = 0; q < groups; ++q) {
    const __m512i b0 = load_w<NB, kPrefetch>(w, ldw, 0, q);
    const __m512i b1 = load_w<NB, kPrefetch>(w, ldw, 1, q);
    const __m512i b2 = load_w<NB, kPrefetch>(w, ldw, 2, q);
    const __m512i b3 = load_w<NB, kPrefetch>(w, ldw, 3, q);
    for (int64_t l = q; l < next.lines; l += groups) {
      _mm_prefetch(reinterpret_cast<const char*>(next.p + l * 64), _MM_HINT_T1);
    }
    NMTD_DOT_ROW(0);
    NMTD_DOT_ROW(1);
    NMTD_DOT_ROW(2);
    NMTD_DOT_ROW(3);
    NMTD_DOT_ROW(4);
    NMTD_DOT_ROW(5);
    NMTD_DOT_ROW(6);
    NMTD_DOT_ROW(7);
  }
  alignas(64) int32_t dots[MR][NB * kBlockCols];
  NMTD_STORE_ROW(0);
  NMTD_STORE_ROW(1);
  NMTD_STORE_ROW(2);
  NMTD_STORE_ROW(3);
  NMTD_STORE_ROW(4);
  NMTD_STORE_ROW(5);
  NMTD_STORE_ROW(6);
  NMTD_STORE_ROW(7);
  // y = float(C + comp) * inv_s / w_scale + bias, in the reference's order of operations.
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int j = 0; j < NB; ++j) {
    const int64_t col = (block0 + j) * kBlockCols;
    const __mmask16 mask = tail_mask(g.n - col);
    const __m512 w_scale = _mm512_mask_loadu_ps(one, mask, g.w_scale + col);
    const __m512i comp = _mm512_maskz_loadu_epi32(mask, g.w_comp + col);
    const __m512 bias =
        g.bias != nullptr ? _mm512_maskz_loadu_ps(mask, g.bias + col) : _mm512_setzero_ps();
    for (int i = 0; i < MR; ++i) {
      const __m512 inv_s = _mm512_set1_ps(g.x_inv_scale[row0 + i]);
      const __m512i c = _mm512_add_epi32(_mm512_load_si512(dots[i] + j * kBlockCols), comp);
      __m512 v = _mm512_div_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(c), inv_s), w_scale);
      if (g.bias != nullptr) v = _mm512_add_ps(v, bias);
      if (g.relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
      _mm512_mask_storeu_ps(g.y + (row0 + i) * g.n + col, mask, v);
    }
  }
}

#undef NMTD_ACC_ROW
#undef NMTD_DOT_ROW
#undef NMTD_STORE_ROW

using TileFn = void (*)(const I8Gemm&, int64_t, int64_t, NextSlab);

template <bool kPrefetch, std::size_t... I>
constexpr std::array<TileFn, sizeof...(I)> make_tiles(std::index_sequence<I...>) {
  return {&tile<static_cast<int>(I) / kMaxBlocks + 1, static_cast<int>(I) % kMaxBlocks + 1,
                kPrefetch>...};
}

// tiles[prefetch][(mr - 1) * kMaxBlocks + (nb - 1)]
constexpr std::array<std::array<TileFn, kMaxRows * kMaxBlocks>, 2> kTiles = {
    make_tiles<false>(std::make_index_sequence<kMaxRows * kMaxBlocks>{}),
    make_tiles<true>(std::make_index_sequence<kMaxRows * kMaxBlocks>{})};

}  // namespace

void quantize_rows(const float* x, int64_t rows, int64_t k, int64_t kp, bool shift, uint8_t* xq,
                   float* inv_scale) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * k;
    uint8_t* qr = xq + r * kp;
    __m512 vmax = _mm512_setzero_ps();
    for (int64_t i = 0; i < k; i += 16) {
      const __m512 v = _mm512_maskz_loadu_ps(tail_mask(k - i), xr + i);
      vmax = _mm512_max_ps(vmax, _mm512_abs_ps(v));
    }
    const float amax = _mm512_reduce_max_ps(vmax);
    const float s = amax == 0.0f ? 1.0f : 127.0f / amax;
    inv_scale[r] = 1.0f / s;
    const __m512 vs = _mm512_set1_ps(s);
    const __m512 lo = _mm512_set1_ps(1.0f);
    const __m512 hi = _mm512_set1_ps(255.0f);
    const __m512 bias = _mm512_set1_ps(128.0f);
    const __m512i unshift = _mm512_set1_epi32(shift ? 0 : 128);
    for (int64_t i = 0; i < k; i += 16) {
      const __mmask16 m = tail_mask(k - i);
      // x*s + 128 fused and rounded as a float before the conversion, as CTranslate2 does
      // (see generic).
      __m512 v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, xr + i), vs, bias);
      v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);  // as the generic clamp, NaN -> -127
      // vcvtps2dq rounds with MXCSR's default mode: to nearest, ties to even.
      const __m512i q = _mm512_sub_epi32(_mm512_cvtps_epi32(v), unshift);
      _mm512_mask_cvtepi32_storeu_epi8(qr + i, m, q);
    }
    std::memset(qr + k, 0, static_cast<std::size_t>(kp - k));
  }
}

void gemm_i8(const I8Gemm& g, int64_t block_begin, int64_t block_end) {
  const int64_t max_blocks = g.m <= 4 ? 4 : 3;
  const int64_t tiles = (g.m + kMaxRows - 1) / kMaxRows;
  const int64_t ldw = g.kp * kBlockCols;
  for (int64_t b = block_begin; b < block_end; b += max_blocks) {
    const int64_t nb = std::min(max_blocks, block_end - b);
    // With several row tiles, only the first group streams from memory in-line: later groups
    // were prefetched, a slice per tile, while the previous group ran from L2.
    const bool stream = tiles == 1 || b == block_begin;
    const int64_t next_blocks = std::min(max_blocks, block_end - (b + nb));
    const int64_t next_lines = tiles > 1 && next_blocks > 0 ? next_blocks * ldw / 64 : 0;
    const int64_t per_tile = (next_lines + tiles - 1) / tiles;
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t r = t * kMaxRows;
      const int64_t mr = std::min<int64_t>(kMaxRows, g.m - r);
      NextSlab next;
      next.p = g.w + (b + nb) * ldw + t * per_tile * 64;
      next.lines = std::clamp<int64_t>(next_lines - t * per_tile, 0, per_tile);
      kTiles[r == 0 && stream][(mr - 1) * kMaxBlocks + (nb - 1)](g, r, b, next);
    }
  }
}

}  // namespace nmtd::cpu::avx512

#pragma GCC pop_options
