// ModelConfig: the fixture's config.json, edge cases of the keys, the legacy attributes of
// binary versions < 6, and save() matching CTranslate2's converter byte for byte.
#include "engine/model/model_config.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "engine/convert/model_writer.h"
#include "engine/model/model_file.h"
#include "model_test_util.h"

namespace nmtd {
namespace {

const std::filesystem::path kFloat32 =
    std::filesystem::path(NMTD_TEST_DATA) / "tiny-nllb-s1" / "ct2-float32";

// A binary-version-6 model.bin (content irrelevant) plus the given config.json text.
ModelFile v6_model(const TempDir& dir, const char* config) {
  ModelWriter w;
  w.add_scalar_i8("x", 0);
  w.write(dir.path() / "model.bin");
  if (config != nullptr) write_bytes(dir.path() / "config.json", config);
  return ModelFile::open(dir.path() / "model.bin");
}

std::string load_error(const TempDir& dir, const char* config) {
  const ModelFile m = v6_model(dir, config);
  try {
    ModelConfig::load(dir.path(), m);
  } catch (const ModelFormatError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfig, LoadsTheFixture) {
  const ModelFile m = ModelFile::open(kFloat32 / "model.bin");
  const ModelConfig c = ModelConfig::load(kFloat32, m);
  EXPECT_EQ(c.unk_token, "<unk>");
  EXPECT_EQ(c.bos_token, "<s>");
  EXPECT_EQ(c.eos_token, "</s>");
  EXPECT_EQ(c.decoder_start_token, std::optional<std::string>("</s>"));
  EXPECT_FALSE(c.add_source_bos);
  EXPECT_FALSE(c.add_source_eos);
  EXPECT_EQ(c.layer_norm_epsilon, 1e-5f);  // null in the file
}

TEST(ModelConfig, SaveMatchesTheConverterByteForByte) {
  TempDir dir;
  ModelConfig{}.save(dir.path());
  EXPECT_EQ(read_bytes(dir.path() / "config.json"), read_bytes(kFloat32 / "config.json"));
  ModelConfig c;
  c.decoder_start_token.reset();
  c.layer_norm_epsilon = 1e-6f;
  c.add_source_eos = true;
  c.unk_token = "\xe2\x96\x81unk\"";
  c.save(dir.path());
  const std::string text = read_bytes(dir.path() / "config.json");
  EXPECT_NE(text.find("  \"decoder_start_token\": null,\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  \"layer_norm_epsilon\": 1e-06,\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  \"add_source_eos\": true,\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  \"unk_token\": \"\\u2581unk\\\"\"\n}\n"), std::string::npos) << text;
  // And it reads back.
  const ModelFile m = v6_model(dir, nullptr);
  const ModelConfig r = ModelConfig::load(dir.path(), m);
  EXPECT_EQ(r.decoder_start_token, std::nullopt);
  EXPECT_EQ(r.layer_norm_epsilon, 1e-6f);
  EXPECT_TRUE(r.add_source_eos);
  EXPECT_EQ(r.unk_token, c.unk_token);
}

TEST(ModelConfig, KeyEdgeCases) {
  TempDir dir;
  {
    const ModelFile m = v6_model(dir, R"({"unk_token": "<u>", "bos_token": "<b>",
        "eos_token": "<e>", "decoder_start_token": null, "layer_norm_epsilon": 0.001,
        "add_source_bos": true, "unknown_key": [1, 2]})");
    const ModelConfig c = ModelConfig::load(dir.path(), m);
    EXPECT_EQ(c.unk_token, "<u>");
    EXPECT_EQ(c.decoder_start_token, std::nullopt);
    EXPECT_FLOAT_EQ(c.layer_norm_epsilon, 1e-3f);
    EXPECT_TRUE(c.add_source_bos);
    EXPECT_FALSE(c.add_source_eos);  // absent: Python's default
  }
  {
    // decoder_start_token absent reads as null, as in CTranslate2.
    const ModelFile m = v6_model(dir, R"({"unk_token": "u", "bos_token": "b", "eos_token": "e"})");
    EXPECT_EQ(ModelConfig::load(dir.path(), m).decoder_start_token, std::nullopt);
  }
}

TEST(ModelConfig, ErrorsNameConfigJson) {
  {
    TempDir dir;
    const std::string e = load_error(dir, nullptr);
    EXPECT_NE(e.find("config.json: missing"), std::string::npos) << e;
    EXPECT_NE(e.find("binary version 6"), std::string::npos) << e;
  }
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "not valid JSON"},
      {"[1]", "expected a JSON object"},
      {R"({"bos_token": "b", "eos_token": "e"})", "missing key \"unk_token\""},
      {R"({"unk_token": 3, "bos_token": "b", "eos_token": "e"})",
       "\"unk_token\" should be a string"},
      {R"({"unk_token": "u", "bos_token": "b", "eos_token": "e", "add_source_bos": "yes"})",
       "\"add_source_bos\" should be true or false"},
      {R"({"unk_token": "u", "bos_token": "b", "eos_token": "e", "decoder_start_token": 2})",
       "\"decoder_start_token\" should be a string or null"},
      {R"({"unk_token": "u", "bos_token": "b", "eos_token": "e", "layer_norm_epsilon": "x"})",
       "\"layer_norm_epsilon\" should be a number or null"},
      {R"({"unk_token": "u", "bos_token": "b", "eos_token": "e", "layer_norm_epsilon": -1})",
       "layer_norm_epsilon"},
  };
  for (const auto& [text, expect] : cases) {
    TempDir dir;
    const std::string e = load_error(dir, text);
    EXPECT_NE(e.find(expect), std::string::npos) << text << " -> " << e;
    EXPECT_NE(e.find("config.json"), std::string::npos) << e;
  }
}

}  // namespace
}  // namespace nmtd
