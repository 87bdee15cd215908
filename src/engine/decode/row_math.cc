#include "engine/decode/row_math.h"

#include <bit>
#include <limits>

#include "engine/decode/simd.h"

namespace nmtd::decoding {
namespace {

using simd::VecF;
using simd::VecI;

constexpr float kLowest = std::numeric_limits<float>::lowest();
constexpr float kShift = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;

// Bit reinterpretation for scalars and vectors. Vectors use the vector-extension cast
// (defined as a reinterpretation): UBSan misreports std::bit_cast on vector types.
[[gnu::always_inline]] inline int32_t as_bits(float v) { return std::bit_cast<int32_t>(v); }
[[gnu::always_inline]] inline float from_bits(int32_t v) { return std::bit_cast<float>(v); }
[[gnu::always_inline]] inline VecI as_bits(VecF v) { return (VecI)v; }
[[gnu::always_inline]] inline VecF from_bits(VecI v) { return (VecF)v; }

// exp(x) for x <= 0: Cephes expf (range reduction by ln 2, degree-6 polynomial), branch-free
// so that it vectorizes. Inputs below -87 (where 2^n would be subnormal) give 0. T is float
// or VecF: the scalar tail and the vector body compute exactly the same values.
template <typename T, typename I>
[[gnu::always_inline]] inline T exp_nonpositive(T x) {
  const auto underflow = x < -87.0f;
  x = underflow ? T{} - 87.0f : x;
  const T t = x * kLog2e + kShift;
  const T fn = t - kShift;
  const I n = as_bits(t) - as_bits(kShift);
  const T r = (x - fn * kLn2Hi) - fn * kLn2Lo;
  T p = T{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const T e = p * r * r + r + 1.0f;
  const T scale = from_bits((n + 127) << 23);
  return underflow ? T{} : e * scale;
}

}  // namespace

NMTD_DECODE_CLONES float row_max(const float* x, int64_t n) {
  // Two accumulators: independent chains, and a fixed reduction order.
  VecF a = simd::splat(kLowest), b = a;
  int64_t i = 0;
  for (; i + 2 * simd::kWidth <= n; i += 2 * simd::kWidth) {
    const VecF u = simd::load(x + i), v = simd::load(x + i + simd::kWidth);
    a = u > a ? u : a;
    b = v > b ? v : b;
  }
  a = b > a ? b : a;
  float m = kLowest;
  for (int l = 0; l < simd::kWidth; ++l) m = a[l] > m ? a[l] : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

NMTD_DECODE_CLONES float row_exp_sum(const float* x, int64_t n, float max) {
  // Four independent polynomial chains per iteration keep the FP units busy (each exp is
  // a long dependent chain); the lane sums are combined in a fixed order.
  constexpr int64_t kW = simd::kWidth;
  VecF a{}, b{}, c{}, d{};
  int64_t i = 0;
  for (; i + 4 * kW <= n; i += 4 * kW) {
    a += exp_nonpositive<VecF, VecI>(simd::load(x + i) - max);
    b += exp_nonpositive<VecF, VecI>(simd::load(x + i + kW) - max);
    c += exp_nonpositive<VecF, VecI>(simd::load(x + i + 2 * kW) - max);
    d += exp_nonpositive<VecF, VecI>(simd::load(x + i + 3 * kW) - max);
  }
  a = (a + b) + (c + d);
  float sum = 0.0f;
  for (int l = 0; l < simd::kWidth; ++l) sum += a[l];
  for (; i < n; ++i) sum += exp_nonpositive<float, int32_t>(x[i] - max);
  return sum;
}

NMTD_DECODE_CLONES int64_t first_index_reaching(const float* x, int64_t n, float offset,
                                                float target) {
  int64_t i = 0;
  // Skip whole blocks with no match, then look at single values.
  for (; i + 2 * simd::kWidth <= n; i += 2 * simd::kWidth) {
    const VecI hit = ((simd::load(x + i) + offset) == target) |
                     ((simd::load(x + i + simd::kWidth) + offset) == target);
    if (simd::any(hit)) break;
  }
  for (; i < n; ++i) {
    if (x[i] + offset == target) return i;
  }
  return n;
}

}  // namespace nmtd::decoding
