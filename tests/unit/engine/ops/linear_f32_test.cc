// float32 linear on every SIMD path against a double-precision reference. The tolerance is
// relative to sum |x*w| (the scale of the rounding errors), so cancellation does not hide
// or fake a failure.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/cpu/dispatch.h"
#include "ops_test_util.h"

namespace nmtd::ops {
namespace {

using testing::IsaThreads;

class LinearF32 : public ::testing::TestWithParam<IsaThreads> {
 protected:
  void check(int64_t m, int64_t n, int64_t k, bool with_bias, bool relu, uint32_t seed) {
    ThreadPool pool(std::get<1>(GetParam()));
    const auto x = testing::random_floats(m * k, -2.0f, 2.0f, seed);
    const auto wf = testing::random_floats(n * k, -1.0f, 1.0f, seed + 1);
    const auto bias = testing::random_floats(n, -1.0f, 1.0f, seed + 2);
    PackedWeight w = pack_f32(wf.data(), n, k, pool);
    std::vector<float> y(static_cast<std::size_t>(m * n), -1.0f);
    linear(x.data(), m, w, with_bias ? bias.data() : nullptr, relu, y.data(), pool,
           std::get<0>(GetParam()));
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t c = 0; c < n; ++c) {
        double acc = 0.0, mag = 0.0;
        for (int64_t i = 0; i < k; ++i) {
          const double p = static_cast<double>(x[r * k + i]) * wf[c * k + i];
          acc += p;
          mag += std::fabs(p);
        }
        if (with_bias) {
          acc += bias[c];
          mag += std::fabs(bias[c]);
        }
        if (relu && acc < 0.0) acc = 0.0;
        ASSERT_NEAR(y[r * n + c], acc, 1e-5 * mag + 1e-30)
            << "m=" << m << " n=" << n << " k=" << k << " at " << r << "," << c;
      }
    }
  }
};

TEST_P(LinearF32, OddShapes) {
  uint32_t seed = 11;
  for (int64_t m : {1, 2, 3, 7, 8, 9, 17, 65}) {
    for (int64_t n : {1, 3, 17, 63, 65, 1000}) {
      for (int64_t k : {1, 3, 17, 64, 65, 1000}) {
        seed += 3;
        check(m, n, k, seed % 3 != 0, seed % 2 == 0, seed);
      }
    }
  }
}

TEST_P(LinearF32, ModelShapes) {
  check(1, 4096, 1024, true, true, 3);
  check(16, 1024, 4096, true, false, 4);
  check(64, 300, 1024, false, false, 5);
}

TEST_P(LinearF32, ZeroInputGivesBias) {
  ThreadPool pool(std::get<1>(GetParam()));
  const int64_t m = 3, n = 21, k = 40;
  const auto wf = testing::random_floats(n * k, -1.0f, 1.0f, 1);
  const auto bias = testing::random_floats(n, -1.0f, 1.0f, 2);
  PackedWeight w = pack_f32(wf.data(), n, k, pool);
  std::vector<float> x(static_cast<std::size_t>(m * k), 0.0f), y(static_cast<std::size_t>(m * n));
  linear(x.data(), m, w, bias.data(), false, y.data(), pool, std::get<0>(GetParam()));
  for (int64_t i = 0; i < m * n; ++i) EXPECT_EQ(y[i], bias[i % n]);
}

INSTANTIATE_TEST_SUITE_P(Paths, LinearF32, testing::all_isas_and_threads(), testing::param_name);

}  // namespace
}  // namespace nmtd::ops
