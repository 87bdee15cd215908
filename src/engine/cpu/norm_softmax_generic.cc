// Plain C++ layer norm, softmax pieces and add (std::exp: the reference the SIMD paths meet).
#include <algorithm>
#include <cmath>

#include "engine/cpu/kernels.h"

namespace nmtd::cpu::generic {

void layer_norm(const float* x, int64_t rows, int64_t d, const float* gamma, const float* beta,
                float epsilon, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* o = out + r * d;
    // Centre on x[0] first: x - x0 is exact for rows with a large common offset, whose
    // mean, rounded to float, would otherwise shift every output (1000.04 has an ulp of 6e-5).
    const float x0 = xr[0];
    float sum = 0.0f;
    for (int64_t i = 0; i < d; ++i) sum += xr[i] - x0;
    const float mean_off = sum / static_cast<float>(d);  // mean = x0 + mean_off
    float sq = 0.0f;
    for (int64_t i = 0; i < d; ++i) {
      const float c = (xr[i] - x0) - mean_off;
      sq += c * c;
    }
    const float rstd = 1.0f / std::sqrt(sq / static_cast<float>(d) + epsilon);
    for (int64_t i = 0; i < d; ++i) o[i] = ((xr[i] - x0) - mean_off) * rstd * gamma[i] + beta[i];
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
    float mx = x[0];
    for (int64_t i = 1; i < valid; ++i) mx = std::max(mx, x[i]);
    float sum = 0.0f;
    for (int64_t i = 0; i < valid; ++i) {
      x[i] = std::exp(x[i] - mx);
      sum += x[i];
    }
    const float inv = 1.0f / sum;
    for (int64_t i = 0; i < valid; ++i) x[i] *= inv;
  }
  for (int64_t i = valid; i < n; ++i) x[i] = 0.0f;
}

void add(float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] += b[i];
}

}  // namespace nmtd::cpu::generic
