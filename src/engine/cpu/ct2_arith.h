#pragma once
// The float arithmetic of CTranslate2 4.8.1 on x86, stated once in plain C++: its AVX2
// kernels (the ISA it picks on every AVX2 CPU, AVX-512 ones included), and the orders
// oneDNN's sgemm sums attention products in on an AVX-512 CPU. Every path of nmtd's kernels
// computes these to the bit, because an int8 model quantizes every layer's input: a last-bit
// difference moves a value across a rounding boundary now and then, and over 12+12 layers
// and a hundred greedy steps that decides near ties differently. Each statement was checked
// against the wheel's own functions (see docs/benchmarks.md, "int8 fidelity").
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace nmtd::cpu {

// CTranslate2's horizontal sum of 8 lanes (reduce_m256: 128-, 64-, then 32-bit shuffles).
inline float ct2_sum8(const float* v) {
  return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

// exp256_ps (avx_mathfun's Cephes polynomial) as CTranslate2's AVX2 build compiles it: the
// multiply-adds fused, floor by rounding down, 2^n built in the exponent bits.
inline float ct2_exp(float x) {
  x = std::min(x, 88.3762626647949f);
  x = std::max(x, -88.3762626647949f);
  const float fx0 = std::fma(x, 1.44269504088896341f, 0.5f);
  float fx = std::floor(fx0);
  if (fx > fx0) fx -= 1.0f;
  x = std::fma(-fx, 0.693359375f, x);
  x = std::fma(-fx, -2.12194440e-4f, x);
  const float z = x * x;
  float y = std::fma(x, 1.9875691500e-4f, 1.3981999507e-3f);
  y = std::fma(y, x, 8.3334519073e-3f);
  y = std::fma(y, x, 4.1665795894e-2f);
  y = std::fma(y, x, 1.6666665459e-1f);
  y = std::fma(y, x, 5.0000001201e-1f);
  y = std::fma(y, z, x);
  y = y + 1.0f;
  const int32_t bits = (static_cast<int32_t>(fx) + 127) * (1 << 23);
  float pow2n;
  std::memcpy(&pow2n, &bits, sizeof pow2n);
  return y * pow2n;
}

// The order oneDNN's sgemm sums one attention score q·k in, which depends on the shape of
// CTranslate2's call: m query rows of one head against n keys (k = the head's width).
//  * kGemv8: its gemv kernel (m = 1, or n = 1 from m = 16 on): 8 lanes, lane c % 8 summing
//    in order over the 16-wide part of k, reduced as vhaddps does; each shorter tail (8, 4,
//    2, 1 wide) is a partial of its own, added to the result with its own fused multiply-add.
//  * kLanes16: 2 <= m < 16: 16 lanes, lane c % 16 in order, halved 8, 4, 2, 1.
//  * kSequential: m >= 16: one fused multiply-add chain in order.
// The score is scale times the sum (the gemm's alpha).
enum class DotOrder : uint8_t { kSequential, kLanes16, kGemv8 };

inline DotOrder ct2_dot_order(int64_t query_rows, int64_t keys) {
  if (query_rows <= 1) return DotOrder::kGemv8;
  if (query_rows < 16) return DotOrder::kLanes16;
  return keys == 1 ? DotOrder::kGemv8 : DotOrder::kSequential;
}

// vhaddps, vperm2f128 + vaddps, vhaddps: oneDNN's gemv reduction of 8 lanes.
inline float gemv_sum8(const float* v) {
  return ((v[0] + v[1]) + (v[4] + v[5])) + ((v[2] + v[3]) + (v[6] + v[7]));
}

inline float ct2_dot(DotOrder order, const float* q, const float* k, int64_t n, float scale) {
  switch (order) {
    case DotOrder::kSequential: {
      float acc = 0.0f;
      for (int64_t c = 0; c < n; ++c) acc = std::fma(q[c], k[c], acc);
      return acc * scale;
    }
    case DotOrder::kLanes16: {
      float v[16] = {};
      for (int64_t c = 0; c < n; ++c) v[c % 16] = std::fma(q[c], k[c], v[c % 16]);
      for (int w = 8; w >= 1; w /= 2) {
        for (int l = 0; l < w; ++l) v[l] = v[l] + v[l + w];
      }
      return v[0] * scale;
    }
    case DotOrder::kGemv8:
      break;
  }
  float y = 0.0f;
  int64_t c = 0;
  const int64_t main = n / 16 * 16;
  if (main > 0) {
    float v[8] = {};
    for (; c < main; ++c) v[c % 8] = std::fma(q[c], k[c], v[c % 8]);
    y = gemv_sum8(v) * scale;
  }
  for (int64_t chunk = 8; chunk >= 1; chunk /= 2) {
    if ((n - main) & chunk) {
      float v[8] = {};
      for (int64_t i = 0; i < chunk; ++i, ++c) v[i] = std::fma(q[c], k[c], v[i]);
      y = std::fma(scale, gemv_sum8(v), y);
    }
  }
  return y;
}

}  // namespace nmtd::cpu
