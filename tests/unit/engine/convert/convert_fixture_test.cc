// `nmtd convert` against what CTranslate2's converter wrote from the same checkpoint:
// every tensor, scale, alias, config.json and shared_vocabulary.json must be identical
// (the position table within 2e-4: HF computes it with torch's float32 routines).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/dtype.h"
#include "engine/model/model_file.h"
#include "unit/engine/convert/convert_test_util.h"

namespace nmtd::convtest {
namespace {

struct Variant {
  const char* dir;
  Quantization q;
};

class FixtureConversion : public ::testing::TestWithParam<Variant> {};

TEST_P(FixtureConversion, EqualsCTranslate2Output) {
  TempDir tmp;
  convert(kFixture / "hf", tmp / "out", GetParam().q);
  expect_same_model_dir(kFixture / GetParam().dir, tmp / "out");
  EXPECT_FALSE(fs::exists(tmp / "out" / "generator.json"));
}

INSTANTIATE_TEST_SUITE_P(AllVariants, FixtureConversion,
                         ::testing::Values(Variant{"ct2-float32", Quantization::kFloat32},
                                           Variant{"ct2-int8", Quantization::kInt8},
                                           Variant{"ct2-int16", Quantization::kInt16},
                                           Variant{"ct2-float16", Quantization::kFloat16},
                                           Variant{"ct2-bfloat16", Quantization::kBFloat16}),
                         [](const auto& info) {
                           std::string s = info.param.dir;
                           return s.substr(4);
                         });

// int8_float16 has no fixture: its weights are ct2-int8's and its other floats ct2-float16's.
TEST(Convert, Int8Float16MixesTheTwoFixtures) {
  TempDir tmp;
  convert(kFixture / "hf", tmp / "out", Quantization::kInt8Float16);
  const ModelFile m = ModelFile::open(tmp / "out" / "model.bin");
  const ModelFile i8 = ModelFile::open(kFixture / "ct2-int8" / "model.bin");
  const ModelFile f16 = ModelFile::open(kFixture / "ct2-float16" / "model.bin");
  ASSERT_EQ(m.variables().size(), i8.variables().size());
  for (const Variable& v : m.variables()) {
    if (v.name.ends_with("position_encodings/encodings")) continue;
    const Variable* ref = i8.find(v.name);
    ASSERT_NE(ref, nullptr) << v.name;
    const ModelFile* src = &i8;
    if (!v.is_scalar() && ref->dtype == DType::kF32 && !v.name.ends_with("_scale")) {
      ref = f16.find(v.name);  // biases and layer norms are float16 here
      src = &f16;
    }
    EXPECT_EQ(v.dtype, ref->dtype) << v.name;
    const auto a = m.payload(v), b = src->payload(*ref);
    ASSERT_EQ(a.size(), b.size()) << v.name;
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << v.name;
  }
}

// Two shards + model.safetensors.index.json give the same model.bin as the single file.
TEST(Convert, ShardedCheckpoint) {
  TempDir tmp;
  fs::create_directories(tmp / "hf");
  copy_hf_side_files(tmp / "hf");
  const auto entries = fixture_entries();
  const std::size_t half = entries.size() / 2;
  const std::vector<StEntry> a(entries.begin(), entries.begin() + half);
  const std::vector<StEntry> b(entries.begin() + half, entries.end());
  write_file(tmp / "hf" / "model-00001-of-00002.safetensors", make_safetensors(a));
  write_file(tmp / "hf" / "model-00002-of-00002.safetensors", make_safetensors(b));
  nlohmann::json index;
  index["metadata"] = {{"total_size", 0}};
  for (const auto& e : a) index["weight_map"][e.name] = "model-00001-of-00002.safetensors";
  for (const auto& e : b) index["weight_map"][e.name] = "model-00002-of-00002.safetensors";
  write_file(tmp / "hf" / "model.safetensors.index.json", index.dump(2));

  convert(tmp / "hf", tmp / "sharded", Quantization::kInt8);
  convert(kFixture / "hf", tmp / "single", Quantization::kInt8);
  EXPECT_EQ(read_file(tmp / "sharded" / "model.bin"), read_file(tmp / "single" / "model.bin"));
  expect_same_model_dir(kFixture / "ct2-int8", tmp / "sharded");
}

// A float16 (bfloat16) checkpoint converted to float16 (bfloat16) storage gives exactly
// CTranslate2's float16 (bfloat16) conversion of the float32 one: the narrowing is the same.
TEST(Convert, HalfPrecisionCheckpoints) {
  for (const auto& [dtype, q, dir] :
       {std::tuple{"F16", Quantization::kFloat16, "ct2-float16"},
        std::tuple{"BF16", Quantization::kBFloat16, "ct2-bfloat16"}}) {
    SCOPED_TRACE(dtype);
    TempDir tmp;
    fs::create_directories(tmp / "hf");
    copy_hf_side_files(tmp / "hf");
    auto entries = fixture_entries();
    for (auto& e : entries) {
      std::string narrow(e.data.size() / 2, '\0');
      for (std::size_t i = 0; i < e.data.size() / 4; ++i) {
        float f;
        std::memcpy(&f, e.data.data() + 4 * i, 4);
        const uint16_t h = std::string(dtype) == "F16" ? float_to_half(f) : float_to_bfloat16(f);
        std::memcpy(narrow.data() + 2 * i, &h, 2);
      }
      e.dtype = dtype;
      e.data = narrow;
    }
    write_file(tmp / "hf" / "model.safetensors", make_safetensors(entries));
    convert(tmp / "hf", tmp / "out", q);
    expect_same_model_dir(kFixture / dir, tmp / "out");
  }
}

// Checkpoints that store the tied matrices under several names (encoder/decoder
// embed_tokens, lm_head) still get one stored matrix and the aliases.
TEST(Convert, TiedEmbeddingsStoredSeveralTimes) {
  TempDir tmp;
  fs::create_directories(tmp / "hf");
  copy_hf_side_files(tmp / "hf");
  auto entries = fixture_entries();
  for (const auto& e : std::vector<StEntry>(entries)) {
    if (e.name != "model.shared.weight") continue;
    for (const char* n : {"model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight",
                          "lm_head.weight"})
      entries.push_back({n, e.dtype, e.shape, e.data});
  }
  write_file(tmp / "hf" / "model.safetensors", make_safetensors(entries));
  convert(tmp / "hf", tmp / "out", Quantization::kFloat32);
  expect_same_model_dir(kFixture / "ct2-float32", tmp / "out");
}

// Through the binary, with --force replacing a previous output.
TEST(Convert, CommandLine) {
  TempDir tmp;
  const std::string hf = (kFixture / "hf").string();
  const std::string out = (tmp / "m").string();
  std::string output;
  ASSERT_EQ(
      run_nmtd("convert --from-hf '" + hf + "' --out '" + out + "' --quantization int8", &output),
      0)
      << output;
  expect_same_model_dir(kFixture / "ct2-int8", tmp / "m");
  EXPECT_EQ(run_nmtd("convert --from-hf '" + hf + "' --out '" + out + "'", &output), 2);
  EXPECT_NE(output.find("--force"), std::string::npos) << output;
  ASSERT_EQ(run_nmtd("convert --from-hf '" + hf + "' --out '" + out + "' --force", &output), 0)
      << output;
  expect_same_model_dir(kFixture / "ct2-float32", tmp / "m");
  EXPECT_EQ(run_nmtd("convert --help", &output), 0);
  EXPECT_NE(output.find("--quantization"), std::string::npos);
  EXPECT_EQ(run_nmtd("convert --from-hf '" + hf + "' --out x --quantization int3", &output), 2);
  EXPECT_NE(output.find("int3"), std::string::npos) << output;
}

}  // namespace
}  // namespace nmtd::convtest
