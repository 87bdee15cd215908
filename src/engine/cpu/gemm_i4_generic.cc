// Plain C++ int4 kernel: the path of CPUs without AVX2, and the readable statement of what
// the SIMD paths compute (kernels.h, I4Gemm: they must agree with it bit for bit).
#include <algorithm>

#include "engine/cpu/kernels.h"
#include "engine/dtype.h"

namespace nmtd::cpu::generic {

void gemm_i4(const I4Gemm& g, int64_t block_begin, int64_t block_end) {
  const int64_t groups = g.kp / kI4Group;
  const int64_t chunks = kI4Group / 8;
  for (int64_t b = block_begin; b < block_end; ++b) {
    const uint8_t* wb = g.w + b * g.kp * kBlockCols / 2;
    const uint16_t* sb = g.w_scale + b * groups * kBlockCols;
    const int64_t col0 = b * kBlockCols;
    const int64_t cols = std::min(kBlockCols, g.n - col0);
    for (int64_t r = 0; r < g.m; ++r) {
      const int8_t* xr = g.xq + r * g.kp;
      float f[kBlockCols] = {};
      for (int64_t q = 0; q < groups; ++q) {
        int32_t acc[kBlockCols];
        std::fill(acc, acc + kBlockCols, -8 * g.x_group_sum[r * groups + q]);
        for (int64_t h = 0; h < chunks; ++h) {
          const uint8_t* chunk = wb + (q * chunks + h) * 64;
          const int8_t* x = xr + q * kI4Group + h * 8;
          for (int64_t j = 0; j < kBlockCols; ++j) {
            for (int64_t t = 0; t < 4; ++t) {
              const uint8_t byte = chunk[j * 4 + t];
              acc[j] += (byte & 0x0F) * x[t] + (byte >> 4) * x[4 + t];
            }
          }
        }
        for (int64_t j = 0; j < kBlockCols; ++j) {
          f[j] = f[j] + static_cast<float>(acc[j]) * bfloat16_to_float(sb[q * kBlockCols + j]);
        }
      }
      const float inv_s = g.x_inv_scale[r];
      float* yr = g.y + r * g.n + col0;
      for (int64_t j = 0; j < cols; ++j) {
        float v = f[j] * inv_s;
        if (g.bias != nullptr) v += g.bias[col0 + j];
        if (g.relu) v = v > 0.0f ? v : 0.0f;
        yr[j] = v;
      }
    }
  }
}

}  // namespace nmtd::cpu::generic
