// The device-neutral ops on CPU: argument checks, threading and the choice of kernel table.
// The arithmetic itself lives in engine/cpu/.
#include "engine/ops/ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.h"
#include "engine/cpu/dispatch.h"
#include "engine/cpu/kernels.h"

namespace nmtd::ops {

namespace {

// Below this many elements a parallel_for costs more than it saves.
constexpr int64_t kParallelQuantizeElems = 1 << 16;
constexpr int64_t kParallelRowElems = 1 << 15;

void linear_i8(const cpu::Kernels& kern, const float* x, int64_t m, const PackedWeight& w,
               const float* bias, bool relu, float* y, ThreadPool& pool, LinearScratch& scratch) {
  const int64_t k = w.cols;
  const int64_t kp = cpu::i8_padded_k(k);
  scratch.reserve(m, k);
  uint8_t* const xq = scratch.quantized.as<uint8_t>();
  float* const inv_scale = scratch.inv_scale.data();
  auto quantize = [&](int64_t r0, int64_t r1) {
    kern.quantize_rows(x + r0 * k, r1 - r0, k, kp, kern.u8_activations, xq + r0 * kp,
                       inv_scale + r0);
  };
  if (m > 1 && m * k >= kParallelQuantizeElems) {
    pool.parallel_for(m, 1, quantize);
  } else {
    quantize(0, m);
  }
  cpu::I8Gemm g;
  g.xq = xq;
  g.x_inv_scale = inv_scale;
  g.m = m;
  g.kp = kp;
  g.w = w.data.as<int8_t>();
  g.w_scale = w.scale.data();
  g.w_comp = w.compensation.data();
  g.bias = bias;
  g.relu = relu;
  g.y = y;
  g.n = w.rows;
  // Split the columns: each thread streams its own contiguous part of the weights once.
  pool.parallel_for(cpu::col_blocks(w.rows), 1,
                    [&](int64_t b0, int64_t b1) { kern.gemm_i8(g, b0, b1); });
}

// Sums each row's quantized activations over each group of k (the int4 kernels fold the
// nibbles' offset of 8 in with them).
void sum_groups(const int8_t* xq, int64_t rows, int64_t kp, int32_t* sums) {
  const int64_t groups = kp / cpu::kI4Group;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t q = 0; q < groups; ++q) {
      const int8_t* x = xq + r * kp + q * cpu::kI4Group;
      int32_t s = 0;
      for (int64_t i = 0; i < cpu::kI4Group; ++i) s += x[i];
      sums[r * groups + q] = s;
    }
  }
}

void linear_i4(const cpu::Kernels& kern, const float* x, int64_t m, const PackedWeight& w,
               const float* bias, bool relu, float* y, ThreadPool& pool, LinearScratch& scratch) {
  const int64_t k = w.cols;
  const int64_t kp = cpu::i4_padded_k(k);
  scratch.reserve(m, k);
  auto* const xq = scratch.quantized.as<uint8_t>();
  float* const inv_scale = scratch.inv_scale.data();
  int32_t* const group_sum = scratch.group_sum.data();
  // Signed activations on every path: the nibbles are vpdpbusd's unsigned operand.
  auto quantize = [&](int64_t r0, int64_t r1) {
    kern.quantize_rows(x + r0 * k, r1 - r0, k, kp, false, xq + r0 * kp, inv_scale + r0);
    sum_groups(reinterpret_cast<const int8_t*>(xq) + r0 * kp, r1 - r0, kp,
               group_sum + r0 * (kp / cpu::kI4Group));
  };
  if (m > 1 && m * k >= kParallelQuantizeElems) {
    pool.parallel_for(m, 1, quantize);
  } else {
    quantize(0, m);
  }
  cpu::I4Gemm g;
  g.xq = reinterpret_cast<const int8_t*>(xq);
  g.x_inv_scale = inv_scale;
  g.x_group_sum = group_sum;
  g.m = m;
  g.kp = kp;
  g.w = w.data.as<uint8_t>();
  g.w_scale = w.group_scale.as<uint16_t>();
  g.bias = bias;
  g.relu = relu;
  g.y = y;
  g.n = w.rows;
  pool.parallel_for(cpu::col_blocks(w.rows), 1,
                    [&](int64_t b0, int64_t b1) { kern.gemm_i4(g, b0, b1); });
}

void linear_f32(const cpu::Kernels& kern, const float* x, int64_t m, const PackedWeight& w,
                const float* bias, bool relu, float* y, ThreadPool& pool) {
  cpu::F32Gemm g;
  g.x = x;
  g.m = m;
  g.k = w.cols;
  g.w = w.data.as<float>();
  g.bias = bias;
  g.relu = relu;
  g.y = y;
  g.n = w.rows;
  pool.parallel_for(cpu::col_blocks(w.rows), 1,
                    [&](int64_t b0, int64_t b1) { kern.gemm_f32(g, b0, b1); });
}

void log_softmax_rows(const cpu::Kernels& kern, float* x, int64_t r0, int64_t r1, int64_t n) {
  for (int64_t r = r0; r < r1; ++r) {
    float* row = x + r * n;
    float mx;
    double sum;
    kern.max_sumexp(row, n, &mx, &sum);
    kern.sub2(row, n, mx, static_cast<float>(std::log(sum)));
  }
}

// One wide row (batch-1 decoding over a 256k vocabulary): split the row itself. Each part
// reports its own max and sum; the sums are rescaled to the common max before the log.
void log_softmax_wide_row(const cpu::Kernels& kern, float* row, int64_t n, ThreadPool& pool) {
  const int parts = pool.num_threads();
  std::vector<float> part_max(static_cast<std::size_t>(parts), -INFINITY);
  std::vector<double> part_sum(static_cast<std::size_t>(parts), 0.0);
  const int64_t grain = (n + parts - 1) / parts;
  pool.parallel_for(n, grain, [&](int64_t i0, int64_t i1) {
    const auto p = static_cast<std::size_t>(i0 / grain);
    kern.max_sumexp(row + i0, i1 - i0, &part_max[p], &part_sum[p]);
  });
  const float mx = *std::max_element(part_max.begin(), part_max.end());
  double sum = 0.0;
  for (std::size_t p = 0; p < part_max.size(); ++p) {
    if (part_sum[p] > 0.0) sum += part_sum[p] * std::exp(static_cast<double>(part_max[p]) - mx);
  }
  const float lse = static_cast<float>(std::log(sum));
  pool.parallel_for(n, grain,
                    [&](int64_t i0, int64_t i1) { kern.sub2(row + i0, i1 - i0, mx, lse); });
}

void linear_on(const cpu::Kernels& kern, const float* x, int64_t m, const PackedWeight& w,
               const float* bias, bool relu, float* y, ThreadPool& pool, LinearScratch& scratch) {
  if (m <= 0) return;
  switch (w.dtype) {
    case DType::kI8:
      return linear_i8(kern, x, m, w, bias, relu, y, pool, scratch);
    case DType::kI4:
      return linear_i4(kern, x, m, w, bias, relu, y, pool, scratch);
    case DType::kF32:
      return linear_f32(kern, x, m, w, bias, relu, y, pool);
    default:
      throw Unsupported("linear: weights must be packed float32, int8 or int4");
  }
}

}  // namespace

void LinearScratch::reserve(int64_t rows, int64_t k) {
  // The int4 padding of k (to a group) covers the int8 one (to 4).
  const auto bytes = static_cast<std::size_t>(rows * cpu::i4_padded_k(k));
  // Every byte a product reads is written by its quantization first.
  if (quantized.size() < bytes) quantized = AlignedBuffer(bytes, AlignedBuffer::Uninitialized{});
  if (inv_scale.size() < static_cast<std::size_t>(rows))
    inv_scale.resize(static_cast<std::size_t>(rows));
  const auto sums = static_cast<std::size_t>(rows * cpu::i4_groups(k));
  if (group_sum.size() < sums) group_sum.resize(sums);
}

void linear(const float* x, int64_t m, const PackedWeight& w, const float* bias, bool relu,
            float* y, ThreadPool& pool, cpu::Isa isa) {
  LinearScratch scratch;
  linear_on(cpu::kernels_for(isa), x, m, w, bias, relu, y, pool, scratch);
}

void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                float epsilon, float* out, cpu::Isa isa) {
  if (rows <= 0 || d <= 0) return;
  cpu::kernels_for(isa).layer_norm(x, rows, d, gamma, beta, epsilon, out);
}

void log_softmax(float* x, int64_t rows, int64_t n, ThreadPool& pool, cpu::Isa isa) {
  if (rows <= 0 || n <= 0) return;
  const cpu::Kernels& kern = cpu::kernels_for(isa);
  if (rows < pool.num_threads() && n >= kParallelRowElems) {
    for (int64_t r = 0; r < rows; ++r) log_softmax_wide_row(kern, x + r * n, n, pool);
    return;
  }
  if (rows * n < kParallelRowElems) return log_softmax_rows(kern, x, 0, rows, n);
  pool.parallel_for(rows, 1, [&](int64_t r0, int64_t r1) { log_softmax_rows(kern, x, r0, r1, n); });
}

void softmax_rows(float* x, int64_t rows, int64_t n, const int32_t* valid, cpu::Isa isa) {
  if (rows <= 0 || n <= 0) return;
  const cpu::Kernels& kern = cpu::kernels_for(isa);
  for (int64_t r = 0; r < rows; ++r) kern.softmax_row(x + r * n, n, valid ? valid[r] : n);
}

void add_inplace(float* a, const float* b, int64_t n, cpu::Isa isa) {
  if (n <= 0) return;
  cpu::kernels_for(isa).add(a, b, n);
}

// The untagged API: the default path of this process.
void linear(const float* x, int64_t m, const PackedWeight& w, const float* bias, bool relu,
            float* y, ThreadPool& pool) {
  linear(x, m, w, bias, relu, y, pool, cpu::default_isa());
}
void linear(const float* x, int64_t m, const PackedWeight& w, const float* bias, bool relu,
            float* y, ThreadPool& pool, LinearScratch& scratch) {
  linear_on(cpu::kernels_for(cpu::default_isa()), x, m, w, bias, relu, y, pool, scratch);
}
void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                float epsilon, float* out) {
  layer_norm(x, rows, d, gamma, beta, epsilon, out, cpu::default_isa());
}
void log_softmax(float* x, int64_t rows, int64_t n, ThreadPool& pool) {
  log_softmax(x, rows, n, pool, cpu::default_isa());
}
void softmax_rows(float* x, int64_t rows, int64_t n, const int32_t* valid) {
  softmax_rows(x, rows, n, valid, cpu::default_isa());
}
void add_inplace(float* a, const float* b, int64_t n) { add_inplace(a, b, n, cpu::default_isa()); }

const char* kernel_isa() { return cpu::isa_name(cpu::default_isa()); }

}  // namespace nmtd::ops
