// CTranslate2's float arithmetic (ct2_arith.h) pinned to outputs of the wheel itself
// (ctranslate2 4.8.1 on an AVX-512 CPU: its AVX2 softmax and layer_norm, oneDNN's sgemm for
// 1, 5 and 20 query rows), and every SIMD path held to the generic one bit for bit.
#include "engine/cpu/ct2_arith.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/cpu/isa.h"
#include "engine/cpu/kernels.h"

namespace nmtd::cpu {
namespace {

std::vector<float> softmax_input() {
  std::vector<float> x(11);
  for (int i = 0; i < 11; ++i) x[i] = 0.7f * i - 3.1f + (i % 3) * 0.013f;
  return x;
}

const std::vector<float> kSoftmaxWant = {0x1.dc396cp-12f, 0x1.e5c5eap-11f, 0x1.ef837ap-10f,
                                         0x1.e61db6p-9f,  0x1.efdd08p-8f,  0x1.f9ce54p-7f,
                                         0x1.f03696p-6f,  0x1.fa29bep-5f,  0x1.0227f4p-3f,
                                         0x1.fa852ap-3f,  0x1.02569cp-1f};

const std::vector<float> kLayerNormWant = {
    -0x1.ae8644p+0f, -0x1.2ca6bcp+0f, -0x1.4f0d8p-1f,  -0x1.f2107ap-4f, 0x1.b23edp-2f,
    0x1.f72172p-1f,  0x1.8de756p+0f,  -0x1.9501c8p+0f, -0x1.04d756p+0f, -0x1.c51ddcp-2f,
    0x1.2d98cap-3f,  0x1.803b42p-1f,  0x1.5dfd6ap+0f,  0x1.ff57bap+0f,  -0x1.52ba98p+0f,
    -0x1.6685p-1f,   -0x1.0400b4p-4f, 0x1.2ca422p-1f,  0x1.40791ap+0f,  0x1.ee3a5ep+0f};

TEST(Ct2Arith, SoftmaxRowIsTheWheelsOnEveryPath) {
  for (Isa isa : supported_isas()) {
    std::vector<float> x = softmax_input();
    kernels_for(isa).softmax_row(x.data(), 11, 11);
    for (int i = 0; i < 11; ++i) EXPECT_EQ(x[i], kSoftmaxWant[i]) << isa_name(isa) << " " << i;
  }
}

TEST(Ct2Arith, LayerNormIsTheWheelsOnEveryPath) {
  std::vector<float> x(20), gamma(20), beta(20);
  for (int i = 0; i < 20; ++i) {
    x[i] = 0.37f * (i % 7) - 1.1f + 0.001f * i * i;
    gamma[i] = 1.0f + 0.01f * i;
    beta[i] = 0.02f * i - 0.1f;
  }
  for (Isa isa : supported_isas()) {
    std::vector<float> out(20);
    kernels_for(isa).layer_norm(x.data(), 1, 20, gamma.data(), beta.data(), 1e-5f, out.data());
    for (int i = 0; i < 20; ++i) EXPECT_EQ(out[i], kLayerNormWant[i]) << isa_name(isa) << " " << i;
  }
}

TEST(Ct2Arith, DotOrdersAreOneDnnsForEachShape) {
  std::vector<float> q(64), k(3 * 64);
  for (int i = 0; i < 64; ++i) q[i] = 0.021f * ((i * 5) % 17) - 0.17f;
  for (int j = 0; j < 3 * 64; ++j) k[j] = 0.013f * ((j * 7) % 23) - 0.15f;
  const struct {
    int64_t query_rows;
    DotOrder order;
    float want[3];
  } cases[] = {{1, DotOrder::kGemv8, {-0x1.1c0a8ep-8f, 0x1.6c333p-8f, -0x1.7d45a6p-8f}},
               {5, DotOrder::kLanes16, {-0x1.1c0a8ep-8f, 0x1.6c332cp-8f, -0x1.7d45acp-8f}},
               {20, DotOrder::kSequential, {-0x1.1c0a9ap-8f, 0x1.6c3334p-8f, -0x1.7d45bp-8f}}};
  for (const auto& c : cases) {
    ASSERT_EQ(ct2_dot_order(c.query_rows, 3), c.order);
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(ct2_dot(c.order, q.data(), k.data() + j * 64, 64, 0.125f), c.want[j])
          << c.query_rows << " rows, key " << j;
  }
  EXPECT_EQ(ct2_dot_order(16, 1), DotOrder::kGemv8);  // oneDNN's gemv again for one key
}

TEST(Ct2Arith, AttendIsTheGenericPathsOnEveryPathInEveryOrder) {
  // Head widths with and without the SIMD paths' key-by-key fast case (a multiple of 16).
  for (int64_t dh : {64, 40, 8}) {
    const int64_t len = 37, stride = 3 * dh;
    std::vector<float> q(dh), kv(len * stride);
    for (int64_t i = 0; i < dh; ++i) q[i] = 0.03f * ((i * 11) % 19) - 0.27f;
    for (int64_t i = 0; i < len * stride; ++i) kv[i] = 0.017f * ((i * 13) % 29) - 0.24f;
    for (DotOrder order : {DotOrder::kSequential, DotOrder::kLanes16, DotOrder::kGemv8}) {
      std::vector<float> scores(len), want(dh);
      kernels_for(Isa::kGeneric)
          .attend(q.data(), kv.data(), kv.data() + dh, stride, len, dh, 0.125f, order,
                  scores.data(), want.data());
      for (Isa isa : supported_isas()) {
        std::vector<float> got(dh);
        kernels_for(isa).attend(q.data(), kv.data(), kv.data() + dh, stride, len, dh, 0.125f, order,
                                scores.data(), got.data());
        EXPECT_EQ(got, want) << isa_name(isa) << " dh " << dh << " order "
                             << static_cast<int>(order);
      }
    }
  }
}

}  // namespace
}  // namespace nmtd::cpu
