#pragma once
// Internal to the CPU kernels: the packed weight layouts and one table of kernel entry
// points per SIMD path. ops.cc picks a table (default_isa() or the one a test asks for),
// so switching paths needs no mutable global state.
#include <cstdint>

#include "engine/cpu/ct2_arith.h"
#include "engine/cpu/isa.h"

namespace nmtd::cpu {

// Packed layouts. Both cut W[n][k] into blocks of 16 output columns (one zmm of int32 or
// float results, two ymm), zero-padded up to a multiple of 16 columns, blocks stored one
// after another so that a thread's share of columns is a single sequential stream.
//  * int8: block b = [kp/4][16][4]: the 64 bytes for k-group g hold W[b*16+j][4g+t] at
//    j*4+t, so one 64-byte load feeds one vpdpbusd (16 columns x 4 k). kp = k rounded up
//    to 4, padded with zeros.
//  * f32: block b = [k][16]: one 64-byte load per k feeds 16 columns of FMAs.
inline constexpr int64_t kBlockCols = 16;
inline constexpr int64_t kI8KGroup = 4;
inline int64_t col_blocks(int64_t n) { return (n + kBlockCols - 1) / kBlockCols; }
inline int64_t i8_padded_k(int64_t k) { return (k + kI8KGroup - 1) / kI8KGroup * kI8KGroup; }
inline int64_t i8_block_bytes(int64_t k) { return i8_padded_k(k) * kBlockCols; }
inline int64_t f32_block_floats(int64_t k) { return k * kBlockCols; }

// int4 (group-wise, symmetric): k is cut into groups of kI4Group, each with one bfloat16
// scale per column; W[c][i] ~ (nibble - 8) * scale[c][i / kI4Group]. Block b of the weights
// = [groups][kI4Group / 8][64 bytes]: byte j*4+t of chunk h of group q holds the nibble of
// W[b*16+j][q*64 + 8h + t] in its low half and of W[b*16+j][q*64 + 8h + 4 + t] in its high
// half, so one 64-byte load unpacks (and, shift) into two vpdpbusd operands of 16 columns x
// 4 k. Scales: [blocks][groups][16] bfloat16 (uint16), a second sequential stream. kp = k
// rounded up to kI4Group; the padding is nibble 8 (zero), padded columns have scale 0.
inline constexpr int64_t kI4Group = 64;
inline int64_t i4_groups(int64_t k) { return (k + kI4Group - 1) / kI4Group; }
inline int64_t i4_padded_k(int64_t k) { return i4_groups(k) * kI4Group; }
inline int64_t i4_block_bytes(int64_t k) { return i4_padded_k(k) * kBlockCols / 2; }
inline int64_t i4_block_scales(int64_t k) { return i4_groups(k) * kBlockCols; }

// An int8 product y = dequant(xq · Wqᵀ) + bias, over already quantized activations.
struct I8Gemm {
  const uint8_t* xq = nullptr;         // [m][kp]: int8 values, or u8 = int8 + 128 (u8_activations)
  const float* x_inv_scale = nullptr;  // [m]: 1 / row scale
  int64_t m = 0;
  int64_t kp = 0;
  const int8_t* w = nullptr;        // packed int8 layout above
  const float* w_scale = nullptr;   // [n]
  const int32_t* w_comp = nullptr;  // [n]: -128 * sum_k Wq[n][k]
  const float* bias = nullptr;      // [n] or null
  bool relu = false;
  float* y = nullptr;  // [m][n]
  int64_t n = 0;
};

// An int4 product over signed int8 activations. Per row and column, for each group q in
// order: acc = sum(nibble * xq) - 8 * x_group_sum[q] (exact int32), f = f + float(acc) *
// scale (a multiply then an add, never fused); then y = f * x_inv_scale (+ bias) (ReLU).
// Every path follows this order, so all agree bit for bit.
struct I4Gemm {
  const int8_t* xq = nullptr;            // [m][kp]: int8 activations, zeros past k
  const float* x_inv_scale = nullptr;    // [m]: 1 / row scale
  const int32_t* x_group_sum = nullptr;  // [m][kp / kI4Group]: sum of xq over each group
  int64_t m = 0;
  int64_t kp = 0;
  const uint8_t* w = nullptr;         // packed int4 layout above
  const uint16_t* w_scale = nullptr;  // [blocks][groups][16] bfloat16
  const float* bias = nullptr;        // [n] or null
  bool relu = false;
  float* y = nullptr;  // [m][n]
  int64_t n = 0;
};

// A float product y = x · Wᵀ + bias.
struct F32Gemm {
  const float* x = nullptr;  // [m][k]
  int64_t m = 0;
  int64_t k = 0;
  const float* w = nullptr;  // packed f32 layout above
  const float* bias = nullptr;
  bool relu = false;
  float* y = nullptr;  // [m][n]
  int64_t n = 0;
};

struct Kernels {
  Isa isa;
  // Whether gemm_i8 wants activations shifted to u8 (x + 128, compensated by w_comp).
  bool u8_activations;
  // Per row: s = 127 / max|x| (1 when 0), u = rint_even(clamp(fma(x, s, 128), 1, 255)), the
  // multiply-add fused and rounded in float as CTranslate2 does; writes u (shift) or u - 128,
  // kp bytes (zeros past k), and inv_scale[row] = 1 / s.
  void (*quantize_rows)(const float* x, int64_t rows, int64_t k, int64_t kp, bool shift,
                        uint8_t* xq, float* inv_scale);
  // Computes the output columns of column blocks [block_begin, block_end): per element
  // float(dot) * x_inv_scale[row] / w_scale[col] (+ bias, ReLU), CTranslate2's
  // dequantize_gemm_output to the bit.
  void (*gemm_i8)(const I8Gemm& g, int64_t block_begin, int64_t block_end);
  void (*gemm_i4)(const I4Gemm& g, int64_t block_begin, int64_t block_end);
  void (*gemm_f32)(const F32Gemm& g, int64_t block_begin, int64_t block_end);
  void (*layer_norm)(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                     float epsilon, float* out);
  // max of x[0..n) and sum of exp(x - max) (n > 0).
  void (*max_sumexp)(const float* x, int64_t n, float* max, double* sum);
  // x = (x - a) - b
  void (*sub2)(float* x, int64_t n, float a, float b);
  // softmax over x[0..valid), zeros in x[valid..n).
  void (*softmax_row)(float* x, int64_t n, int64_t valid);
  void (*add)(float* a, const float* b, int64_t n);
  // One head of scaled dot-product attention for one query: scores[j] = q·k_j * scale over
  // the len keys k_j = k + j * kv_stride (dh floats each), summed in `order` (ct2_arith.h's
  // ct2_dot), softmax over them as softmax_row does, out[dh] = sum_j p_j v_j with
  // v_j = v + j * kv_stride, one fused multiply-add chain per column in key order (as
  // CTranslate2's sgemm). `scores` is scratch of len floats; out may not alias the inputs.
  void (*attend)(const float* q, const float* k, const float* v, int64_t kv_stride, int64_t len,
                 int64_t dh, float scale, DotOrder order, float* scores, float* out);
};

// Runs register tiles of up to MaxRows rows over each column block in [block_begin,
// block_end): tiles[1] for a block's first row tile, which streams (and prefetches) the block
// from memory, tiles[0] for the later ones, which find it in cache. tiles[*][r] takes r + 1 rows.
template <class Gemm, int MaxRows>
void run_row_tiles(const Gemm& g, void (*const (&tiles)[2][MaxRows])(const Gemm&, int64_t, int64_t),
                   int64_t block_begin, int64_t block_end) {
  for (int64_t b = block_begin; b < block_end; ++b) {
    for (int64_t r = 0; r < g.m; r += MaxRows) {
      const int64_t rows = g.m - r < MaxRows ? g.m - r : MaxRows;
      tiles[r == 0][rows - 1](g, r, b);
    }
  }
}

// The table of a path; asking for a path the CPU cannot run returns default_isa()'s.
const Kernels& kernels_for(Isa isa);

// Entry points of each path, assembled into tables by kernels.cc.
#define NMTD_DECLARE_KERNELS(ns)                                                                   \
  namespace ns {                                                                                   \
  void quantize_rows(const float* x, int64_t rows, int64_t k, int64_t kp, bool shift, uint8_t* xq, \
                     float* inv_scale);                                                            \
  void gemm_i8(const I8Gemm& g, int64_t block_begin, int64_t block_end);                           \
  void gemm_i4(const I4Gemm& g, int64_t block_begin, int64_t block_end);                           \
  void gemm_f32(const F32Gemm& g, int64_t block_begin, int64_t block_end);                         \
  void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,  \
                  float epsilon, float* out);                                                      \
  void max_sumexp(const float* x, int64_t n, float* max, double* sum);                             \
  void sub2(float* x, int64_t n, float a, float b);                                                \
  void softmax_row(float* x, int64_t n, int64_t valid);                                            \
  void add(float* a, const float* b, int64_t n);                                                   \
  void attend(const float* q, const float* k, const float* v, int64_t kv_stride, int64_t len,      \
              int64_t dh, float scale, DotOrder order, float* scores, float* out);                 \
  }
NMTD_DECLARE_KERNELS(generic)
NMTD_DECLARE_KERNELS(avx2)
NMTD_DECLARE_KERNELS(avx512)
#undef NMTD_DECLARE_KERNELS

}  // namespace nmtd::cpu
