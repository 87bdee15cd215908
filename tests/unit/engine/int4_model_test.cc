// A model converted with --quantization int4: it loads with the int4 kernels, scores close to
// the float32 conversion of the same checkpoint, and is refused, with a message that says
// why, by compute types that cannot use it and when its bytes are cut short or its scales
// are wrong.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "engine/convert/hf_converter.h"
#include "engine/model/model_file.h"
#include "engine/text/nllb_vocab_builder.h"
#include "engine/translator.h"

namespace nmtd {
namespace {

namespace fs = std::filesystem;

const fs::path kHf = fs::path(NMTD_TEST_DATA) / "tiny-nllb-s1" / "hf";

class Int4Model : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "nmtd-int4-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    const HfModelInfo info = read_hf_config(kHf);
    for (auto [q, name] :
         {std::pair{Quantization::kFloat32, "float32"}, std::pair{Quantization::kInt4, "int4"},
          std::pair{Quantization::kInt8, "int8"}}) {
      ConvertOptions o;
      o.from = kHf;
      o.out = root_ / name;
      o.quantization = q;
      o.threads = 1;
      convert_hf_checkpoint(o, nllb_vocabulary_for_hf(kHf, info.shape.vocab_size));
    }
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  static TranslatorConfig config(ComputeType c) {
    TranslatorConfig t;
    t.compute_type = c;
    t.num_threads = 1;
    return t;
  }

  // Teacher-forced log-probabilities of a few pairs, all tokens in one vector.
  static std::vector<float> scores(Translator& t) {
    const auto results = t.score_text(
        {"Hello world", "The file could not be opened.", "Press any key to continue"},
        {"Bonjour le monde", "Le fichier n'a pas pu être ouvert.", "Appuyez sur une touche"},
        "eng_Latn", "fra_Latn", ScoringOptions{});
    std::vector<float> all;
    for (const auto& r : results) all.insert(all.end(), r.log_probs.begin(), r.log_probs.end());
    return all;
  }

  static double mean_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    EXPECT_EQ(a.size(), b.size());
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) sum += std::fabs(a[i] - b[i]);
    return sum / static_cast<double>(a.size());
  }

  static inline fs::path root_;
};

TEST_F(Int4Model, StoresInt4WithGroupScales) {
  const ModelFile m = ModelFile::open(root_ / "int4" / "model.bin");
  const Variable& w = m.get("encoder/layer_0/ffn/linear_0/weight");
  EXPECT_EQ(w.dtype, DType::kI4);
  EXPECT_EQ(w.num_bytes, static_cast<uint64_t>(w.shape[0] * ((w.shape[1] + 1) / 2)));
  const Variable& s = m.get("encoder/layer_0/ffn/linear_0/weight_scale");
  EXPECT_EQ(s.dtype, DType::kBF16);
  EXPECT_EQ(s.shape, (std::vector<int64_t>{w.shape[0], (w.shape[1] + 63) / 64}));
  EXPECT_EQ(m.get("decoder/embeddings/weight").dtype, DType::kI4);  // gathered from int4
  EXPECT_EQ(m.get("encoder/layer_0/ffn/linear_0/bias").dtype, DType::kF32);
  EXPECT_LT(m.file_size(), ModelFile::open(root_ / "int8" / "model.bin").file_size());
}

TEST_F(Int4Model, ComputesInInt4AndScoresCloseToFloat32) {
  Translator int4(root_ / "int4", config(ComputeType::kDefault));
  EXPECT_EQ(int4.info().compute_type, "int4");
  EXPECT_EQ(int4.info().stored_type, "int4");
  Translator f32(root_ / "float32", config(ComputeType::kFloat32));
  Translator int8(root_ / "int8", config(ComputeType::kDefault));
  const auto want = scores(f32);
  const double d4 = mean_abs_diff(scores(int4), want);
  const double d8 = mean_abs_diff(scores(int8), want);
  // The fixture's random weights (its legacy recipe is poorly conditioned) on 15 levels a
  // group: measured 0.82 nats a token from float32, int8 0.076. Broken kernels give several.
  EXPECT_GT(d4, d8);
  EXPECT_LT(d4, 1.2) << "int8: " << d8;
  // Dequantized to float32, the same int4 values differ from the int4 kernels only by the
  // activations' int8 rounding, which int8 compute has too: measured 0.052.
  Translator dequantized(root_ / "int4", config(ComputeType::kFloat32));
  EXPECT_EQ(dequantized.info().compute_type, "float32");
  EXPECT_LT(mean_abs_diff(scores(dequantized), scores(int4)), d8);
  TranslationOptions greedy;
  greedy.decoding.beam_size = 1;
  greedy.decoding.max_decoding_length = 16;
  EXPECT_FALSE(
      int4.translate_text({"Hello world"}, "eng_Latn", "fra_Latn", greedy)[0].hypotheses.empty());
}

TEST_F(Int4Model, ComputeTypesThatCannotUseInt4AreRefused) {
  for (ComputeType c : {ComputeType::kInt8, ComputeType::kInt8Float32}) {
    try {
      Translator t(root_ / "int4", config(c));
      ADD_FAILURE() << "int8 compute of an int4 model loaded";
    } catch (const Unsupported& e) {
      EXPECT_NE(std::string(e.what()).find("stores int4 weights, which compute type int8 cannot "
                                           "use"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(Translator(root_ / "int4", config(ComputeType::kFloat16)), Unsupported);
  for (const char* stored : {"float32", "int8"}) {
    try {
      Translator t(root_ / stored, config(ComputeType::kInt4));
      ADD_FAILURE() << "int4 compute of a " << stored << " model loaded";
    } catch (const Unsupported& e) {
      EXPECT_NE(std::string(e.what()).find("compute type int4 needs a model stored in int4"),
                std::string::npos)
          << e.what();
    }
  }
}

// A copy of the int4 folder to break.
class BrokenInt4 {
 public:
  explicit BrokenInt4(const fs::path& from) : dir_(from.parent_path() / "broken") {
    fs::remove_all(dir_);
    fs::copy(from, dir_);
  }
  ~BrokenInt4() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const fs::path& dir() const { return dir_; }
  fs::path bin() const { return dir_ / "model.bin"; }

 private:
  fs::path dir_;
};

std::string load_error(const fs::path& dir) {
  try {
    TranslatorConfig c;
    c.num_threads = 1;
    Translator t(dir, c);
  } catch (const ModelFormatError& e) {
    return e.what();
  }
  return "loaded";
}

TEST_F(Int4Model, TruncatedInt4TensorIsRefused) {
  BrokenInt4 m(root_ / "int4");
  uint64_t cut = 0;
  {
    const ModelFile f = ModelFile::open(m.bin());
    const Variable& v = f.get("decoder/embeddings/weight");
    cut = v.offset + v.num_bytes / 2;
  }
  fs::resize_file(m.bin(), cut);
  const std::string error = load_error(m.dir());
  EXPECT_NE(error.find("truncated file: reading the"), std::string::npos) << error;
  EXPECT_NE(error.find("payload of variable 'decoder/embeddings/weight'"), std::string::npos)
      << error;
}

TEST_F(Int4Model, ZeroOrNonFiniteGroupScaleIsRefused) {
  for (const uint16_t bad : {uint16_t{0x0000}, uint16_t{0x7FC0}, uint16_t{0x7F80}}) {
    BrokenInt4 m(root_ / "int4");
    uint64_t at = 0;
    {
      const ModelFile f = ModelFile::open(m.bin());
      at = f.get("decoder/layer_0/ffn/linear_1/weight_scale").offset + 2 * 3;
    }
    {
      std::fstream out(m.bin(), std::ios::in | std::ios::out | std::ios::binary);
      out.seekp(static_cast<std::streamoff>(at));
      out.write(reinterpret_cast<const char*>(&bad), 2);
    }
    const std::string error = load_error(m.dir());
    EXPECT_NE(error.find("'decoder/layer_0/ffn/linear_1/weight_scale' holds"), std::string::npos)
        << error;
    EXPECT_NE(error.find("at element 3 (quantization scales must be finite and above 0)"),
              std::string::npos)
        << error;
  }
}

}  // namespace
}  // namespace nmtd
