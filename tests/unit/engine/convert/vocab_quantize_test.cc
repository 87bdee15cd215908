// The NLLB vocabulary layout and CTranslate2's quantization formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "engine/convert/quantize.h"
#include "engine/convert/test_model.h"
#include "engine/text/nllb_vocab_builder.h"
#include "unit/engine/convert/convert_test_util.h"

namespace nmtd::convtest {
namespace {

TEST(NllbVocabulary, Layout) {
  const std::vector<std::string> pieces = {"<unk>", "<s>", "</s>", "a", "b"};
  const auto v = build_nllb_vocabulary(pieces, {"eng_Latn", "xyz_Latn"}, 215);
  ASSERT_EQ(v.size(), 215u);
  EXPECT_EQ(v[0], "<s>");
  EXPECT_EQ(v[1], "<pad>");
  EXPECT_EQ(v[2], "</s>");
  EXPECT_EQ(v[3], "<unk>");
  EXPECT_EQ(v[4], "a");  // spm id 3 -> 4
  EXPECT_EQ(v[5], "b");
  EXPECT_EQ(v[6], "ace_Arab");
  EXPECT_EQ(v[207], "zul_Latn");
  EXPECT_EQ(v[208], "<mask>");
  EXPECT_EQ(v[209], "xyz_Latn");  // extra special tokens not yet present, after <mask>
  EXPECT_EQ(v[210], "madeupword0");
  EXPECT_EQ(v[214], "madeupword4");
  EXPECT_EQ(nllb_vocabulary_min_size(pieces.size()), 209);
  EXPECT_THROW(build_nllb_vocabulary(pieces, {}, 208), InvalidArgument);
}

TEST(NllbVocabulary, FromHfDirectoryEqualsFixture) {
  const auto v = nllb_vocabulary_for_hf(kFixture / "hf", 2204);
  const auto pieces = spm_pieces(kFixture / "hf" / "sentencepiece.bpe.model");
  EXPECT_EQ(pieces.size(), 2000u);
  EXPECT_EQ(v, build_nllb_vocabulary(pieces, {}, 2204));
  EXPECT_EQ(spm_pieces_from_bytes(embedded_test_spm()), pieces);
  EXPECT_THROW(spm_pieces(kFixture / "hf" / "config.json"), ModelFormatError);
}

TEST(Quantize, Int8RoundsHalfToEvenPerRow) {
  // Row amax 127 -> scale 1, so the values are rounded as they are.
  const float w[6] = {127.0f, 0.5f, 1.5f, 2.5f, -2.5f, -0.49f};
  int8_t q[6];
  EXPECT_EQ(quantize_row_int8(w, 6, q), 1.0f);
  const int8_t want[6] = {127, 0, 2, 2, -2, 0};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(q[i], want[i]) << i;
  const float zero[3] = {0, 0, 0};
  EXPECT_EQ(quantize_row_int8(zero, 3, q), 1.0f);  // amax 0 -> 127 -> scale 1
  const float small[2] = {0.25f, -0.125f};
  EXPECT_EQ(quantize_row_int8(small, 2, q), 508.0f);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], -64);  // -63.5 rounds to even
}

TEST(Quantize, Int16PerTensor) {
  EXPECT_EQ(int16_scale(2.0f), 512.0f);
  EXPECT_EQ(int16_scale(0.0f), 1.0f);
  const float w[3] = {2.0f, -1.0f, 0.0009765625f};  // 0.5 after scaling -> 0
  int16_t q[3];
  quantize_int16(w, 3, 512.0f, q);
  EXPECT_EQ(q[0], 1024);
  EXPECT_EQ(q[1], -512);
  EXPECT_EQ(q[2], 0);
}

TEST(Quantize, Names) {
  EXPECT_EQ(parse_quantization("int8_float32"), Quantization::kInt8);
  EXPECT_EQ(parse_quantization("int8_bfloat16"), Quantization::kInt8BFloat16);
  EXPECT_EQ(weight_dtype(Quantization::kInt8Float16), DType::kI8);
  EXPECT_EQ(float_dtype(Quantization::kInt8Float16), DType::kF16);
  EXPECT_EQ(float_dtype(Quantization::kInt16), DType::kF32);
  EXPECT_EQ(parse_quantization("int4"), Quantization::kInt4);
  try {
    parse_quantization("int3");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("bfloat16"), std::string::npos);
  }
}

}  // namespace
}  // namespace nmtd::convtest
