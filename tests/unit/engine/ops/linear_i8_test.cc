// int8 linear on every SIMD path against a plain reference that quantizes as CTranslate2
// does. The int32 dot is exact and the float epilogue uses the same operations in the same
// order, so results must be bit-identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/cpu/dispatch.h"
#include "ops_test_util.h"

namespace nmtd::ops {
namespace {

using testing::IsaThreads;

std::vector<float> reference(const std::vector<float>& x, int64_t m, int64_t k,
                             const std::vector<int8_t>& wq, const std::vector<float>& wscale,
                             int64_t n, const float* bias, bool relu) {
  std::vector<float> y(static_cast<std::size_t>(m * n));
  std::vector<int> q(static_cast<std::size_t>(k));
  for (int64_t r = 0; r < m; ++r) {
    float amax = 0.0f;
    for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(x[r * k + i]));
    const float s = amax == 0.0f ? 1.0f : 127.0f / amax;
    for (int64_t i = 0; i < k; ++i) {
      // CTranslate2 rounds the u8-shifted float x*s + 128, one fused multiply-add, half to
      // even.
      const float shifted = std::fma(x[r * k + i], s, 128.0f);
      q[i] = static_cast<int>(std::nearbyint(std::clamp(shifted, 1.0f, 255.0f))) - 128;
    }
    const float inv_s = 1.0f / s;
    for (int64_t c = 0; c < n; ++c) {
      int32_t acc = 0;
      for (int64_t i = 0; i < k; ++i) acc += q[i] * wq[c * k + i];
      // CTranslate2's dequantize_gemm_output: times 1/x_scale, then divided by w_scale.
      float v = static_cast<float>(acc) * inv_s;
      v = v / wscale[c];
      if (bias != nullptr) v += bias[c];
      if (relu) v = v > 0.0f ? v : 0.0f;
      y[r * n + c] = v;
    }
  }
  return y;
}

class LinearI8 : public ::testing::TestWithParam<IsaThreads> {
 protected:
  cpu::Isa isa() const { return std::get<0>(GetParam()); }
  int threads() const { return std::get<1>(GetParam()); }

  // Runs one shape and expects bit-exact equality with the reference.
  void check(int64_t m, int64_t n, int64_t k, const std::vector<float>& x,
             const std::vector<int8_t>& wq, bool with_bias, bool relu) {
    ThreadPool pool(threads());
    std::vector<float> wscale = testing::random_floats(n, 0.5f, 300.0f, 7);
    std::vector<float> bias = testing::random_floats(n, -2.0f, 2.0f, 8);
    const float* b = with_bias ? bias.data() : nullptr;
    PackedWeight w = pack_i8(wq.data(), wscale.data(), n, k, pool);
    std::vector<float> y(static_cast<std::size_t>(m * n), -1.0f);
    linear(x.data(), m, w, b, relu, y.data(), pool, isa());
    const std::vector<float> want = reference(x, m, k, wq, wscale, n, b, relu);
    for (std::size_t i = 0; i < y.size(); ++i) {
      ASSERT_EQ(y[i], want[i]) << "m=" << m << " n=" << n << " k=" << k << " at " << i / n << ","
                               << i % n;
    }
  }
};

TEST_P(LinearI8, OddShapesMatchReferenceExactly) {
  uint32_t seed = 1;
  for (int64_t m : {1, 2, 3, 8, 9, 17, 65}) {
    for (int64_t n : {1, 3, 17, 63, 65, 1000}) {
      for (int64_t k : {1, 3, 4, 17, 64, 65, 1000}) {
        const auto x = testing::random_floats(m * k, -3.0f, 3.0f, ++seed);
        const auto wq = testing::random_i8(n * k, -127, 127, ++seed);
        check(m, n, k, x, wq, (seed % 3) != 0, (seed % 2) == 0);
      }
    }
  }
}

TEST_P(LinearI8, ExtremeValues) {
  // +-127 (and -128, which the converter never writes but a kernel must not mangle) weights
  // with large activations: the int32 dot is at its largest and the AVX2 path's pairwise
  // int16 sums are at their limit.
  for (int64_t k : {4, 1023, 4096}) {
    const int64_t m = 5;
    const int64_t n = 35;
    std::vector<int8_t> wq(static_cast<std::size_t>(n * k));
    for (std::size_t i = 0; i < wq.size(); ++i) wq[i] = (i / 3) % 2 ? int8_t{127} : int8_t{-128};
    std::vector<float> x(static_cast<std::size_t>(m * k));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = (i % 5 == 0) ? -3.0e30f : 3.0e30f;
    for (int64_t i = 0; i < k; ++i) x[1 * k + i] = 1e-30f * static_cast<float>(i % 7);
    for (int64_t i = 0; i < k; ++i) x[2 * k + i] = (i % 2) ? 127.0f : -127.0f;
    check(m, n, k, x, wq, true, false);
    check(m, n, k, x, wq, false, true);
  }
}

TEST_P(LinearI8, ZeroRowsGiveBias) {
  const int64_t m = 4, n = 50, k = 33;
  std::vector<float> x(static_cast<std::size_t>(m * k), 0.0f);
  for (int64_t i = 0; i < k; ++i) x[2 * k + i] = 0.25f * static_cast<float>(i) - 3.0f;
  const auto wq = testing::random_i8(n * k, -127, 127, 99);
  check(m, n, k, x, wq, true, false);
  check(m, n, k, x, wq, true, true);
}

TEST_P(LinearI8, RoundsHalfToEven) {
  // amax 127 gives s = 1, so the activations are quantized as they are: 0.5 -> 0, 1.5 -> 2,
  // 2.5 -> 2, -0.5 -> 0, -1.5 -> -2.
  const int64_t m = 1, n = 16, k = 8;
  const std::vector<float> x = {127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f};
  std::vector<int8_t> wq(static_cast<std::size_t>(n * k), 0);
  for (int64_t c = 0; c < n; ++c) wq[c * k + (c % (k - 1)) + 1] = 1;  // picks one input
  check(m, n, k, x, wq, false, false);
  ThreadPool pool(threads());
  const std::vector<float> ones(n, 1.0f);
  PackedWeight w = pack_i8(wq.data(), ones.data(), n, k, pool);
  std::vector<float> y(n);
  linear(x.data(), m, w, nullptr, false, y.data(), pool, isa());
  EXPECT_EQ(y[0], 0.0f);   // 0.5
  EXPECT_EQ(y[1], 2.0f);   // 1.5
  EXPECT_EQ(y[2], 2.0f);   // 2.5
  EXPECT_EQ(y[3], 0.0f);   // -0.5
  EXPECT_EQ(y[4], -2.0f);  // -1.5
  EXPECT_EQ(y[5], -2.0f);  // -2.5
  EXPECT_EQ(y[6], 4.0f);   // 3.5
}

TEST_P(LinearI8, RoundsTheShiftedFloatAsCTranslate2) {
  // 0.50000006 + 128 is 128.5 in float: CTranslate2 quantizes it to 0, not to 1.
  const int64_t m = 1, n = 16, k = 2;
  const std::vector<float> x = {127.0f, 0.50000006f};
  std::vector<int8_t> wq(static_cast<std::size_t>(n * k), 0);
  for (int64_t c = 0; c < n; ++c) wq[c * k + 1] = 1;
  ThreadPool pool(threads());
  const std::vector<float> ones(n, 1.0f);
  PackedWeight w = pack_i8(wq.data(), ones.data(), n, k, pool);
  std::vector<float> y(n);
  linear(x.data(), m, w, nullptr, false, y.data(), pool, isa());
  EXPECT_EQ(y[0], 0.0f);
}

TEST_P(LinearI8, FusesTheShiftAsCTranslate2) {
  // s = 127 / 3: x*s + 128 is 170.5 rounded in two steps (170, even) but 170.50000x fused, and
  // CTranslate2's AVX2 build fuses it (171, checked against the wheel's quantize_s8).
  const int64_t m = 1, n = 16, k = 2;
  const std::vector<float> x = {3.0f, 0x1.010208p+0f};
  std::vector<int8_t> wq(static_cast<std::size_t>(n * k), 0);
  for (int64_t c = 0; c < n; ++c) wq[c * k + 1] = 1;
  ThreadPool pool(threads());
  const std::vector<float> ones(n, 1.0f);
  PackedWeight w = pack_i8(wq.data(), ones.data(), n, k, pool);
  std::vector<float> y(n);
  linear(x.data(), m, w, nullptr, false, y.data(), pool, isa());
  EXPECT_EQ(y[0], 43.0f * (1.0f / (127.0f / 3.0f)));
}

TEST_P(LinearI8, DividesByTheWeightScaleAsCTranslate2) {
  // y = (dot * (1 / x_scale)) / w_scale, not dot * (1 / (x_scale * w_scale)): the two differ
  // in the last bit for most scales (here x_scale = 1, dot = 3, w_scale = 3.1).
  const int64_t m = 1, n = 16, k = 1;
  const std::vector<float> x = {127.0f};
  const std::vector<int8_t> wq(static_cast<std::size_t>(n * k), 3);
  std::vector<float> scales(static_cast<std::size_t>(n));
  for (int64_t c = 0; c < n; ++c) scales[c] = 3.1f + 0.37f * static_cast<float>(c);
  ThreadPool pool(threads());
  PackedWeight w = pack_i8(wq.data(), scales.data(), n, k, pool);
  std::vector<float> y(n);
  linear(x.data(), m, w, nullptr, false, y.data(), pool, isa());
  for (int64_t c = 0; c < n; ++c) EXPECT_EQ(y[c], (381.0f * 1.0f) / scales[c]) << c;
}

TEST_P(LinearI8, ModelShapes) {
  for (auto [m, n, k] :
       {std::tuple<int64_t, int64_t, int64_t>{1, 3072, 1024}, {8, 1024, 4096}, {64, 4096, 1024}}) {
    const auto x = testing::random_floats(m * k, -1.0f, 1.0f, 5);
    const auto wq = testing::random_i8(n * k, -127, 127, 6);
    check(m, n, k, x, wq, true, true);
  }
}

TEST_P(LinearI8, EmptyBatchWritesNothing) {
  ThreadPool pool(threads());
  const auto wq = testing::random_i8(20 * 8, -127, 127, 3);
  const std::vector<float> scale(20, 2.0f);
  PackedWeight w = pack_i8(wq.data(), scale.data(), 20, 8, pool);
  float y = 42.0f;
  linear(nullptr, 0, w, nullptr, false, &y, pool, isa());
  EXPECT_EQ(y, 42.0f);
}

INSTANTIATE_TEST_SUITE_P(Paths, LinearI8, testing::all_isas_and_threads(), testing::param_name);

}  // namespace
}  // namespace nmtd::ops
