// The model's own reference implementation as a second anchor beside CTranslate2: per-token
// log-probs of transformers' M2M100ForConditionalGeneration (float32), teacher-forced on the
// fixture's sequences, must be nmtd's float32 engine's within 1e-4. The expected values come
// from tests/data/hf-reference/ (scripts/make-hf-reference writes them); the model is the
// fixture's hf/ folder, converted here as `nmtd convert` converts it.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "engine/convert/hf_converter.h"
#include "engine/model/model_file.h"
#include "engine/nn/decoder.h"
#include "engine/nn/encoder.h"
#include "engine/nn/nllb_weights.h"
#include "engine/text/nllb_vocab_builder.h"

namespace nmtd {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kData = fs::path(NMTD_TEST_DATA);

// log_softmax of one row of float32 logits, in double so the comparison sees nmtd's logits
// and not this function's rounding.
std::vector<double> log_softmax(const float* logits, int64_t n) {
  const double max = *std::max_element(logits, logits + n);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(logits[i] - max);
  const double log_sum = max + std::log(sum);
  std::vector<double> out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[i] = logits[i] - log_sum;
  return out;
}

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "nmtd-hf-reference-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class HfReference : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path hf = kData / "tiny-nllb-s1" / "hf";
    const HfModelInfo info = read_hf_config(hf);
    ConvertOptions o;
    o.from = hf;
    o.out = model_dir();
    o.quantization = Quantization::kFloat32;
    o.threads = 1;
    convert_hf_checkpoint(o, nllb_vocabulary_for_hf(hf, info.shape.vocab_size));
  }

  fs::path model_dir() const { return tmp_.path() / "model"; }

  static json reference() {
    std::ifstream in(kData / "hf-reference" / "tiny-nllb-s1.json");
    return json::parse(in);
  }

  TempDir tmp_;
  ThreadPool pool_{1};  // inline: a tiny model gains nothing from waking threads
};

TEST_F(HfReference, TeacherForcedLogProbsMatchTransformersFloat32) {
  const json ref = reference();
  const double tolerance = ref.at("tolerance").get<double>();
  ASSERT_LE(tolerance, 1e-4);
  const auto& sequences = ref.at("sequences");
  ASSERT_GE(sequences.size(), 20u) << "the reference file lost its sequences";

  const ModelFile file = ModelFile::open(model_dir() / "model.bin");
  const NllbWeights weights = NllbWeights::load(file, CpuCompute::kFloat32, 1e-5f, pool_);
  Encoder encoder(weights, pool_);
  const int64_t v = weights.vocab_size;
  std::vector<float> memory, logits(static_cast<std::size_t>(v));
  double worst = 0.0;
  std::size_t compared = 0;
  for (const auto& seq : sequences) {
    const std::string id = seq.at("id");
    const auto source = seq.at("source_ids").get<std::vector<int32_t>>();
    const auto decoder_ids = seq.at("decoder_ids").get<std::vector<int32_t>>();
    const auto& steps = seq.at("steps");
    ASSERT_EQ(steps.size(), decoder_ids.size()) << id;
    const std::vector<int32_t> lengths = {static_cast<int32_t>(source.size())};
    encoder.forward(source, lengths, memory);
    DecoderState decoder(weights, pool_, memory, lengths, 1, static_cast<int>(decoder_ids.size()));
    for (std::size_t s = 0; s < decoder_ids.size(); ++s) {
      decoder.step(std::span<const int32_t>(&decoder_ids[s], 1), static_cast<int>(s),
                   logits.data());
      const std::vector<double> ours = log_softmax(logits.data(), v);
      const auto& step = steps[s];
      // The token that follows, then the reference's top tokens of the step: the whole head
      // of the distribution, not only the teacher-forced token.
      std::vector<std::pair<int32_t, double>> expected = {
          {step.at("token").get<int32_t>(), step.at("logprob").get<double>()}};
      for (const auto& top : step.at("top"))
        expected.emplace_back(top.at(0).get<int32_t>(), top.at(1).get<double>());
      for (const auto& [token, logprob] : expected) {
        ASSERT_GE(token, 0);
        ASSERT_LT(token, v);
        const double diff = std::fabs(ours[token] - logprob);
        worst = std::max(worst, diff);
        ++compared;
        EXPECT_LE(diff, tolerance) << id << " step " << s << " token " << token << ": nmtd "
                                   << ours[token] << ", transformers " << logprob;
      }
    }
  }
  std::printf("compared %zu log-probs with transformers %s: largest difference %.3g\n", compared,
              ref.at("transformers_version").get<std::string>().c_str(), worst);
}

}  // namespace
}  // namespace nmtd
