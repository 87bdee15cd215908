// Packing int4 weights (once, at model load) from their model.bin form into the kernels'
// layout (kernels.h), and reading a row back (embedding lookup of a tied projection).
#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "engine/cpu/kernels.h"
#include "engine/dtype.h"
#include "engine/ops/ops.h"

namespace nmtd::ops {

namespace {

using cpu::kBlockCols;
using cpu::kI4Group;

constexpr uint8_t kZeroNibble = 8;

inline uint8_t stored_nibble(const uint8_t* row, int64_t i) {
  const uint8_t byte = row[i / 2];
  return i % 2 == 0 ? (byte & 0x0F) : (byte >> 4);
}

void pack_i4_block(const uint8_t* nibbles, const uint16_t* scales, int64_t n, int64_t k,
                   int64_t block, uint8_t* dst, uint16_t* dst_scale) {
  const int64_t row_bytes = (k + 1) / 2;
  const int64_t groups = cpu::i4_groups(k);
  const int64_t rows = std::min(kBlockCols, n - block * kBlockCols);
  // Padding (k past a group multiple, columns past n) reads as zero: nibble 8, scale 0.
  std::memset(dst, kZeroNibble * 0x11, static_cast<std::size_t>(cpu::i4_block_bytes(k)));
  std::memset(dst_scale, 0, static_cast<std::size_t>(cpu::i4_block_scales(k)) * 2);
  for (int64_t j = 0; j < rows; ++j) {
    const int64_t r = block * kBlockCols + j;
    const uint8_t* src = nibbles + r * row_bytes;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t q = i / kI4Group, in_group = i % kI4Group;
      const int64_t chunk = in_group / 8, t = in_group % 4;
      const bool high = (in_group % 8) >= 4;
      uint8_t& byte = dst[(q * (kI4Group / 8) + chunk) * 64 + j * 4 + t];
      const uint8_t v = stored_nibble(src, i);
      byte = high ? static_cast<uint8_t>((byte & 0x0F) | (v << 4))
                  : static_cast<uint8_t>((byte & 0xF0) | v);
    }
    for (int64_t q = 0; q < groups; ++q) dst_scale[q * kBlockCols + j] = scales[r * groups + q];
  }
}

}  // namespace

int64_t int4_group_size() { return kI4Group; }

PackedWeight pack_i4(const uint8_t* nibbles, const uint16_t* scales, int64_t n, int64_t k,
                     ThreadPool& pool) {
  if (n <= 0 || k <= 0) throw Error("pack: empty weight shape");
  PackedWeight p;
  p.dtype = DType::kI4;
  p.rows = n;
  p.cols = k;
  const int64_t blocks = cpu::col_blocks(n);
  const int64_t block_bytes = cpu::i4_block_bytes(k);
  const int64_t block_scales = cpu::i4_block_scales(k);
  p.data = AlignedBuffer(static_cast<std::size_t>(blocks * block_bytes),
                         AlignedBuffer::Uninitialized{});  // each block filled as packed
  p.group_scale = AlignedBuffer(static_cast<std::size_t>(blocks * block_scales) * 2,
                                AlignedBuffer::Uninitialized{});
  uint8_t* dst = p.data.as<uint8_t>();
  uint16_t* dst_scale = p.group_scale.as<uint16_t>();
  pool.parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      pack_i4_block(nibbles, scales, n, k, b, dst + b * block_bytes, dst_scale + b * block_scales);
  });
  return p;
}

namespace detail {

void read_row_i4(const PackedWeight& w, int64_t row, float* out) {
  const int64_t k = w.cols;
  const int64_t block = row / kBlockCols;
  const int64_t j = row % kBlockCols;
  const uint8_t* src = w.data.as<uint8_t>() + block * cpu::i4_block_bytes(k);
  const uint16_t* scale = w.group_scale.as<uint16_t>() + block * cpu::i4_block_scales(k);
  for (int64_t i = 0; i < k; ++i) {
    const int64_t q = i / kI4Group, in_group = i % kI4Group;
    const uint8_t byte = src[(q * (kI4Group / 8) + in_group / 8) * 64 + j * 4 + in_group % 4];
    const int nibble = (in_group % 8) >= 4 ? byte >> 4 : byte & 0x0F;
    out[i] =
        static_cast<float>(nibble - kZeroNibble) * bfloat16_to_float(scale[q * kBlockCols + j]);
  }
}

}  // namespace detail

}  // namespace nmtd::ops
