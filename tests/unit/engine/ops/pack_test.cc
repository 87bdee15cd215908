// Packing: the packed copy keeps every value (read back through read_row), the int8
// compensation matches its definition, and the ISA selection helpers behave.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/cpu/dispatch.h"
#include "ops_test_util.h"

namespace nmtd::ops {
namespace {

class Pack : public ::testing::TestWithParam<int> {};

TEST_P(Pack, Int8RowsReadBackDequantized) {
  ThreadPool pool(GetParam());
  for (int64_t n : {1, 15, 16, 17, 100}) {
    for (int64_t k : {1, 2, 3, 4, 5, 63, 64, 1024}) {
      const auto wq = testing::random_i8(n * k, -128, 127, static_cast<uint32_t>(n * 131 + k));
      const auto scale = testing::random_floats(n, 0.1f, 200.0f, 3);
      PackedWeight w = pack_i8(wq.data(), scale.data(), n, k, pool);
      ASSERT_EQ(w.dtype, DType::kI8);
      ASSERT_EQ(w.rows, n);
      ASSERT_EQ(w.cols, k);
      ASSERT_EQ(w.scale, scale);
      ASSERT_EQ(w.compensation.size(), static_cast<std::size_t>(n));
      std::vector<float> row(static_cast<std::size_t>(k));
      for (int64_t r = 0; r < n; ++r) {
        read_row(w, r, row.data());
        int32_t sum = 0;
        for (int64_t i = 0; i < k; ++i) {
          ASSERT_EQ(row[i], static_cast<float>(wq[r * k + i]) * (1.0f / scale[r]));
          sum += wq[r * k + i];
        }
        ASSERT_EQ(w.compensation[r], -128 * sum);
      }
    }
  }
}

TEST_P(Pack, Float32RowsReadBackExactly) {
  ThreadPool pool(GetParam());
  for (int64_t n : {1, 16, 33}) {
    for (int64_t k : {1, 7, 256}) {
      const auto wf = testing::random_floats(n * k, -5.0f, 5.0f, static_cast<uint32_t>(n + k));
      PackedWeight w = pack_f32(wf.data(), n, k, pool);
      ASSERT_EQ(w.dtype, DType::kF32);
      std::vector<float> row(static_cast<std::size_t>(k));
      for (int64_t r = 0; r < n; ++r) {
        read_row(w, r, row.data());
        for (int64_t i = 0; i < k; ++i) ASSERT_EQ(row[i], wf[r * k + i]);
      }
    }
  }
}

TEST_P(Pack, RejectsBadArguments) {
  ThreadPool pool(GetParam());
  const std::vector<float> wf(4, 1.0f);
  EXPECT_THROW(pack_f32(wf.data(), 0, 4, pool), Error);
  PackedWeight w = pack_f32(wf.data(), 1, 4, pool);
  std::vector<float> row(4);
  EXPECT_THROW(read_row(w, 1, row.data()), Error);
  EXPECT_THROW(read_row(w, -1, row.data()), Error);
}

INSTANTIATE_TEST_SUITE_P(Threads, Pack, ::testing::Values(1, 2));

TEST(Isa, NamesAndSelection) {
  EXPECT_EQ(cpu::parse_isa("generic"), cpu::Isa::kGeneric);
  EXPECT_EQ(cpu::parse_isa("avx2"), cpu::Isa::kAvx2);
  EXPECT_EQ(cpu::parse_isa("avx512"), cpu::Isa::kAvx512);
  EXPECT_EQ(cpu::parse_isa("sse9"), std::nullopt);
  const auto isas = cpu::supported_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), cpu::Isa::kGeneric);
  EXPECT_EQ(isas.back(), cpu::best_isa());
  EXPECT_LE(cpu::default_isa(), cpu::best_isa());
  EXPECT_STREQ(kernel_isa(), cpu::isa_name(cpu::default_isa()));
}

TEST(Isa, EnvironmentLowersThePathOfANewProcess) {
  // NMTD_CPU_ISA is read once per process, so check it in a re-executed child.
  (void)cpu::default_isa();  // pin this process's choice before touching the environment
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ::setenv("NMTD_CPU_ISA", "generic", 1);
  EXPECT_EXIT(std::exit(std::string(kernel_isa()) == "generic" ? 0 : 1),
              ::testing::ExitedWithCode(0), "");
  ::setenv("NMTD_CPU_ISA", "no-such-isa", 1);  // ignored with a warning: the best path
  EXPECT_EXIT(std::exit(cpu::default_isa() == cpu::best_isa() ? 0 : 1),
              ::testing::ExitedWithCode(0), "ignoring NMTD_CPU_ISA");
  ::unsetenv("NMTD_CPU_ISA");
}

}  // namespace
}  // namespace nmtd::ops
