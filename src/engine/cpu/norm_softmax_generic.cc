// Plain C++ layer norm, softmax pieces and add: the reference the SIMD paths meet. Layer norm
// and softmax_row compute CTranslate2's arithmetic (ct2_arith.h); the log-softmax pieces use
// std::exp.
#include <algorithm>
#include <cmath>

#include "engine/cpu/ct2_arith.h"
#include "engine/cpu/kernels.h"

namespace nmtd::cpu::generic {

void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                float epsilon, float* out) {
  const float inv_d = 1.0f / static_cast<float>(d);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* o = out + r * d;
    // CTranslate2's layer_norm, as its AVX2 build compiles it (-ffast-math): sum and sum of
    // squares in 8 lanes, a 4-lane step, then in order; variance as E[x²] - mean².
    float sum = 0.0f;
    float sq = 0.0f;
    int64_t i = 0;
    if (d >= 8) {
      float s[8] = {};
      float q[8] = {};
      for (; i < d / 8 * 8; ++i) {
        s[i % 8] += xr[i];
        q[i % 8] += xr[i] * xr[i];
      }
      float s4[4];
      float q4[4];
      for (int l = 0; l < 4; ++l) {
        s4[l] = s[l + 4] + s[l];
        q4[l] = q[l + 4] + q[l];
      }
      if (d - i >= 4) {
        for (int l = 0; l < 4; ++l) {
          s4[l] += xr[i + l];
          q4[l] = std::fma(xr[i + l], xr[i + l], q4[l]);
        }
        i += 4;
      }
      sum = (s4[0] + s4[2]) + (s4[1] + s4[3]);
      sq = (q4[0] + q4[2]) + (q4[1] + q4[3]);
    }
    for (; i < d; ++i) {
      sq = std::fma(xr[i], xr[i], sq);
      sum += xr[i];
    }
    const float mean = sum * inv_d;
    float variance = std::fma(sq, inv_d, -(mean * mean));
    variance = variance < 0.0f ? 0.0f : variance;
    const float rstd = 1.0f / std::sqrt(variance + epsilon);
    for (int64_t c = 0; c < d; ++c) o[c] = std::fma(xr[c] - mean, rstd * gamma[c], beta[c]);
  }
}

void max_sumexp(const float* x, int64_t n, float* max, double* sum) {
  float mx = x[0];
  for (int64_t i = 1; i < n; ++i) mx = std::max(mx, x[i]);
  double s = 0.0;  // double: a 256k-wide float sum would drift by ~1e-5
  for (int64_t i = 0; i < n; ++i) s += std::exp(x[i] - mx);
  *max = mx;
  *sum = s;
}

void sub2(float* x, int64_t n, float a, float b) {
  for (int64_t i = 0; i < n; ++i) x[i] = (x[i] - a) - b;
}

void softmax_row(float* x, int64_t n, int64_t valid) {
  valid = std::clamp<int64_t>(valid, 0, n);
  if (valid > 0) {
    // CTranslate2's softmax: its exp, the sum in 8 lanes past 8 values, times 1/sum.
    float mx = x[0];
    for (int64_t i = 1; i < valid; ++i) mx = std::max(mx, x[i]);
    for (int64_t i = 0; i < valid; ++i) x[i] = ct2_exp(x[i] - mx);
    float sum = 0.0f;
    int64_t i = 0;
    if (valid > 8) {
      float lanes[8] = {};
      for (; i < valid / 8 * 8; ++i) lanes[i % 8] += x[i];
      sum = ct2_sum8(lanes);
    }
    for (; i < valid; ++i) sum += x[i];
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < valid; ++j) x[j] *= inv;
  }
  for (int64_t i = valid; i < n; ++i) x[i] = 0.0f;
}

void add(float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] += b[i];
}

}  // namespace nmtd::cpu::generic
