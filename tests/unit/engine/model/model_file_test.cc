// ModelFile on the tiny-nllb-s1 fixtures: known variables, dtypes, shapes, aliases, scales,
// and the writer reproducing each file byte for byte.
#include "engine/model/model_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "common/error.h"
#include "engine/convert/model_writer.h"
#include "model_test_util.h"

namespace nmtd {
namespace {

const std::filesystem::path kFixture = std::filesystem::path(NMTD_TEST_DATA) / "tiny-nllb-s1";

struct Variant {
  const char* dir;
  std::size_t num_variables;
  uint64_t file_size;
  DType weight;    // dtype of the linear and embedding weights
  DType other;     // dtype of biases, layer norms and position encodings
  bool has_scale;  // quantized: <weight>_scale variables
};

class ModelFileFixture : public ::testing::TestWithParam<Variant> {
 protected:
  std::filesystem::path model_bin() const { return kFixture / GetParam().dir / "model.bin"; }
};

float first_float(const ModelFile& m, const Variable& v) {
  const auto p = m.payload(v);
  uint16_t h = 0;
  float f = 0;
  switch (v.dtype) {
    case DType::kF32:
      std::memcpy(&f, p.data(), 4);
      return f;
    case DType::kF16:
      std::memcpy(&h, p.data(), 2);
      return half_to_float(h);
    case DType::kBF16:
      std::memcpy(&h, p.data(), 2);
      return bfloat16_to_float(h);
    default:
      ADD_FAILURE() << "not a float variable: " << v.name;
      return 0;
  }
}

TEST_P(ModelFileFixture, HeaderAndKnownVariables) {
  const Variant& p = GetParam();
  const ModelFile m = ModelFile::open(model_bin());
  EXPECT_EQ(m.binary_version(), 6u);
  EXPECT_EQ(m.spec_name(), "TransformerSpec");
  EXPECT_EQ(m.spec_revision(), 7u);
  EXPECT_EQ(m.file_size(), p.file_size);
  EXPECT_EQ(m.variables().size(), p.num_variables);
  EXPECT_EQ(m.trailing_bytes(), 0u);
  EXPECT_TRUE(m.duplicate_names().empty());
  EXPECT_TRUE(m.dangling_aliases().empty());

  // The first variables and their exact offsets are fixed by the sorted layout.
  ASSERT_GE(m.variables().size(), 6u);
  EXPECT_EQ(m.variables()[0].name, "decoder/activation");
  EXPECT_EQ(m.variables()[0].offset, 57u);
  const Variable& emb = m.variables()[5];
  EXPECT_EQ(emb.name, "decoder/embeddings/weight");
  EXPECT_EQ(emb.offset, 237u);
  EXPECT_EQ(emb.dtype, p.weight);
  EXPECT_EQ(emb.shape, (std::vector<int64_t>{2204, 64}));
  EXPECT_EQ(emb.num_elements(), 2204 * 64);
  EXPECT_EQ(emb.num_bytes, 2204u * 64u * dtype_size(p.weight));
  EXPECT_EQ(m.payload(emb).size(), emb.num_bytes);

  for (const char* prefix : {"encoder", "decoder"}) {
    const std::string s(prefix);
    EXPECT_EQ(m.scalar(m.get(s + "/num_heads")), 4.0);
    EXPECT_EQ(m.get(s + "/num_heads").dtype, DType::kI16);
    EXPECT_EQ(m.scalar(m.get(s + "/pre_norm")), 1.0);
    EXPECT_EQ(m.scalar(m.get(s + "/activation")), 0.0);        // ReLU
    EXPECT_EQ(m.scalar(m.get(s + "/scale_embeddings")), 8.0);  // sqrt(64), float32 always
    EXPECT_EQ(m.get(s + "/layer_0/ffn/linear_0/weight").shape, (std::vector<int64_t>{128, 64}));
    EXPECT_EQ(m.get(s + "/layer_0/ffn/linear_0/weight").dtype, p.weight);
    EXPECT_EQ(m.get(s + "/layer_1/self_attention/linear_0/bias").dtype, p.other);
    EXPECT_EQ(m.get(s + "/layer_norm/gamma").shape, (std::vector<int64_t>{64}));
    EXPECT_EQ(m.find(s + "/layer_2/ffn/linear_0/weight"), nullptr);
  }
  EXPECT_EQ(m.scalar(m.get("decoder/alignment_layer")), -1.0);
  EXPECT_EQ(m.scalar_or("decoder/no_such_flag", 42.0), 42.0);
  EXPECT_THROW(m.get("decoder/no_such_weight"), ModelFormatError);
  EXPECT_THROW(m.scalar(emb), ModelFormatError);
  EXPECT_THROW(m.scalar_or("decoder/embeddings/weight", 0), ModelFormatError);

  // Positions start at 2 (fairseq), first half sin: row 0, column 0 is sin(2).
  const Variable& pos = m.get("decoder/position_encodings/encodings");
  EXPECT_EQ(pos.shape, (std::vector<int64_t>{1024, 64}));
  EXPECT_EQ(pos.dtype, p.other);
  EXPECT_NEAR(first_float(m, pos), std::sin(2.0), 4e-3);
}

TEST_P(ModelFileFixture, AliasesResolveAndCarryTheirScales) {
  const Variant& p = GetParam();
  const ModelFile m = ModelFile::open(model_bin());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"decoder/projection/weight", "decoder/embeddings/weight"},
      {"encoder/embeddings_0/weight", "decoder/embeddings/weight"},
      {"encoder/position_encodings/encodings", "decoder/position_encodings/encodings"}};
  EXPECT_EQ(m.aliases(), expected);
  for (const auto& [alias, target] : expected) {
    ASSERT_NE(m.find(alias), nullptr) << alias;
    EXPECT_EQ(m.find(alias), m.find(target));
  }
  const Variable* scale = m.find("decoder/projection/weight_scale");
  if (!p.has_scale) {
    EXPECT_EQ(scale, nullptr);
    return;
  }
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(scale, m.find("decoder/embeddings/weight_scale"));
  EXPECT_EQ(scale->dtype, DType::kF32);
  if (p.weight == DType::kI8) {
    EXPECT_EQ(scale->shape, (std::vector<int64_t>{2204}));  // one scale per row
    EXPECT_EQ(m.get("decoder/layer_1/ffn/linear_1/weight_scale").shape, (std::vector<int64_t>{64}));
  } else {
    EXPECT_TRUE(scale->is_scalar());  // int16: one scale per matrix
    EXPECT_GT(m.scalar(*scale), 0.0);
  }
}

TEST_P(ModelFileFixture, WriterReproducesTheFileByteForByte) {
  const ModelFile m = ModelFile::open(model_bin());
  auto copy = [&m](ModelWriter& w, const Variable& v, const std::string& name) {
    const auto p = m.payload(v);
    w.add(name, v.dtype, v.shape, std::vector<std::byte>(p.begin(), p.end()));
  };
  TempDir dir;
  {
    ModelWriter w(m.spec_name(), m.spec_revision());
    for (const Variable& v : m.variables()) copy(w, v, v.name);
    for (const auto& [alias, target] : m.aliases()) w.add_alias(alias, target);
    w.write(dir.path() / "a.bin");
  }
  const std::string original = read_bytes(model_bin());
  EXPECT_TRUE(read_bytes(dir.path() / "a.bin") == original);
  {
    // The aliased copies stored in full, then folded back by alias_duplicates().
    ModelWriter w(m.spec_name(), m.spec_revision());
    for (const Variable& v : m.variables()) copy(w, v, v.name);
    for (const auto& [alias, target] : m.aliases()) copy(w, m.get(target), alias);
    w.alias_duplicates();
    w.write(dir.path() / "b.bin");
  }
  EXPECT_TRUE(read_bytes(dir.path() / "b.bin") == original);
}

INSTANTIATE_TEST_SUITE_P(
    TinyNllb, ModelFileFixture,
    ::testing::Values(Variant{"ct2-float32", 86, 1501561, DType::kF32, DType::kF32, false},
                      Variant{"ct2-int8", 109, 606261, DType::kI8, DType::kF32, true},
                      Variant{"ct2-int16", 109, 893125, DType::kI16, DType::kF32, true},
                      Variant{"ct2-float16", 86, 753017, DType::kF16, DType::kF16, false},
                      Variant{"ct2-bfloat16", 86, 753017, DType::kBF16, DType::kBF16, false}),
    [](const auto& info) {
      std::string n = info.param.dir;
      for (char& c : n)
        if (c == '-') c = '_';
      return n;
    });

TEST(ModelFile, WriteReadRoundTripKeepsEveryField) {
  TempDir dir;
  ModelWriter w("TransformerSpec", 5);
  w.add_f32("enc/w", {2, 3}, {1, 2, 3, 4, 5, 6});
  w.add("enc/w_scale", DType::kF32, {2}, std::vector<std::byte>(8, std::byte{0x3f}));
  w.add("enc/h", DType::kF16, {1}, {std::byte{0x00}, std::byte{0x3c}});  // 1.0
  w.add("enc/b", DType::kBF16, {}, {std::byte{0xc0}, std::byte{0x3f}});  // 1.5
  w.add("enc/i", DType::kI32, {},
        {std::byte{0xfe}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}});
  w.add("enc/empty", DType::kI8, {0, 5}, {});
  w.add_scalar_i16("enc/n", -3);
  w.add_alias("dec/w", "enc/w");
  w.write(dir.path() / "m.bin");
  const ModelFile m = ModelFile::open(dir.path() / "m.bin");
  EXPECT_EQ(m.spec_revision(), 5u);
  ASSERT_EQ(m.variables().size(), 7u);
  EXPECT_EQ(m.scalar(m.get("enc/h")), 1.0);
  EXPECT_EQ(m.scalar(m.get("enc/b")), 1.5);
  EXPECT_EQ(m.scalar(m.get("enc/i")), -2.0);
  EXPECT_EQ(m.scalar(m.get("enc/n")), -3.0);
  EXPECT_EQ(m.get("enc/empty").num_bytes, 0u);
  EXPECT_EQ(m.get("enc/empty").num_elements(), 0);
  EXPECT_EQ(m.find("dec/w"), m.find("enc/w"));
  EXPECT_EQ(m.find("dec/w_scale"), m.find("enc/w_scale"));
  EXPECT_EQ(m.find("dec/w_zero"), nullptr);
  const auto w_bytes = m.payload(m.get("enc/w"));
  float f[6];
  std::memcpy(f, w_bytes.data(), sizeof f);
  EXPECT_EQ(f[5], 6.0f);
  m.release(m.get("enc/w"));  // harmless on a tiny range
  // Write back what was read: same bytes.
  ModelWriter w2("TransformerSpec", 5);
  for (const Variable& v : m.variables()) {
    const auto p = m.payload(v);
    w2.add(v.name, v.dtype, v.shape, std::vector<std::byte>(p.begin(), p.end()));
  }
  for (const auto& [a, t] : m.aliases()) w2.add_alias(a, t);
  w2.write(dir.path() / "m2.bin");
  EXPECT_EQ(read_bytes(dir.path() / "m2.bin"), read_bytes(dir.path() / "m.bin"));
}

}  // namespace
}  // namespace nmtd
