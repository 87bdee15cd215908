// Weight packing (runs once at model load) and row reads from the packed layouts.
// The layouts are described in kernels.h; every SIMD path reads the same one, so a packed
// weight is independent of the path that later multiplies it.
#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "engine/cpu/kernels.h"
#include "engine/ops/ops.h"

namespace nmtd::ops {

namespace {

using cpu::kBlockCols;
using cpu::kI8KGroup;

void pack_i8_block(const int8_t* w, int64_t n, int64_t k, int64_t block, int8_t* dst,
                   int32_t* comp) {
  const int64_t full_groups = k / kI8KGroup;
  const int64_t rows = std::min(kBlockCols, n - block * kBlockCols);
  // Zero the block here, in the packing thread, rather than the whole buffer up front: the
  // padding (k beyond a multiple of 4, columns beyond n) must read as zero.
  std::memset(dst, 0, static_cast<std::size_t>(cpu::i8_block_bytes(k)));
  for (int64_t j = 0; j < rows; ++j) {
    const int8_t* src = w + (block * kBlockCols + j) * k;
    int8_t* d = dst + j * kI8KGroup;
    // Rows are read sequentially; the writes stride by 64 bytes inside a block that stays in
    // L2 (16 * kp bytes), which is cheaper than 16 interleaved read streams.
    for (int64_t g = 0; g < full_groups; ++g) {
      std::memcpy(d + g * kI8KGroup * kBlockCols, src + g * kI8KGroup, kI8KGroup);
    }
    const int64_t tail = k - full_groups * kI8KGroup;
    if (tail > 0) {
      std::memcpy(d + full_groups * kI8KGroup * kBlockCols, src + full_groups * kI8KGroup,
                  static_cast<std::size_t>(tail));
    }
    int32_t sum = 0;
    for (int64_t i = 0; i < k; ++i) sum += src[i];
    comp[block * kBlockCols + j] = -128 * sum;
  }
}

void pack_f32_block(const float* w, int64_t n, int64_t k, int64_t block, float* dst) {
  const int64_t rows = std::min(kBlockCols, n - block * kBlockCols);
  std::memset(dst, 0, static_cast<std::size_t>(cpu::f32_block_floats(k)) * sizeof(float));
  for (int64_t j = 0; j < rows; ++j) {
    const float* src = w + (block * kBlockCols + j) * k;
    for (int64_t i = 0; i < k; ++i) dst[i * kBlockCols + j] = src[i];
  }
}

void check_shape(int64_t n, int64_t k) {
  if (n <= 0 || k <= 0) throw Error("pack: empty weight shape");
}

}  // namespace

namespace detail {
void read_row_i4(const PackedWeight& w, int64_t row, float* out);  // pack_i4.cc
}  // namespace detail

PackedWeight pack_i8(const int8_t* w, const float* scale, int64_t n, int64_t k, ThreadPool& pool) {
  check_shape(n, k);
  PackedWeight p;
  p.dtype = DType::kI8;
  p.rows = n;
  p.cols = k;
  const int64_t blocks = cpu::col_blocks(n);
  const int64_t block_bytes = cpu::i8_block_bytes(k);
  p.data = AlignedBuffer(static_cast<std::size_t>(blocks * block_bytes),
                         AlignedBuffer::Uninitialized{});  // each block zeroed as packed
  p.scale.assign(scale, scale + n);
  p.compensation.assign(static_cast<std::size_t>(n), 0);
  int8_t* dst = p.data.as<int8_t>();
  int32_t* comp = p.compensation.data();
  pool.parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) pack_i8_block(w, n, k, b, dst + b * block_bytes, comp);
  });
  return p;
}

PackedWeight pack_f32(const float* w, int64_t n, int64_t k, ThreadPool& pool) {
  check_shape(n, k);
  PackedWeight p;
  p.dtype = DType::kF32;
  p.rows = n;
  p.cols = k;
  const int64_t blocks = cpu::col_blocks(n);
  const int64_t block_floats = cpu::f32_block_floats(k);
  p.data = AlignedBuffer(static_cast<std::size_t>(blocks * block_floats) * sizeof(float),
                         AlignedBuffer::Uninitialized{});
  float* dst = p.data.as<float>();
  pool.parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) pack_f32_block(w, n, k, b, dst + b * block_floats);
  });
  return p;
}

void read_row(const PackedWeight& w, int64_t row, float* out) {
  if (row < 0 || row >= w.rows) throw Error("read_row: row out of range");
  const int64_t k = w.cols;
  const int64_t block = row / kBlockCols;
  const int64_t j = row % kBlockCols;
  if (w.dtype == DType::kI8) {
    const int8_t* src = w.data.as<int8_t>() + block * cpu::i8_block_bytes(k) + j * kI8KGroup;
    // As CTranslate2's Embeddings: multiply by the reciprocal of the row scale.
    const float inv = 1.0f / w.scale[static_cast<std::size_t>(row)];
    for (int64_t i = 0; i < k; ++i) {
      const int8_t q = src[(i / kI8KGroup) * kI8KGroup * kBlockCols + i % kI8KGroup];
      out[i] = static_cast<float>(q) * inv;
    }
    return;
  }
  if (w.dtype == DType::kI4) return detail::read_row_i4(w, row, out);
  if (w.dtype != DType::kF32) throw Error("read_row: unsupported packed dtype");
  const float* src = w.data.as<float>() + block * cpu::f32_block_floats(k) + j;
  for (int64_t i = 0; i < k; ++i) out[i] = src[i * kBlockCols];
}

}  // namespace nmtd::ops
