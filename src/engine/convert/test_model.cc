#include "engine/convert/test_model.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/thread_pool.h"
#include "engine/convert/hf_converter_output.h"
#include "engine/convert/model_writer.h"
#include "engine/model/model_config.h"
#include "engine/model/vocabulary.h"

namespace nmtd {

namespace {

// The recipe (see test_model.h); written to generator.json as well.
constexpr float kEmbStdC = 3.0f;
constexpr float kEosRowScale = 2.4f;
constexpr float kFillerRowScale = 0.3f;
// The fixture uses 1/sqrt(fan_in) for q/k/v/fc1. That leaves attention nearly uniform
// (q.k/sqrt(dh) has std ~1), so beyond the fixture's 2x64 shape every input decodes to one
// repeated token (measured: 1.1 distinct tokens in 47 at 6+6x512). 4/sqrt(fan_in) keeps
// attention selective: ~13-25 distinct tokens per 40-47 at 2x64 to 6+6x512.
constexpr float kInStdC = 4.0f;
constexpr float kOutStdC = 16.0f;
constexpr float kBiasStd = 0.02f;
constexpr float kGammaStd = 0.1f;
constexpr float kBetaStd = 0.05f;

// The conditioned recipe (test_model.h).
constexpr float kCondInStdC = 1.5f;
constexpr float kCondOutStdC = 1.0f;
constexpr float kCondLogitScale = 8.0f;  // the decoder's final layer norm gamma
constexpr float kCondEosRowScale = 2.4f;
constexpr float kCondUnkRowScale = 0.5f;
constexpr float kCondBiasStd = 0.02f;

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;
// Four 16-bit uniforms sum to mean 4*65535/2 with std ~65536/sqrt(3).
constexpr int32_t kIrwinHallMean = 131070;
constexpr float kIrwinHallScale = 1.7320508f / 65536.0f;

// splitmix64's finaliser: a strong 64-bit mix, so consecutive counters give independent
// looking outputs and any element can be computed without the ones before it.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

inline float normal_at(uint64_t key, uint64_t index) {
  const uint64_t x = mix64(key + index * kGolden);
  const auto s =
      static_cast<int32_t>((x & 0xffff) + ((x >> 16) & 0xffff) + ((x >> 32) & 0xffff) + (x >> 48));
  return static_cast<float>(s - kIrwinHallMean) * kIrwinHallScale;
}

void fill_row(uint64_t key, uint64_t first, int64_t n, float mean, float stddev, float* out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = normal_at(key, first + static_cast<uint64_t>(i)) * stddev + mean;
}

class RandomSource final : public WeightSource {
 public:
  RandomSource(const TestModelOptions& o, int64_t num_real_tokens)
      : seed_(o.seed), num_real_(num_real_tokens), recipe_(o.recipe), shape_(o.shape) {}

  void check(const SourceTensor&) const override {}

  void read_rows(const SourceTensor& t, int64_t begin, int64_t end, float* out) const override {
    const uint64_t key = test_model_tensor_key(seed_, t.name);
    const int64_t cols = t.cols();
    const auto [mean, stddev] =
        recipe_ == TestModelRecipe::kConditioned ? conditioned_moments(t) : legacy_moments(t);
    for (int64_t r = begin; r < end; ++r) {
      float* row = out + (r - begin) * cols;
      fill_row(key, static_cast<uint64_t>(r * cols), cols, mean, stddev, row);
      if (t.role != WeightRole::kEmbedding) continue;
      if (recipe_ == TestModelRecipe::kConditioned)
        adjust_conditioned_row(r, cols, row);
      else
        adjust_embedding_row(key, r, cols, stddev, row);
    }
  }

 private:
  struct Moments {
    float mean, stddev;
  };

  static Moments legacy_moments(const SourceTensor& t) {
    // A 1-D tensor is one row of n values here (read_rows counts its elements as rows).
    const auto fan_in = static_cast<float>(t.shape.size() == 2 ? t.shape[1] : 1);
    switch (t.role) {
      case WeightRole::kEmbedding:
        return {0.0f, kEmbStdC / std::sqrt(static_cast<float>(t.cols()))};
      case WeightRole::kLinearIn:
        return {0.0f, kInStdC / std::sqrt(fan_in)};
      case WeightRole::kLinearOut:
        return {0.0f, kOutStdC / std::sqrt(fan_in)};
      case WeightRole::kBias:
        break;
      case WeightRole::kNormGamma:
        return {1.0f, kGammaStd};
      case WeightRole::kNormBeta:
        return {0.0f, kBetaStd};
    }
    return {0.0f, kBiasStd};
  }

  Moments conditioned_moments(const SourceTensor& t) const {
    const auto fan_in = static_cast<float>(t.shape.size() == 2 ? t.shape[1] : 1);
    switch (t.role) {
      case WeightRole::kEmbedding:
        return {0.0f, 1.0f / std::sqrt(static_cast<float>(t.cols()))};
      case WeightRole::kLinearIn:
        return {0.0f, kCondInStdC / std::sqrt(fan_in)};
      case WeightRole::kLinearOut: {
        const bool encoder = t.name.find("encoder.") != std::string::npos;
        const int layers = encoder ? shape_.encoder_layers : shape_.decoder_layers;
        return {0.0f, kCondOutStdC / std::sqrt(fan_in * 2.0f * static_cast<float>(layers))};
      }
      case WeightRole::kBias:
        break;
      case WeightRole::kNormGamma:
        // The tied projection reads the decoder's final norm: its gain sets the logits' spread.
        return {t.name.ends_with("decoder.layer_norm.weight") ? kCondLogitScale : 1.0f, 0.0f};
      case WeightRole::kNormBeta:
        return {0.0f, 0.0f};
    }
    return {0.0f, kCondBiasStd};
  }

  // Special rows: <pad> (1) never predicted, </s> (2) and <unk> (3) predicted sometimes, and
  // fillers rarely, so generated text ends and is made of real pieces.
  void adjust_embedding_row(uint64_t key, int64_t r, int64_t cols, float stddev, float* row) const {
    if (r == 1) {
      std::fill(row, row + cols, 0.0f);
    } else if (r == 2) {
      for (int64_t c = 0; c < cols; ++c) row[c] *= kEosRowScale;
    } else if (r == 3) {
      for (int64_t c = 0; c < cols; ++c)
        row[c] += normal_at(key, static_cast<uint64_t>(2 * cols + c)) * stddev * kEosRowScale;
    } else if (r >= num_real_) {
      for (int64_t c = 0; c < cols; ++c) row[c] *= kFillerRowScale;
    }
  }

  // <pad> zero; </s> a little larger than a piece, so that outputs end; <unk> and fillers
  // smaller, so that outputs are real pieces.
  void adjust_conditioned_row(int64_t r, int64_t cols, float* row) const {
    float scale = 1.0f;
    if (r == 1)
      scale = 0.0f;
    else if (r == 2)
      scale = kCondEosRowScale;
    else if (r == 3)
      scale = kCondUnkRowScale;
    else if (r >= num_real_)
      scale = kFillerRowScale;
    for (int64_t c = 0; c < cols; ++c) row[c] *= scale;
  }

  uint64_t seed_;
  int64_t num_real_;
  TestModelRecipe recipe_;
  NllbShape shape_;
};

std::string generator_json(const TestModelOptions& o, int64_t num_real_tokens,
                           std::size_t spm_bytes) {
  const NllbShape& s = o.shape;
  nlohmann::ordered_json j;
  j["generator"] = "nmtd make-test-model";
  j["seed"] = o.seed;
  j["encoder_layers"] = s.encoder_layers;
  j["decoder_layers"] = s.decoder_layers;
  j["d_model"] = s.d_model;
  j["heads"] = s.heads;
  j["ffn"] = s.encoder_ffn;
  j["vocab_size"] = s.vocab_size;
  j["real_tokens"] = num_real_tokens;
  j["max_position_embeddings"] = s.max_positions;
  j["quantization"] = std::string(quantization_name(o.quantization));
  j["parameters"] = test_model_parameters(o);
  j["sentencepiece_model_bytes"] = spm_bytes;
  if (o.recipe == TestModelRecipe::kConditioned) {
    j["recipe"] = "conditioned";
    j["weights"] = {{"normal", "Irwin-Hall(4) of splitmix64(key(seed, tensor) + index * golden)"},
                    {"emb_std", "1/sqrt(d)"},
                    {"eos_row_scale", kCondEosRowScale},
                    {"unk_row_scale", kCondUnkRowScale},
                    {"filler_row_scale", kFillerRowScale},
                    {"in_std_c", kCondInStdC},
                    {"out_std", "1/sqrt(fan_in * 2 * layers of its stack)"},
                    {"bias_std", kCondBiasStd},
                    {"ln_gamma", 1.0},
                    {"ln_beta", 0.0},
                    {"decoder_final_ln_gamma", kCondLogitScale},
                    {"lm_head", "its own matrix, as the embedding"}};
    return j.dump(1) + "\n";
  }
  j["weights"] = {{"normal", "Irwin-Hall(4) of splitmix64(key(seed, tensor) + index * golden)"},
                  {"emb_std_c", kEmbStdC},
                  {"eos_row_scale", kEosRowScale},
                  {"unk_row", "eos row + own row"},
                  {"filler_row_scale", kFillerRowScale},
                  {"in_std_c", kInStdC},
                  {"out_std_c", kOutStdC},
                  {"bias_std", kBiasStd},
                  {"ln_gamma", "1 + N(0, 0.1)"},
                  {"ln_beta", "N(0, 0.05)"}};
  return j.dump(1) + "\n";
}

}  // namespace

int64_t test_model_parameters(const TestModelOptions& o) {
  const int64_t untied =
      o.recipe == TestModelRecipe::kConditioned ? o.shape.vocab_size * o.shape.d_model : 0;
  return o.shape.num_parameters() + untied;
}

TestModelRecipe parse_test_model_recipe(const std::string& name) {
  if (name == "legacy") return TestModelRecipe::kLegacy;
  if (name == "conditioned") return TestModelRecipe::kConditioned;
  throw InvalidArgument("unknown recipe '" + name + "' (choose conditioned or legacy)");
}

const char* test_model_recipe_name(TestModelRecipe recipe) {
  return recipe == TestModelRecipe::kConditioned ? "conditioned" : "legacy";
}

TestModelRecipe default_test_model_recipe(const NllbShape& shape) {
  return shape.encoder_layers > 3 || shape.decoder_layers > 3 ? TestModelRecipe::kConditioned
                                                              : TestModelRecipe::kLegacy;
}

float test_model_normal(uint64_t key, uint64_t index) { return normal_at(key, index); }

uint64_t test_model_tensor_key(uint64_t seed, const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a of the name, then mixed with the seed
  for (const char c : name) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return mix64(mix64(h) ^ mix64(seed + kGolden));
}

uint64_t make_test_model(const TestModelOptions& o, const std::vector<std::string>& vocabulary,
                         int64_t num_real_tokens, std::span<const std::byte> spm_model) {
  o.shape.validate();
  if (o.shape.encoder_ffn != o.shape.decoder_ffn)
    throw InvalidArgument("make-test-model uses one ffn size for both stacks");
  if (static_cast<int64_t>(vocabulary.size()) != o.shape.vocab_size)
    throw InvalidArgument("vocabulary has " + std::to_string(vocabulary.size()) +
                          " tokens, the shape says " + std::to_string(o.shape.vocab_size));
  StagedDirectory out(o.out, o.force);
  {
    const int threads = o.threads > 0
                            ? o.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    ThreadPool pool(threads);
    ModelWriter writer;
    NllbHfNames names;
    // Tied, the projection scores the decoder's own input embedding highest at every step (it
    // is in the residual stream), and greedy decoding repeats one token: the conditioned recipe
    // gives the projection its own matrix, which CTranslate2 stores as decoder/projection.
    if (o.recipe == TestModelRecipe::kConditioned) names.lm_head = "lm_head.weight";
    write_nllb_model(o.shape, names, RandomSource(o, num_real_tokens), o.quantization, pool,
                     writer);
    writer.alias_duplicates();  // same pass as the converter; random tensors never match
    writer.write(out.path() / "model.bin");
  }
  ModelConfig{}.save(out.path());  // NLLB's: </s> starts decoding, no source bos/eos
  Vocabulary::save_json(out.path() / "shared_vocabulary.json", vocabulary);
  write_file_atomically(out.path() / "sentencepiece.bpe.model",
                        {reinterpret_cast<const char*>(spm_model.data()), spm_model.size()});
  write_file_atomically(out.path() / "generator.json",
                        generator_json(o, num_real_tokens, spm_model.size()));
  const uint64_t bytes = std::filesystem::file_size(out.path() / "model.bin");
  out.commit();
  return bytes;
}

}  // namespace nmtd
