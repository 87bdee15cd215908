#include "engine/decode/row_math.h"

#include <bit>
#include <limits>

namespace nmtd::decoding {
namespace {

// Independent accumulators let the compiler keep one vector register per group of lanes
// without -ffast-math (the reduction order is fixed by the code, not by the optimizer).
constexpr int kLanes = 16;

// exp(x) for x <= 0 (Cephes expf polynomial, range-reduced by ln 2). Branch-free so that
// the loops calling it vectorize; inputs below -87 (where 2^n would be subnormal) give 0.
inline float exp_nonpositive(float x) {
  const bool underflow = x < -87.0f;
  x = underflow ? -87.0f : x;
  // Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick (no SSE4.1 needed).
  constexpr float kShift = 12582912.0f;
  const float t = x * 1.44269504088896341f + kShift;
  const int32_t n = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kShift);
  const float fn = t - kShift;
  const float r = (x - fn * 0.693359375f) - fn * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.0f;
  const float scale = std::bit_cast<float>(static_cast<int32_t>((n + 127) << 23));
  return underflow ? 0.0f : e * scale;
}

}  // namespace

float row_max(const float* x, int64_t n) {
  float lanes[kLanes];
  for (float& l : lanes) l = std::numeric_limits<float>::lowest();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) lanes[l] = x[i + l] > lanes[l] ? x[i + l] : lanes[l];
  }
  float m = std::numeric_limits<float>::lowest();
  for (float l : lanes) m = l > m ? l : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

float row_exp_sum(const float* x, int64_t n, float max) {
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) lanes[l] += exp_nonpositive(x[i + l] - max);
  }
  float sum = 0.0f;
  for (float l : lanes) sum += l;
  for (; i < n; ++i) sum += exp_nonpositive(x[i] - max);
  return sum;
}

int64_t first_index_reaching(const float* x, int64_t n, float offset, float target) {
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] + offset == target) return i;
  }
  return n;
}

}  // namespace nmtd::decoding
