// layer_norm, log_softmax, softmax_rows and add_inplace on every SIMD path against
// double-precision references (std::exp / std::log).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/cpu/dispatch.h"
#include "ops_test_util.h"

namespace nmtd::ops {
namespace {

using testing::IsaThreads;

class NormSoftmax : public ::testing::TestWithParam<IsaThreads> {
 protected:
  cpu::Isa isa() const { return std::get<0>(GetParam()); }
  int threads() const { return std::get<1>(GetParam()); }
};

TEST_P(NormSoftmax, LayerNorm) {
  for (int64_t d : {1, 3, 16, 17, 1000, 1024}) {
    const int64_t rows = 5;
    auto x = testing::random_floats(rows * d, -4.0f, 4.0f, static_cast<uint32_t>(d));
    for (int64_t i = 0; i < d; ++i) x[3 * d + i] = 2.5f;                       // constant row
    for (int64_t i = 0; i < d; ++i) x[4 * d + i] = 1000.0f + 0.01f * (i % 9);  // big offset
    const auto gamma = testing::random_floats(d, 0.5f, 2.0f, 1);
    const auto beta = testing::random_floats(d, -1.0f, 1.0f, 2);
    std::vector<float> out(x.size()), generic(x.size());
    layer_norm(x.data(), rows, d, gamma.data(), beta.data(), 1e-5f, out.data(), isa());
    layer_norm(x.data(), rows, d, gamma.data(), beta.data(), 1e-5f, generic.data(),
               cpu::Isa::kGeneric);
    EXPECT_EQ(out, generic) << "d=" << d;  // every path computes CTranslate2's bits
    for (int64_t r = 0; r < rows; ++r) {
      // The big-offset row's spread is ~3e-5 of its values: CTranslate2's variance,
      // E[x²] - mean² in float, loses it, and nmtd computes CTranslate2's layer norm (its
      // outputs are only held to the generic path's, above). Trained models' residual
      // streams do not look like this.
      if (r == 4) continue;
      double mean = 0.0, var = 0.0;
      for (int64_t i = 0; i < d; ++i) mean += x[r * d + i];
      mean /= d;
      for (int64_t i = 0; i < d; ++i) var += (x[r * d + i] - mean) * (x[r * d + i] - mean);
      var /= d;
      const double rstd = 1.0 / std::sqrt(var + 1e-5);
      for (int64_t i = 0; i < d; ++i) {
        const double want = (x[r * d + i] - mean) * rstd * gamma[i] + beta[i];
        const double tol = 1e-5 * (1.0 + std::fabs(want));
        ASSERT_NEAR(out[r * d + i], want, tol) << "d=" << d << " row " << r << " col " << i;
      }
    }
  }
}

TEST_P(NormSoftmax, LayerNormInPlaceMatchesOutOfPlace) {
  // The engine normalises its residual stream into itself; every path must allow out == x.
  const int64_t rows = 3, d = 1000;
  auto x = testing::random_floats(rows * d, -4.0f, 4.0f, 77);
  const auto gamma = testing::random_floats(d, 0.5f, 2.0f, 1);
  const auto beta = testing::random_floats(d, -1.0f, 1.0f, 2);
  std::vector<float> out(x.size());
  layer_norm(x.data(), rows, d, gamma.data(), beta.data(), 1e-5f, out.data(), isa());
  layer_norm(x.data(), rows, d, gamma.data(), beta.data(), 1e-5f, x.data(), isa());
  EXPECT_EQ(x, out);
}

TEST_P(NormSoftmax, LogSoftmax) {
  ThreadPool pool(threads());
  for (int64_t n : {1, 5, 17, 1000, 40000, 256206}) {
    for (int64_t rows : {1, 2, 3}) {
      auto x = testing::random_floats(rows * n, -20.0f, 20.0f, static_cast<uint32_t>(n + rows));
      if (n > 4) {
        x[3] = -1e4f;  // exp underflows to 0
        x[n - 1] = 40.0f;
      }
      if (rows > 1) std::fill(x.begin() + n, x.begin() + 2 * n, 3.0f);  // uniform row
      std::vector<float> y = x;
      log_softmax(y.data(), rows, n, pool, isa());
      for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x.data() + r * n;
        const double mx = *std::max_element(xr, xr + n);
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(xr[i]) - mx);
        const double lse = std::log(sum);
        for (int64_t i = 0; i < n; ++i) {
          const double want = static_cast<double>(xr[i]) - mx - lse;
          // 1e-6, plus the float rounding of outputs as large as 1e4 (two ulps).
          ASSERT_NEAR(y[r * n + i], want, 1e-6 + 2.4e-7 * std::fabs(want))
              << "n=" << n << " row " << r << " col " << i;
        }
      }
    }
  }
}

TEST_P(NormSoftmax, SoftmaxRowsWithValidLengths) {
  for (int64_t n : {1, 7, 16, 17, 100, 1024}) {
    const int64_t rows = 5;
    const std::vector<int32_t> valid = {static_cast<int32_t>(n), 0, 1,
                                        static_cast<int32_t>((n + 1) / 2),
                                        static_cast<int32_t>(n + 3)};
    auto x = testing::random_floats(rows * n, -30.0f, 30.0f, static_cast<uint32_t>(n));
    std::vector<float> y = x;
    softmax_rows(y.data(), rows, n, valid.data(), isa());
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t v = std::min<int64_t>(valid[r], n);
      const float* xr = x.data() + r * n;
      const double mx = v > 0 ? *std::max_element(xr, xr + v) : 0.0;
      double sum = 0.0;
      for (int64_t i = 0; i < v; ++i) sum += std::exp(xr[i] - mx);
      for (int64_t i = 0; i < n; ++i) {
        const double want = i < v ? std::exp(xr[i] - mx) / sum : 0.0;
        ASSERT_NEAR(y[r * n + i], want, 1e-6) << "n=" << n << " row " << r << " col " << i;
      }
    }
  }
  // A null `valid` means every column counts.
  std::vector<float> y = {1.0f, 1.0f, 1.0f, 1.0f};
  softmax_rows(y.data(), 1, 4, nullptr, isa());
  for (float v : y) EXPECT_FLOAT_EQ(v, 0.25f);
}

TEST_P(NormSoftmax, AddInplace) {
  for (int64_t n : {1, 15, 16, 33, 1025}) {
    auto a = testing::random_floats(n, -1.0f, 1.0f, 1);
    const auto b = testing::random_floats(n, -1.0f, 1.0f, 2);
    const auto want = [&] {
      std::vector<float> w(a);
      for (int64_t i = 0; i < n; ++i) w[i] += b[i];
      return w;
    }();
    add_inplace(a.data(), b.data(), n, isa());
    EXPECT_EQ(a, want);
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, NormSoftmax, testing::all_isas_and_threads(), testing::param_name);

}  // namespace
}  // namespace nmtd::ops
