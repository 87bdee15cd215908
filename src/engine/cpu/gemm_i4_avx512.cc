// int4 GEMM for AVX-512 VNNI over the packed int4 layout (kernels.h). The weights are the
// unsigned operand of vpdpbusd (nibbles 0..15) and the int8 activations the signed one, so
// no activation shift is needed: the -8 of the nibble coding is folded in as -8 * sum(x)
// per group, the accumulator's starting value.
//
// A 64-byte load gives 16 columns x 8 k: and 0x0F for the first 4 k, shift and and for the
// next 4. Each group's int32 dot is scaled into a float accumulator; tiles are MR rows x NB
// column blocks, NB = 4 independent weight streams for the batch-1 (memory bound) case and
// MR = 4 x NB = 2 from 3 rows on.
// GCC 12 reports the AVX-512 intrinsics' undefined starting values as uninitialized (see
// gemm_i8_avx512.cc); the state must be set before <immintrin.h> is read.
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

constexpr int kMaxRows = 4;
constexpr int kMaxBlocks = 4;
constexpr int64_t kChunks = kI4Group / 8;
constexpr int64_t kPrefetchBytes = 256;

inline int32_t load_i32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline __m512 load_bf16x16(const uint16_t* p) {
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

// Named variables, not arrays: GCC 12 keeps unrolled vector arrays partly on the stack.
#define NMTD_F_ROW(i) \
  [[maybe_unused]] __m512 f##i##0 = fzero, f##i##1 = fzero, f##i##2 = fzero, f##i##3 = fzero
#define NMTD_ACC_ROW(i)                                                             \
  [[maybe_unused]] const __m512i init##i =                                          \
      _mm512_set1_epi32(MR > i ? -8 * g.x_group_sum[(row0 + i) * groups + q] : 0);  \
  [[maybe_unused]] __m512i c##i##0 = init##i, c##i##1 = init##i, c##i##2 = init##i, \
                           c##i##3 = init##i
#define NMTD_W(j)                                                                 \
  [[maybe_unused]] __m512i lo##j = _mm512_setzero_si512(), hi##j = lo##j;         \
  if constexpr (NB > j) {                                                         \
    const uint8_t* p = w + j * ldw + (q * kChunks + h) * 64;                      \
    _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0); \
    const __m512i v = _mm512_load_si512(p);                                       \
    lo##j = _mm512_and_si512(v, low4);                                            \
    hi##j = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);                      \
  }
#define NMTD_DOT_ROW(i)                                                                  \
  if constexpr (MR > i) {                                                                \
    const int8_t* xi = x + i * g.kp + q * kI4Group + h * 8;                              \
    const __m512i a_lo = _mm512_set1_epi32(load_i32(xi));                                \
    const __m512i a_hi = _mm512_set1_epi32(load_i32(xi + 4));                            \
    c##i##0 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(c##i##0, lo0, a_lo), hi0, a_hi);   \
    if constexpr (NB > 1)                                                                \
      c##i##1 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(c##i##1, lo1, a_lo), hi1, a_hi); \
    if constexpr (NB > 2)                                                                \
      c##i##2 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(c##i##2, lo2, a_lo), hi2, a_hi); \
    if constexpr (NB > 3)                                                                \
      c##i##3 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(c##i##3, lo3, a_lo), hi3, a_hi); \
  }
#define NMTD_SCALE_ROW(i)                                                               \
  if constexpr (MR > i) {                                                               \
    f##i##0 = _mm512_add_ps(f##i##0, _mm512_mul_ps(_mm512_cvtepi32_ps(c##i##0), s0));   \
    if constexpr (NB > 1)                                                               \
      f##i##1 = _mm512_add_ps(f##i##1, _mm512_mul_ps(_mm512_cvtepi32_ps(c##i##1), s1)); \
    if constexpr (NB > 2)                                                               \
      f##i##2 = _mm512_add_ps(f##i##2, _mm512_mul_ps(_mm512_cvtepi32_ps(c##i##2), s2)); \
    if constexpr (NB > 3)                                                               \
      f##i##3 = _mm512_add_ps(f##i##3, _mm512_mul_ps(_mm512_cvtepi32_ps(c##i##3), s3)); \
  }
#define NMTD_STORE_ROW(i)                                         \
  if constexpr (MR > i) {                                         \
    _mm512_store_ps(sums[i] + 0, f##i##0);                        \
    if constexpr (NB > 1) _mm512_store_ps(sums[i] + 16, f##i##1); \
    if constexpr (NB > 2) _mm512_store_ps(sums[i] + 32, f##i##2); \
    if constexpr (NB > 3) _mm512_store_ps(sums[i] + 48, f##i##3); \
  }

template <int MR, int NB>
void tile(const I4Gemm& g, int64_t row0, int64_t block0) {
  const int64_t groups = g.kp / kI4Group;
  const int64_t ldw = g.kp * kBlockCols / 2;
  const int64_t lds = groups * kBlockCols;
  const uint8_t* w = g.w + block0 * ldw;
  const uint16_t* sc = g.w_scale + block0 * lds;
  const int8_t* x = g.xq + row0 * g.kp;
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  const __m512 fzero = _mm512_setzero_ps();
  NMTD_F_ROW(0);
  NMTD_F_ROW(1);
  NMTD_F_ROW(2);
  NMTD_F_ROW(3);
  for (int64_t q = 0; q < groups; ++q) {
    NMTD_ACC_ROW(0);
    NMTD_ACC_ROW(1);
    NMTD_ACC_ROW(2);
    NMTD_ACC_ROW(3);
    for (int64_t h = 0; h < kChunks; ++h) {
      NMTD_W(0);
      NMTD_W(1);
      NMTD_W(2);
      NMTD_W(3);
      NMTD_DOT_ROW(0);
      NMTD_DOT_ROW(1);
      NMTD_DOT_ROW(2);
      NMTD_DOT_ROW(3);
    }
    [[maybe_unused]] const __m512 s0 = load_bf16x16(sc + q * kBlockCols);
    [[maybe_unused]] const __m512 s1 = NB > 1 ? load_bf16x16(sc + lds + q * kBlockCols) : fzero;
    [[maybe_unused]] const __m512 s2 = NB > 2 ? load_bf16x16(sc + 2 * lds + q * kBlockCols) : fzero;
    [[maybe_unused]] const __m512 s3 = NB > 3 ? load_bf16x16(sc + 3 * lds + q * kBlockCols) : fzero;
    NMTD_SCALE_ROW(0);
    NMTD_SCALE_ROW(1);
    NMTD_SCALE_ROW(2);
    NMTD_SCALE_ROW(3);
  }
  alignas(64) float sums[MR][NB * kBlockCols];
  NMTD_STORE_ROW(0);
  NMTD_STORE_ROW(1);
  NMTD_STORE_ROW(2);
  NMTD_STORE_ROW(3);
  for (int j = 0; j < NB; ++j) {
    const int64_t col = (block0 + j) * kBlockCols;
    const __mmask16 mask = tail_mask(g.n - col);
    const __m512 bias =
        g.bias != nullptr ? _mm512_maskz_loadu_ps(mask, g.bias + col) : _mm512_setzero_ps();
    for (int i = 0; i < MR; ++i) {
      __m512 v = _mm512_mul_ps(_mm512_load_ps(sums[i] + j * kBlockCols),
                               _mm512_set1_ps(g.x_inv_scale[row0 + i]));
      if (g.bias != nullptr) v = _mm512_add_ps(v, bias);
      if (g.relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
      _mm512_mask_storeu_ps(g.y + (row0 + i) * g.n + col, mask, v);
    }
  }
}

#undef NMTD_F_ROW
#undef NMTD_ACC_ROW
#undef NMTD_W
#undef NMTD_DOT_ROW
#undef NMTD_SCALE_ROW
#undef NMTD_STORE_ROW

using TileFn = void (*)(const I4Gemm&, int64_t, int64_t);

template <std::size_t... I>
constexpr std::array<TileFn, sizeof...(I)> make_tiles(std::index_sequence<I...>) {
  return {&tile<static_cast<int>(I) / kMaxBlocks + 1, static_cast<int>(I) % kMaxBlocks + 1>...};
}

// kTiles[(mr - 1) * kMaxBlocks + (nb - 1)]
constexpr std::array<TileFn, kMaxRows* kMaxBlocks> kTiles =
    make_tiles(std::make_index_sequence<kMaxRows * kMaxBlocks>{});

}  // namespace

void gemm_i4(const I4Gemm& g, int64_t block_begin, int64_t block_end) {
  // Up to 2 rows, 4 blocks (4 streams, 8 accumulators); from 3 rows on, 4 rows x 2 blocks.
  const int64_t max_rows = g.m <= 2 ? 2 : kMaxRows;
  const int64_t max_blocks = g.m <= 2 ? kMaxBlocks : 2;
  for (int64_t b = block_begin; b < block_end; b += max_blocks) {
    const int64_t nb = std::min(max_blocks, block_end - b);
    for (int64_t r = 0; r < g.m; r += max_rows) {
      const int64_t mr = std::min(max_rows, g.m - r);
      kTiles[(mr - 1) * kMaxBlocks + (nb - 1)](g, r, b);
    }
  }
}

}  // namespace nmtd::cpu::avx512

#pragma GCC pop_options
