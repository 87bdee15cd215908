// int4 linear on every SIMD path and thread count. Against a plain reference of the same
// arithmetic (activations quantized as the int8 path does, exact int32 group dots, float
// group sums in order) results must be bit-identical; against the float product of the
// dequantized weights they must agree to the activations' int8 rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/cpu/dispatch.h"
#include "engine/dtype.h"
#include "ops_test_util.h"

namespace nmtd::ops {
namespace {

using testing::IsaThreads;

constexpr int64_t kGroup = 64;

struct Int4Matrix {
  int64_t n = 0, k = 0;
  std::vector<uint8_t> nibbles;  // [n][ceil(k/2)] as model.bin stores them
  std::vector<uint16_t> scales;  // [n][ceil(k/64)] bfloat16
  int64_t groups() const { return (k + kGroup - 1) / kGroup; }
  int q(int64_t r, int64_t i) const {
    const uint8_t b = nibbles[r * ((k + 1) / 2) + i / 2];
    return (i % 2 == 0 ? b & 0x0F : b >> 4) - 8;
  }
  float scale(int64_t r, int64_t i) const {
    return bfloat16_to_float(scales[r * groups() + i / kGroup]);
  }
};

Int4Matrix random_int4(int64_t n, int64_t k, uint32_t seed, int lo = -8, int hi = 7) {
  Int4Matrix w;
  w.n = n;
  w.k = k;
  const auto q = testing::random_i8(n * k, lo, hi, seed);
  w.nibbles.assign(static_cast<std::size_t>(n * ((k + 1) / 2)), 0x88);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < k; ++i) {
      uint8_t& b = w.nibbles[r * ((k + 1) / 2) + i / 2];
      const auto v = static_cast<uint8_t>(q[r * k + i] + 8);
      b = i % 2 == 0 ? static_cast<uint8_t>((b & 0xF0) | v)
                     : static_cast<uint8_t>((b & 0x0F) | v << 4);
    }
  const auto s = testing::random_floats(n * w.groups(), 0.001f, 0.5f, seed + 1);
  for (float f : s) w.scales.push_back(float_to_bfloat16(f));
  return w;
}

// The int8 path's activation quantization (CTranslate2's: 127 / amax, x*s + 128 rounded as
// a float, half to even), signed.
std::vector<int> quantize_row(const float* x, int64_t k, float* inv_scale) {
  float amax = 0.0f;
  for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float s = amax == 0.0f ? 1.0f : 127.0f / amax;
  *inv_scale = 1.0f / s;
  std::vector<int> q(static_cast<std::size_t>(k));
  for (int64_t i = 0; i < k; ++i) {
    const float shifted = x[i] * s + 128.0f;
    q[i] = static_cast<int>(std::nearbyint(std::clamp(shifted, 1.0f, 255.0f))) - 128;
  }
  return q;
}

std::vector<float> reference(const std::vector<float>& x, int64_t m, const Int4Matrix& w,
                             const float* bias, bool relu) {
  std::vector<float> y(static_cast<std::size_t>(m * w.n));
  for (int64_t r = 0; r < m; ++r) {
    float inv_s;
    const std::vector<int> q = quantize_row(x.data() + r * w.k, w.k, &inv_s);
    for (int64_t c = 0; c < w.n; ++c) {
      float f = 0.0f;
      for (int64_t g = 0; g < w.groups(); ++g) {
        int32_t acc = 0;
        for (int64_t i = g * kGroup; i < std::min(w.k, (g + 1) * kGroup); ++i)
          acc += q[i] * w.q(c, i);
        const float scaled = static_cast<float>(acc) * w.scale(c, g * kGroup);
        f = f + scaled;
      }
      float v = f * inv_s;
      if (bias != nullptr) v += bias[c];
      if (relu) v = v > 0.0f ? v : 0.0f;
      y[r * w.n + c] = v;
    }
  }
  return y;
}

class LinearI4 : public ::testing::TestWithParam<IsaThreads> {
 protected:
  cpu::Isa isa() const { return std::get<0>(GetParam()); }
  int threads() const { return std::get<1>(GetParam()); }

  std::vector<float> run(const std::vector<float>& x, int64_t m, const Int4Matrix& w,
                         const float* bias, bool relu) {
    ThreadPool pool(threads());
    PackedWeight p = pack_i4(w.nibbles.data(), w.scales.data(), w.n, w.k, pool);
    std::vector<float> y(static_cast<std::size_t>(m * w.n), -1.0f);
    linear(x.data(), m, p, bias, relu, y.data(), pool, isa());
    return y;
  }

  void check(int64_t m, const Int4Matrix& w, const std::vector<float>& x, bool with_bias,
             bool relu) {
    const auto bias = testing::random_floats(w.n, -2.0f, 2.0f, 8);
    const float* b = with_bias ? bias.data() : nullptr;
    const auto y = run(x, m, w, b, relu);
    const auto want = reference(x, m, w, b, relu);
    for (std::size_t i = 0; i < y.size(); ++i)
      ASSERT_EQ(y[i], want[i]) << "m=" << m << " n=" << w.n << " k=" << w.k << " at " << i / w.n
                               << "," << i % w.n;
  }
};

TEST_P(LinearI4, OddShapesMatchReferenceExactly) {
  uint32_t seed = 1;
  for (int64_t m : {1, 2, 3, 5, 9, 17}) {
    for (int64_t n : {1, 17, 65, 300}) {
      for (int64_t k : {1, 3, 63, 64, 65, 200}) {
        const auto x = testing::random_floats(m * k, -3.0f, 3.0f, ++seed);
        const Int4Matrix w = random_int4(n, k, ++seed);
        check(m, w, x, (seed % 3) != 0, (seed % 2) == 0);
      }
    }
  }
}

TEST_P(LinearI4, ExtremeValuesMatchReferenceExactly) {
  // Nibbles 0 and 15 (q = -8 and 7) against activations of +-127: the largest group dots,
  // and the AVX2 path's int16 pair sums at their largest.
  for (int64_t k : {64, 1000, 4096}) {
    const int64_t m = 4, n = 35;
    Int4Matrix w = random_int4(n, k, 5);
    for (std::size_t i = 0; i < w.nibbles.size(); ++i) w.nibbles[i] = (i / 3) % 2 ? 0xFF : 0x00;
    std::vector<float> x(static_cast<std::size_t>(m * k));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = (i % 5 == 0) ? -3.0e30f : 3.0e30f;
    for (int64_t i = 0; i < k; ++i) x[1 * k + i] = (i % 2) ? 127.0f : -127.0f;
    for (int64_t i = 0; i < k; ++i) x[2 * k + i] = 0.0f;
    check(m, w, x, true, false);
    check(m, w, x, false, true);
  }
}

TEST_P(LinearI4, ModelShapesMatchReferenceExactly) {
  for (auto [m, n, k] :
       {std::tuple<int64_t, int64_t, int64_t>{1, 3072, 1024}, {2, 1024, 4096}, {24, 4096, 1024}}) {
    check(m, random_int4(n, k, 11), testing::random_floats(m * k, -1.0f, 1.0f, 12), true, true);
  }
}

TEST_P(LinearI4, AgreesWithTheFloatProductOfTheDequantizedWeights) {
  // The only rounding is the activations' (int8, per row): the error is bounded by half an
  // activation step times the sum of |w| over k.
  const int64_t m = 3, n = 100, k = 640;
  const Int4Matrix w = random_int4(n, k, 21);
  const auto x = testing::random_floats(m * k, -2.0f, 2.0f, 22);
  const auto y = run(x, m, w, nullptr, false);
  for (int64_t r = 0; r < m; ++r) {
    float amax = 0.0f;
    for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(x[r * k + i]));
    for (int64_t c = 0; c < n; ++c) {
      double want = 0.0, abs_w = 0.0;
      for (int64_t i = 0; i < k; ++i) {
        const double wi = w.q(c, i) * static_cast<double>(w.scale(c, i));
        want += wi * x[r * k + i];
        abs_w += std::fabs(wi);
      }
      const double bound = abs_w * (amax / 127.0) * 0.5 * 1.001 + 1e-5;
      EXPECT_NEAR(y[r * n + c], want, bound) << r << "," << c;
    }
  }
}

TEST_P(LinearI4, ReadRowDequantizes) {
  const Int4Matrix w = random_int4(37, 130, 31);
  ThreadPool pool(threads());
  PackedWeight p = pack_i4(w.nibbles.data(), w.scales.data(), w.n, w.k, pool);
  std::vector<float> row(static_cast<std::size_t>(w.k));
  for (int64_t r : {0, 15, 16, 36}) {
    read_row(p, r, row.data());
    for (int64_t i = 0; i < w.k; ++i)
      ASSERT_EQ(row[i], static_cast<float>(w.q(r, i)) * w.scale(r, i)) << r << "," << i;
  }
}

TEST_P(LinearI4, EmptyBatchWritesNothing) {
  ThreadPool pool(threads());
  const Int4Matrix w = random_int4(20, 8, 3);
  PackedWeight p = pack_i4(w.nibbles.data(), w.scales.data(), w.n, w.k, pool);
  float y = 42.0f;
  linear(nullptr, 0, p, nullptr, false, &y, pool, isa());
  EXPECT_EQ(y, 42.0f);
}

INSTANTIATE_TEST_SUITE_P(Paths, LinearI4, testing::all_isas_and_threads(), testing::param_name);

}  // namespace
}  // namespace nmtd::ops
