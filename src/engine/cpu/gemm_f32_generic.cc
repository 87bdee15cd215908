// Plain C++ float GEMM over the packed f32 layout (the compiler vectorises the 16 columns).
#include <algorithm>

#include "engine/cpu/kernels.h"

namespace nmtd::cpu::generic {

void gemm_f32(const F32Gemm& g, int64_t block_begin, int64_t block_end) {
  for (int64_t b = block_begin; b < block_end; ++b) {
    const float* wb = g.w + b * f32_block_floats(g.k);
    const int64_t col0 = b * kBlockCols;
    const int64_t cols = std::min(kBlockCols, g.n - col0);
    for (int64_t r = 0; r < g.m; ++r) {
      const float* xr = g.x + r * g.k;
      float acc[kBlockCols] = {};
      for (int64_t i = 0; i < g.k; ++i) {
        const float xv = xr[i];
        const float* wk = wb + i * kBlockCols;
        for (int64_t j = 0; j < kBlockCols; ++j) acc[j] += xv * wk[j];
      }
      float* yr = g.y + r * g.n + col0;
      for (int64_t j = 0; j < cols; ++j) {
        float v = acc[j];
        if (g.bias != nullptr) v += g.bias[col0 + j];
        if (g.relu) v = v > 0.0f ? v : 0.0f;
        yr[j] = v;
      }
    }
  }
}

}  // namespace nmtd::cpu::generic
