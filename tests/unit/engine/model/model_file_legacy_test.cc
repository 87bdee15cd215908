// Hand-made model.bin files of binary versions 1-5: legacy records (item size + element
// count), no spec before version 2, no aliases before version 3, root attributes before
// Transformer revision 5, and the config those versions imply.
#include <gtest/gtest.h>

#include "common/error.h"
#include "engine/model/model_config.h"
#include "engine/model/model_file.h"
#include "model_test_util.h"

namespace nmtd {
namespace {

using namespace std::string_view_literals;

// Legacy record: name, rank, dims, item size, element count, payload.
void legacy_record(ByteBuilder& b, const char* name, std::vector<uint32_t> dims, uint8_t item,
                   std::string_view payload) {
  b.str(name).u8(static_cast<uint8_t>(dims.size()));
  uint32_t n = 1;
  for (const uint32_t d : dims) {
    b.u32(d);
    n *= d;
  }
  b.u8(item).u32(n).raw(payload);
}

// Current record: name, rank, dims, dtype code, byte count, payload.
void record(ByteBuilder& b, const char* name, std::vector<uint32_t> dims, uint8_t code,
            std::string_view payload) {
  b.str(name).u8(static_cast<uint8_t>(dims.size()));
  for (const uint32_t d : dims) b.u32(d);
  b.u8(code).u32(static_cast<uint32_t>(payload.size())).raw(payload);
}

std::string f32(float v) { return ByteBuilder().f32(v).bytes; }

ModelFile open(const TempDir& dir, const ByteBuilder& b) {
  write_bytes(dir.path() / "model.bin", b.bytes);
  return ModelFile::open(dir.path() / "model.bin");
}

TEST(ModelFileLegacy, Version1HasNoSpecAndOpenNmtTfV1Names) {
  TempDir dir;
  ByteBuilder b;
  b.u32(1).u32(2);
  legacy_record(b, "transformer/encoder/w_embs:0", {2, 1}, 4, f32(1) + f32(2));
  legacy_record(b, "transformer/decoder/LayerNorm/gamma:0", {1}, 4, f32(3));
  const ModelFile m = open(dir, b);
  EXPECT_EQ(m.binary_version(), 1u);
  EXPECT_EQ(m.spec_name(), "");
  EXPECT_EQ(m.spec_revision(), 1u);
  EXPECT_TRUE(m.aliases().empty());
  ASSERT_NE(m.find("encoder/embeddings/weight"), nullptr);
  EXPECT_EQ(m.get("encoder/embeddings/weight").dtype, DType::kF32);
  EXPECT_EQ(m.scalar(m.get("decoder/layer_norm/gamma")), 3.0);
  EXPECT_EQ(m.implied_num_heads(), std::optional<int>(8));
  EXPECT_EQ(m.find("encoder/num_heads"), nullptr);  // aliased to a root attribute that is absent
  // No config.json and legacy defaults: decoder starts with bos (with_target_bos defaults true).
  const ModelConfig c = ModelConfig::load(dir.path(), m);
  EXPECT_EQ(c.unk_token, "<unk>");
  EXPECT_EQ(c.decoder_start_token, std::optional<std::string>("<s>"));
  EXPECT_FALSE(c.add_source_bos);
  EXPECT_EQ(c.layer_norm_epsilon, 1e-5f);
}

TEST(ModelFileLegacy, Version2HasASpecButNoAliases) {
  TempDir dir;
  ByteBuilder b;
  b.u32(2).str("TransformerBig").u32(2).u32(2);
  legacy_record(b, "encoder/x", {3}, 2, std::string(6, '\1'));
  legacy_record(b, "with_source_eos", {}, 1, "\1");
  const ModelFile m = open(dir, b);
  EXPECT_EQ(m.spec_name(), "TransformerBig");
  EXPECT_EQ(m.get("encoder/x").dtype, DType::kI16);  // item size 2 is int16, not float16
  EXPECT_EQ(m.implied_num_heads(), std::optional<int>(16));
  EXPECT_TRUE(ModelConfig::load(dir.path(), m).add_source_eos);
}

TEST(ModelFileLegacy, Version3AddsAliasesAndRootAttributes) {
  TempDir dir;
  ByteBuilder b;
  b.u32(3).str("TransformerSpec").u32(3).u32(3);
  legacy_record(b, "decoder/embeddings/weight", {2, 2}, 1, "abcd");
  legacy_record(b, "num_heads", {}, 1, "\x10");
  legacy_record(b, "pre_norm", {}, 1, "\1");
  b.u32(1).str("decoder/projection/weight").str("decoder/embeddings/weight");
  const ModelFile m = open(dir, b);
  EXPECT_EQ(m.find("decoder/projection/weight"), m.find("decoder/embeddings/weight"));
  EXPECT_EQ(m.get("decoder/embeddings/weight").dtype, DType::kI8);
  EXPECT_EQ(m.scalar(m.get("encoder/num_heads")), 16.0);  // revision < 5: root attribute
  EXPECT_EQ(m.scalar(m.get("decoder/pre_norm")), 1.0);
  EXPECT_EQ(m.implied_num_heads(), std::nullopt);
}

TEST(ModelFileLegacy, Versions4And5UseDtypeCodesAndStringAttributes) {
  for (const uint32_t version : {4u, 5u}) {
    TempDir dir;
    ByteBuilder b;
    b.u32(version).str("TransformerSpec").u32(4).u32(6);
    record(b, "bos_token", {3}, 1, "<b>");
    record(b, "encoder/w", {1}, 4, "\x00\x3c"sv);  // float16 1.0
    record(b, "eos_token", {3}, 1, "<e>");
    record(b, "unk_token", {3}, 1, "<u>");
    record(b, "user_decoder_start_tokens", {}, 1, "\0"sv);
    record(b, "with_target_bos", {}, 1, "\0"sv);
    b.u32(0);
    const ModelFile m = open(dir, b);
    EXPECT_EQ(m.binary_version(), version);
    EXPECT_EQ(m.scalar(m.get("encoder/w")), 1.0);
    EXPECT_EQ(m.string_attribute("unk_token"), std::optional<std::string>("<u>"));
    EXPECT_EQ(m.string_attribute("missing"), std::nullopt);
    EXPECT_THROW(m.string_attribute("encoder/w"), ModelFormatError);
    // A config.json beside an old model does not replace its token attributes.
    write_bytes(dir.path() / "config.json", R"({"layer_norm_epsilon": 1e-6})");
    const ModelConfig c = ModelConfig::load(dir.path(), m);
    EXPECT_EQ(c.unk_token, "<u>");
    EXPECT_EQ(c.bos_token, "<b>");
    EXPECT_EQ(c.decoder_start_token, std::optional<std::string>("<e>"));  // with_target_bos 0
    EXPECT_EQ(c.layer_norm_epsilon, 1e-6f);
  }
}

TEST(ModelFileLegacy, UserDecoderStartTokensMeansNull) {
  TempDir dir;
  ByteBuilder b;
  b.u32(5).str("TransformerSpec").u32(4).u32(1);
  record(b, "user_decoder_start_tokens", {}, 1, "\1");
  b.u32(0);
  const ModelFile m = open(dir, b);
  EXPECT_EQ(ModelConfig::load(dir.path(), m).decoder_start_token, std::nullopt);
}

TEST(ModelFileLegacy, Version2FileHasNoAliasSectionToRead) {
  // A version-2 file ends after its variables: four more bytes would be trailing, not aliases.
  TempDir dir;
  ByteBuilder b;
  b.u32(2).str("TransformerBase").u32(2).u32(0).u32(1);
  const ModelFile m = open(dir, b);
  EXPECT_TRUE(m.aliases().empty());
  EXPECT_EQ(m.trailing_bytes(), 4u);
  // The same bytes as version 3 announce an alias that is not there.
  ByteBuilder c;
  c.u32(3).str("TransformerBase").u32(2).u32(0).u32(1);
  write_bytes(dir.path() / "model.bin", c.bytes);
  EXPECT_THROW(ModelFile::open(dir.path() / "model.bin"), ModelFormatError);
}

TEST(ModelFileLegacy, OtherRegisteredSpecsAreReadNotRun) {
  TempDir dir;
  for (const char* spec : {"WhisperSpec", "TransformerDecoderSpec", "Wav2Vec2Spec"}) {
    ByteBuilder b;
    b.u32(6).str(spec).u32(1).u32(0).u32(0);
    EXPECT_EQ(open(dir, b).spec_name(), spec);
  }
}

}  // namespace
}  // namespace nmtd
