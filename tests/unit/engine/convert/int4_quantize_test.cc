// --quantization int4: the group-wise formula (docs/model-format.md) and what the converter
// writes with it.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/convert/quantize.h"
#include "engine/dtype.h"
#include "engine/model/model_file.h"
#include "unit/engine/convert/convert_test_util.h"

namespace nmtd::convtest {
namespace {

int nibble(const std::vector<uint8_t>& bytes, int64_t i) {
  return (i % 2 == 0 ? bytes[i / 2] & 0x0F : bytes[i / 2] >> 4) - 8;
}

TEST(Int4Quantize, GroupScaleIsAmaxOverSevenAndValuesRoundHalfToEven) {
  // Group 0: amax 7 gives scale 1 exactly, so the values round as they are.
  std::vector<float> w(64 + 3, 0.0f);
  const float group0[] = {7.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -7.0f, 3.49f};
  std::copy(std::begin(group0), std::end(group0), w.begin());
  // Group 1 (3 values, an odd row length): amax 0.7, values at the grid's ends and middle.
  w[64] = 0.7f;
  w[65] = -0.7f;
  w[66] = 0.35f;
  std::vector<uint8_t> bytes(34);
  std::vector<uint16_t> scales(2);
  quantize_row_int4(w.data(), static_cast<int64_t>(w.size()), bytes.data(), scales.data());
  EXPECT_EQ(bfloat16_to_float(scales[0]), 1.0f);
  const int want0[] = {7, 0, 2, 2, 0, -2, -7, 3};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(nibble(bytes, i), want0[i]) << i;
  for (int i = 8; i < 64; ++i) EXPECT_EQ(nibble(bytes, i), 0) << i;
  const float s1 = bfloat16_to_float(scales[1]);
  EXPECT_NEAR(s1, 0.1f, 0.1f / 128);  // 0.7 / 7 rounded to bfloat16
  EXPECT_EQ(nibble(bytes, 64), static_cast<int>(std::rint(0.7f / s1)));
  EXPECT_EQ(nibble(bytes, 65), -nibble(bytes, 64));
  EXPECT_EQ(nibble(bytes, 66), static_cast<int>(std::rint(0.35f / s1)));
  EXPECT_EQ(bytes[33] >> 4, 0) << "the unused high half of the last byte";
}

TEST(Int4Quantize, AllZeroGroupGetsScaleOneAndAmaxStaysOnTheGrid) {
  std::vector<float> w(128, 0.0f);
  // amax 1: 1/7 rounds down to the bfloat16 0.142578125, so 1 / s is 7.01: still 7.
  w[64] = 1.0f;
  w[65] = -1.0f;
  w[66] = 0.5f;
  std::vector<uint8_t> bytes(64);
  std::vector<uint16_t> scales(2);
  quantize_row_int4(w.data(), 128, bytes.data(), scales.data());
  EXPECT_EQ(bfloat16_to_float(scales[0]), 1.0f);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(nibble(bytes, i), 0);
  EXPECT_EQ(bfloat16_to_float(scales[1]), 0.142578125f);
  EXPECT_EQ(nibble(bytes, 64), 7);
  EXPECT_EQ(nibble(bytes, 65), -7);
  EXPECT_EQ(nibble(bytes, 66), 4);  // 3.51
}

TEST(Int4Quantize, ConvertWritesInt4WeightsBfloat16ScalesFloatTheRest) {
  TempDir tmp;
  convert(kFixture / "hf", tmp / "int4", Quantization::kInt4);
  const ModelFile m = ModelFile::open(tmp / "int4" / "model.bin");
  EXPECT_EQ(m.binary_version(), 7u);  // what makes CTranslate2 refuse it plainly
  for (const Variable& v : m.variables()) {
    if (v.name.ends_with("/weight")) {
      EXPECT_EQ(v.dtype, DType::kI4) << v.name;
      const Variable& s = m.get(v.name + "_scale");
      EXPECT_EQ(s.dtype, DType::kBF16) << s.name;
      EXPECT_EQ(s.shape, (std::vector<int64_t>{v.shape[0], (v.shape[1] + 63) / 64})) << s.name;
    } else if (!v.is_scalar() && !v.name.ends_with("_scale")) {
      EXPECT_EQ(v.dtype, DType::kF32) << v.name;
    }
  }
  EXPECT_EQ(m.aliases(), ModelFile::open(kFixture / "ct2-float32" / "model.bin").aliases());
}

}  // namespace
}  // namespace nmtd::convtest
