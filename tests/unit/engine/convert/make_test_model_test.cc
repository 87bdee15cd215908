// `nmtd make-test-model`: deterministic, any shape, loadable, and fast.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/convert/test_model.h"
#include "engine/model/model_file.h"
#include "engine/model/vocabulary.h"
#include "unit/engine/convert/convert_test_util.h"

namespace nmtd::convtest {
namespace {

std::string make(const fs::path& out, const std::string& flags) {
  std::string output;
  const int rc = run_nmtd("make-test-model --out '" + out.string() + "' " + flags, &output);
  EXPECT_EQ(rc, 0) << output;
  return output;
}

std::vector<float> floats(const ModelFile& m, const std::string& name) {
  const Variable& v = m.get(name);
  EXPECT_EQ(v.dtype, DType::kF32) << name;
  std::vector<float> out(static_cast<std::size_t>(v.num_elements()));
  std::memcpy(out.data(), m.payload(v).data(), out.size() * 4);
  return out;
}

double row_std(const std::vector<float>& w, int64_t cols, int64_t r0, int64_t r1) {
  double s = 0, s2 = 0;
  for (int64_t i = r0 * cols; i < r1 * cols; ++i) s += w[i], s2 += double(w[i]) * w[i];
  const double n = double((r1 - r0) * cols);
  return std::sqrt(s2 / n - (s / n) * (s / n));
}

TEST(MakeTestModel, SameSeedSameBytesWhateverTheThreads) {
  TempDir tmp;
  make(tmp / "a", "--seed 7 --threads 1");
  make(tmp / "b", "--seed 7 --threads 3");
  make(tmp / "c", "--seed 8");
  for (const char* f : {"model.bin", "config.json", "shared_vocabulary.json", "generator.json",
                        "sentencepiece.bpe.model"})
    EXPECT_EQ(read_file(tmp / "a" / f), read_file(tmp / "b" / f)) << f;
  EXPECT_NE(read_file(tmp / "a" / "model.bin"), read_file(tmp / "c" / "model.bin"));
}

// The default shape has the fixture's variable set, config and vocabulary.
TEST(MakeTestModel, DefaultShapeMatchesFixtureLayout) {
  TempDir tmp;
  make(tmp / "m", "");
  const ModelFile m = ModelFile::open(tmp / "m" / "model.bin");
  const ModelFile ref = ModelFile::open(kFixture / "ct2-float32" / "model.bin");
  ASSERT_EQ(m.variables().size(), ref.variables().size());
  for (std::size_t i = 0; i < m.variables().size(); ++i) {
    EXPECT_EQ(m.variables()[i].name, ref.variables()[i].name);
    EXPECT_EQ(m.variables()[i].shape, ref.variables()[i].shape);
    EXPECT_EQ(m.variables()[i].dtype, ref.variables()[i].dtype);
  }
  EXPECT_EQ(m.aliases(), ref.aliases());
  EXPECT_EQ(m.file_size(), ref.file_size());
  for (const char* f : {"config.json", "shared_vocabulary.json", "sentencepiece.bpe.model"})
    EXPECT_EQ(read_file(tmp / "m" / f), read_file(kFixture / "ct2-float32" / f)) << f;
  // Same position table as the converter (and HF, within the float32 rounding).
  const auto p = floats(m, "decoder/position_encodings/encodings");
  const auto pr = floats(ref, "decoder/position_encodings/encodings");
  ASSERT_EQ(p.size(), pr.size());
  float worst = 0;
  for (std::size_t i = 0; i < p.size(); ++i) worst = std::max(worst, std::fabs(p[i] - pr[i]));
  EXPECT_LE(worst, 2e-4f);
}

// Uneven depths, int8, filler tokens: shapes, scales and the weight recipe.
TEST(MakeTestModel, UnevenDepthsInt8WithFillers) {
  TempDir tmp;
  make(tmp / "m",
       "--encoder-layers 3 --decoder-layers 1 --d-model 32 --heads 2 --ffn 48 "
       "--vocab 2300 --quantization int8 --max-positions 200 --seed 3");
  const ModelFile m = ModelFile::open(tmp / "m" / "model.bin");
  // 10 decoder scalars + embeddings + scale + final norm (2) + positions + 1 layer x (20
  // tensors + 7 scales); 6 encoder scalars + final norm (2) + 3 layers x (12 + 4 scales).
  EXPECT_EQ(m.variables().size(), 10u + 5 + 27 + 8 + 3 * 16);
  EXPECT_EQ(m.get("decoder/embeddings/weight").dtype, DType::kI8);
  EXPECT_EQ(m.get("decoder/embeddings/weight").shape, (std::vector<int64_t>{2300, 32}));
  EXPECT_EQ(m.get("decoder/projection/weight_scale").shape, (std::vector<int64_t>{2300}));
  EXPECT_EQ(m.get("encoder/embeddings_0/weight").shape, (std::vector<int64_t>{2300, 32}));
  EXPECT_EQ(m.get("encoder/layer_2/self_attention/linear_0/weight").shape,
            (std::vector<int64_t>{96, 32}));
  EXPECT_EQ(m.get("encoder/layer_2/ffn/linear_1/weight").shape, (std::vector<int64_t>{32, 48}));
  EXPECT_EQ(m.get("decoder/layer_0/attention/linear_1/weight").shape,
            (std::vector<int64_t>{64, 32}));
  EXPECT_EQ(m.get("decoder/position_encodings/encodings").shape, (std::vector<int64_t>{200, 32}));
  EXPECT_EQ(m.find("encoder/layer_3/ffn/layer_norm/gamma"), nullptr);
  EXPECT_EQ(m.find("decoder/layer_1/ffn/layer_norm/gamma"), nullptr);
  EXPECT_EQ(m.scalar(m.get("encoder/num_heads")), 2.0);
  EXPECT_FLOAT_EQ(static_cast<float>(m.scalar(m.get("decoder/scale_embeddings"))),
                  std::sqrt(32.0f));
  EXPECT_EQ(m.get("decoder/layer_0/ffn/linear_0/bias").dtype, DType::kF32);

  const auto vocab = Vocabulary::load(tmp / "m", "<unk>");
  ASSERT_EQ(vocab.size(), 2300u);
  EXPECT_EQ(vocab.to_token(2203), "<mask>");
  EXPECT_EQ(vocab.to_token(2204), "madeupword0");
  EXPECT_EQ(vocab.to_token(2299), "madeupword95");
  EXPECT_EQ(vocab.to_token(2202), "zul_Latn");

  // Embedding rows dequantized: <pad> zero, fillers ~0.3x the real rows' spread.
  const Variable& e = m.get("decoder/embeddings/weight");
  const auto* q = reinterpret_cast<const int8_t*>(m.payload(e).data());
  std::vector<float> scale(2300);
  std::memcpy(scale.data(), m.payload(m.get("decoder/embeddings/weight_scale")).data(), 2300 * 4);
  std::vector<float> w(2300 * 32);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = q[i] / scale[i / 32];
  EXPECT_EQ(row_std(w, 32, 1, 2), 0.0);
  const double real = row_std(w, 32, 4, 2204), filler = row_std(w, 32, 2204, 2300);
  EXPECT_NEAR(real, 3.0 / std::sqrt(32.0), 0.03);
  EXPECT_NEAR(filler / real, 0.3, 0.05);
}

TEST(MakeTestModel, EveryQuantizationLoads) {
  for (const auto& [q, wt, ft] : {std::tuple{"float32", DType::kF32, DType::kF32},
                                  std::tuple{"int8", DType::kI8, DType::kF32},
                                  std::tuple{"int8_float16", DType::kI8, DType::kF16},
                                  std::tuple{"int8_bfloat16", DType::kI8, DType::kBF16},
                                  std::tuple{"int16", DType::kI16, DType::kF32},
                                  std::tuple{"float16", DType::kF16, DType::kF16},
                                  std::tuple{"bfloat16", DType::kBF16, DType::kBF16}}) {
    SCOPED_TRACE(q);
    TempDir tmp;
    make(tmp / "m", std::string("--quantization ") + q);
    const ModelFile m = ModelFile::open(tmp / "m" / "model.bin");
    EXPECT_EQ(m.get("decoder/projection/weight").dtype, wt);
    EXPECT_EQ(m.get("encoder/layer_1/ffn/linear_1/weight").dtype, wt);
    EXPECT_EQ(m.get("encoder/layer_1/ffn/linear_1/bias").dtype, ft);
    EXPECT_EQ(m.get("encoder/position_encodings/encodings").dtype, ft);
    EXPECT_EQ(m.get("decoder/scale_embeddings").dtype, DType::kF32);
  }
}

TEST(MakeTestModel, BadArguments) {
  TempDir tmp;
  const std::string out = " --out '" + (tmp / "m").string() + "'";
  std::string output;
  EXPECT_EQ(run_nmtd("make-test-model --vocab 100" + out, &output), 2);
  EXPECT_NE(output.find("smaller"), std::string::npos) << output;
  EXPECT_EQ(run_nmtd("make-test-model --heads 5" + out, &output), 2);
  EXPECT_NE(output.find("divisible"), std::string::npos) << output;
  EXPECT_EQ(run_nmtd("make-test-model --seed -1" + out, &output), 2);
  EXPECT_EQ(run_nmtd("make-test-model --quantization int3" + out, &output), 2);
  EXPECT_EQ(run_nmtd("make-test-model", &output), 2);
  EXPECT_NE(output.find("--out"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(tmp / "m"));
  EXPECT_EQ(run_nmtd("make-test-model --help", &output), 0);
  EXPECT_NE(output.find("--encoder-layers"), std::string::npos) << output;
  make(tmp / "m", "");
  EXPECT_EQ(run_nmtd("make-test-model" + out, &output), 2);
  EXPECT_NE(output.find("--force"), std::string::npos) << output;
  make(tmp / "m", "--force --seed 2");
}

TEST(MakeTestModel, EmbeddedSentencePieceModelIsTheAsset) {
  const auto bytes = embedded_test_spm();
  const std::string asset =
      read_file(fs::path(NMTD_TEST_DATA) / ".." / ".." / "assets" / "sentencepiece.bpe.model");
  ASSERT_EQ(bytes.size(), asset.size());
  EXPECT_EQ(std::memcmp(bytes.data(), asset.data(), asset.size()), 0);
}

TEST(MakeTestModel, NormalIsRoughlyStandard) {
  const uint64_t key = test_model_tensor_key(1, "x");
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double v = test_model_normal(key, static_cast<uint64_t>(i));
    s += v, s2 += v * v;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(std::sqrt(s2 / n), 1.0, 0.01);
  EXPECT_NE(test_model_tensor_key(1, "x"), test_model_tensor_key(2, "x"));
  EXPECT_NE(test_model_tensor_key(1, "x"), test_model_tensor_key(1, "y"));
}

// The recipe's purpose: greedy "translations" are varied visible text, not one repeated
// token or an immediate </s> (which is what the fixture's plain recipe gives beyond 2x64).
TEST(MakeTestModel, OutputsAreVariedText) {
  TempDir tmp;
  make(tmp / "m",
       "--encoder-layers 3 --decoder-layers 3 --d-model 128 --heads 4 --ffn 256 "
       "--vocab 20000");
  const char* texts[] = {"Hello world, this is a test.",
                         "Das ist ein Haus.",
                         "Could not open the file for writing.",
                         "Press any key to continue.",
                         "The operation was cancelled by the user.",
                         "Download complete."};
  std::string in;
  for (const char* t : texts)
    in += nlohmann::json{{"text", t}, {"source", "eng_Latn"}, {"target", "fra_Latn"}}.dump() + "\n";
  write_file(tmp / "in.jsonl", in);
  std::string out;
  ASSERT_EQ(run_nmtd("translate --model '" + (tmp / "m").string() +
                         "' --jsonl --beam-size 1 --max-decoding-length 48 < '" +
                         (tmp / "in.jsonl").string() + "'",
                     &out),
            0)
      << out;
  int non_empty = 0, lines = 0;
  double distinct = 0, filler = 0, tokens = 0;
  std::istringstream lines_in(out);
  for (std::string line; std::getline(lines_in, line);) {
    const auto j = nlohmann::json::parse(line);
    const auto toks = j.at("hypotheses").at(0).at("tokens").get<std::vector<std::string>>();
    ++lines;
    non_empty += !j["hypotheses"][0]["text"].get<std::string>().empty();
    distinct += std::set<std::string>(toks.begin() + 1, toks.end()).size();
    for (const auto& t : toks) filler += t.starts_with("madeupword"), tokens += 1;
  }
  ASSERT_EQ(lines, 6) << out;
  EXPECT_GE(non_empty, 5) << out;
  EXPECT_GE(distinct / lines, 6.0) << out;
  EXPECT_LE(filler / tokens, 0.1) << out;
}

// A timing print, not an assertion: numbers belong to benchmarks.
TEST(MakeTestModel, MidSizeTiming) {
  TempDir tmp;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string out = make(tmp / "m",
                               "--encoder-layers 6 --decoder-layers 6 --d-model 512 "
                               "--heads 8 --ffn 2048 --vocab 64000 --quantization int8");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ timing   ] mid-size int8 test model (6+6 x 512, vocab 64000): %.2f s: %s", s,
              out.c_str());
}

}  // namespace
}  // namespace nmtd::convtest
