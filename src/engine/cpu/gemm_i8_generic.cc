// Plain C++ int8 kernels: the path of CPUs without AVX2, and the readable statement of what
// the SIMD paths compute (they must agree with it bit for bit).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/cpu/kernels.h"

namespace nmtd::cpu::generic {

void quantize_rows(const float* x, int64_t rows, int64_t k, int64_t kp, bool shift, uint8_t* xq,
                   float* inv_scale) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * k;
    uint8_t* qr = xq + r * kp;
    float amax = 0.0f;
    for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(xr[i]));
    const float s = amax == 0.0f ? 1.0f : 127.0f / amax;
    inv_scale[r] = 1.0f / s;
    const int unshift = shift ? 0 : 128;
    for (int64_t i = 0; i < k; ++i) {
      // CTranslate2 (its AVX2 build, u8 activations) rounds x*s + 128 with one fused
      // multiply-add, not x*s: the addition drops the low bits of the fraction, which moves
      // some values across a rounding boundary (x*s = 41.4999996 gives 169, where x*s rounded
      // to 41.5 first would give 170). Matching it is what makes int8 results equal
      // CTranslate2's, not merely close.
      float v = std::fma(xr[i], s, 128.0f);
      // Clamp before rounding, written as the SIMD max/min (a NaN becomes -127 on every path).
      v = v > 1.0f ? v : 1.0f;
      v = v < 255.0f ? v : 255.0f;
      const int q = static_cast<int>(std::nearbyint(v)) - unshift;  // ties to even
      qr[i] = static_cast<uint8_t>(q);
    }
    std::memset(qr + k, 0, static_cast<std::size_t>(kp - k));
  }
}

void gemm_i8(const I8Gemm& g, int64_t block_begin, int64_t block_end) {
  const int64_t groups = g.kp / kI8KGroup;
  // Signed activations (Kernels::u8_activations is false here), so w_comp is not needed.
  for (int64_t b = block_begin; b < block_end; ++b) {
    const int8_t* wb = g.w + b * g.kp * kBlockCols;
    const int64_t col0 = b * kBlockCols;
    const int64_t cols = std::min(kBlockCols, g.n - col0);
    for (int64_t r = 0; r < g.m; ++r) {
      const int8_t* xr = reinterpret_cast<const int8_t*>(g.xq + r * g.kp);
      int32_t acc[kBlockCols] = {};
      for (int64_t q = 0; q < groups; ++q) {
        const int8_t* wg = wb + q * kI8KGroup * kBlockCols;
        const int8_t* xg = xr + q * kI8KGroup;
        for (int64_t j = 0; j < kBlockCols; ++j) {
          for (int64_t t = 0; t < kI8KGroup; ++t) acc[j] += xg[t] * wg[j * kI8KGroup + t];
        }
      }
      const float inv_s = g.x_inv_scale[r];
      float* yr = g.y + r * g.n + col0;
      for (int64_t j = 0; j < cols; ++j) {
        // As CTranslate2's dequantize_gemm_output: times 1/x_scale, then divided by w_scale.
        float v = static_cast<float>(acc[j]) * inv_s;
        v = v / g.w_scale[col0 + j];
        if (g.bias != nullptr) v += g.bias[col0 + j];
        if (g.relu) v = v > 0.0f ? v : 0.0f;
        yr[j] = v;
      }
    }
  }
}

}  // namespace nmtd::cpu::generic
