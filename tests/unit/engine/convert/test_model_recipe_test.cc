// make-test-model's weight recipes: the fixtures' (legacy) up to 3 layers per stack, the
// conditioned one beyond, and --recipe to choose.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/model/model_file.h"
#include "unit/engine/convert/convert_test_util.h"

namespace nmtd::convtest {
namespace {

std::vector<float> floats(const ModelFile& m, const std::string& name) {
  const Variable& v = m.get(name);
  EXPECT_EQ(v.dtype, DType::kF32) << name;
  std::vector<float> out(static_cast<std::size_t>(v.num_elements()));
  std::memcpy(out.data(), m.payload(v).data(), out.size() * 4);
  return out;
}

double rms(const std::vector<float>& w, std::size_t first, std::size_t count) {
  double s2 = 0;
  for (std::size_t i = first; i < first + count; ++i) s2 += double(w[i]) * w[i];
  return std::sqrt(s2 / double(count));
}

// Stored under its own name, not an alias of another variable.
bool stored(const ModelFile& m, const std::string& name) {
  for (const auto& v : m.variables())
    if (v.name == name) return true;
  return false;
}

std::string recipe_of(const fs::path& model) {
  const auto j = nlohmann::json::parse(read_file(model / "generator.json"));
  return j.value("recipe", std::string("legacy"));
}

const std::string kDeep = " --encoder-layers 4 --decoder-layers 2 --d-model 32 --heads 2 --ffn 64";

TEST(TestModelRecipe, ConditionedIsTheDefaultBeyondThreeLayers) {
  TempDir tmp;
  std::string out;
  ASSERT_EQ(run_nmtd("make-test-model --out '" + (tmp / "m").string() + "'" + kDeep, &out), 0)
      << out;
  EXPECT_NE(out.find("conditioned recipe"), std::string::npos) << out;
  EXPECT_EQ(recipe_of(tmp / "m"), "conditioned");
  const ModelFile m = ModelFile::open(tmp / "m" / "model.bin");
  // Embedding rows of norm 1 (std 1/sqrt(d)), an output projection of its own.
  const auto emb = floats(m, "decoder/embeddings/weight");
  EXPECT_NEAR(rms(emb, 100 * 32, 1000 * 32), 1.0 / std::sqrt(32.0), 0.01);
  ASSERT_TRUE(stored(m, "decoder/projection/weight"));
  EXPECT_NE(floats(m, "decoder/projection/weight"), emb);
  // Residual branches scaled by 1/sqrt(2 * layers of their stack): 4 encoder layers.
  const auto fc2 = floats(m, "encoder/layer_3/ffn/linear_1/weight");
  EXPECT_NEAR(rms(fc2, 0, fc2.size()), 1.0 / std::sqrt(64.0 * 8.0), 0.004);
  // Norm gains 1, but the decoder's final one, which sets the logits' spread.
  EXPECT_EQ(floats(m, "encoder/layer_0/ffn/layer_norm/gamma"), std::vector<float>(32, 1.0f));
  EXPECT_EQ(floats(m, "decoder/layer_norm/gamma"), std::vector<float>(32, 8.0f));
  EXPECT_EQ(floats(m, "decoder/layer_norm/beta"), std::vector<float>(32, 0.0f));
}

TEST(TestModelRecipe, LegacyOnRequestAndUpToThreeLayers) {
  TempDir tmp;
  std::string out;
  ASSERT_EQ(run_nmtd("make-test-model --out '" + (tmp / "deep").string() + "'" + kDeep +
                         " --recipe legacy",
                     &out),
            0)
      << out;
  EXPECT_EQ(recipe_of(tmp / "deep"), "legacy");
  const ModelFile deep = ModelFile::open(tmp / "deep" / "model.bin");
  EXPECT_FALSE(stored(deep, "decoder/projection/weight"));  // tied, as NLLB
  EXPECT_NEAR(rms(floats(deep, "decoder/embeddings/weight"), 100 * 32, 1000 * 32),
              3.0 / std::sqrt(32.0), 0.03);
  ASSERT_EQ(run_nmtd("make-test-model --out '" + (tmp / "fixture").string() +
                         "' --encoder-layers 3 --decoder-layers 3 --d-model 32 --heads 2 --ffn 64",
                     &out),
            0)
      << out;
  EXPECT_EQ(recipe_of(tmp / "fixture"), "legacy");
}

TEST(TestModelRecipe, UnknownRecipeIsRefused) {
  TempDir tmp;
  std::string out;
  EXPECT_EQ(run_nmtd("make-test-model --out '" + (tmp / "m").string() + "' --recipe trained", &out),
            2);
  EXPECT_NE(out.find("unknown recipe 'trained' (choose conditioned or legacy)"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace nmtd::convtest
