#pragma once
// Device-neutral operations used by the network layers. Bodies live in engine/cpu/ (and
// engine/cuda/ when built). Every op has a plain reference loop in tests/unit/ops_test.cc.
#include <cstdint>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/thread_pool.h"
#include "engine/dtype.h"

namespace nmtd::ops {

// A linear weight W[rows=n][cols=k] prepared once at load for y = x · Wᵀ. The data layout
// is private to the kernels (it may be repacked for the SIMD width of this CPU).
struct PackedWeight {
  DType dtype = DType::kF32;  // kF32, kI8 or kI4
  int64_t rows = 0;           // n: output features
  int64_t cols = 0;           // k: input features
  AlignedBuffer data;
  std::vector<float> scale;           // int8: per-row scale as stored (W ≈ Wq / scale)
  std::vector<int32_t> compensation;  // int8: per-row term for the u8-shifted activations
  AlignedBuffer group_scale;          // int4: bfloat16 scales per group of k, in kernel order

  std::size_t bytes() const {
    return data.size() + scale.size() * 4 + compensation.size() * 4 + group_scale.size();
  }
};

// Packs float32 weights (row-major [n][k]).
PackedWeight pack_f32(const float* w, int64_t n, int64_t k, ThreadPool& pool);
// Packs int8 weights (row-major [n][k]) with their per-row scales.
PackedWeight pack_i8(const int8_t* w, const float* scale, int64_t n, int64_t k, ThreadPool& pool);

// Packs int4 weights as stored in model.bin (docs/model-format.md): `nibbles` row-major
// [n][ceil(k/2)], element i of a row in the low (even i) or high (odd i) half of byte i/2,
// coding q + 8; `scales` bfloat16 [n][ceil(k/64)], W[r][i] = q * scales[r][i/64].
PackedWeight pack_i4(const uint8_t* nibbles, const uint16_t* scales, int64_t n, int64_t k,
                     ThreadPool& pool);
// The group size of int4 weights along k (one scale per row per group).
int64_t int4_group_size();

// Copies row `row` of W, dequantized to float32, to out[k] (embedding lookup).
void read_row(const PackedWeight& w, int64_t row, float* out);

// y[m][n] = x[m][k] · Wᵀ (+ bias[n]) (then ReLU when `relu`). With int8 weights, x is
// quantized per row as CTranslate2 does (scale 127/amax(row), round half to even, scale 1
// when the row is all zero) and y = int32 dot / (x_scale · w_scale) + bias. With int4
// weights, x is quantized the same way and y = sum over groups of (int32 group dot ·
// group scale) / x_scale + bias.
void linear(const float* x, int64_t m, const PackedWeight& w, const float* bias, bool relu,
            float* y, ThreadPool& pool);

// What linear() needs besides its output (the int8 path's quantized activations and row
// scales), kept by a caller that runs many products: after reserve(rows, k), a linear of at
// most `rows` rows of at most `k` input features allocates nothing. It grows if needed.
struct LinearScratch {
  AlignedBuffer quantized;
  std::vector<float> inv_scale;
  std::vector<int32_t> group_sum;  // int4: sum of each row's quantized activations per group
  void reserve(int64_t rows, int64_t k);
};
void linear(const float* x, int64_t m, const PackedWeight& w, const float* bias, bool relu,
            float* y, ThreadPool& pool, LinearScratch& scratch);

// out[i] = LayerNorm(x[i]) * gamma + beta over rows of width d (biased variance).
void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                float epsilon, float* out);

// In place, per row of width n: x = log_softmax(x).
void log_softmax(float* x, int64_t rows, int64_t n, ThreadPool& pool);

// In place, per row of width n: x = softmax(x), ignoring (zeroing) columns >= valid[row].
void softmax_rows(float* x, int64_t rows, int64_t n, const int32_t* valid);

// a[i] += b[i]
void add_inplace(float* a, const float* b, int64_t n);

// Which SIMD path the kernels dispatched to on this CPU ("avx512-vnni", "avx2", "generic").
const char* kernel_isa();

}  // namespace nmtd::ops
