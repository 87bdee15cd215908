// A model folder whose numbers are wrong must not load: a head count, a scale or a weight the
// arithmetic cannot use is a ModelFormatError naming the variable, never a model that serves
// garbage. Each case patches one value of a copy of the fixture in place.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "common/error.h"
#include "engine/model/model_file.h"
#include "engine/translator.h"
#include "unit/engine/model/model_test_util.h"

namespace nmtd {
namespace {

const std::filesystem::path kFixture = std::filesystem::path(NMTD_TEST_DATA) / "tiny-nllb-s1";

// A copy of one of the fixture's model folders, whose values can be overwritten.
class PatchedModel {
 public:
  explicit PatchedModel(const char* variant) { std::filesystem::copy(kFixture / variant, dir()); }
  const std::filesystem::path& dir() const { return tmp_.path(); }

  // Overwrites element `index` of `name`, converted to the variable's stored dtype.
  void set(const std::string& name, double value, int64_t index = 0) {
    uint64_t offset = 0;
    DType dtype{};
    {
      const ModelFile m = ModelFile::open(dir() / "model.bin");
      const Variable& v = m.get(name);
      ASSERT_LT(index, v.num_elements()) << name;
      dtype = v.dtype;
      offset = v.offset + static_cast<uint64_t>(index) * dtype_size(v.dtype);
    }
    // Integers are written only where they fit: a float-to-integer cast out of range is UB.
    if (dtype != DType::kF32) {
      ASSERT_TRUE(value >= -128 && value <= 127) << name << ": " << value;
    }
    char bytes[4];
    std::size_t n = 0;
    switch (dtype) {
      case DType::kF32: {
        const auto f = static_cast<float>(value);
        std::memcpy(bytes, &f, n = 4);
        break;
      }
      case DType::kI8: {
        const auto i = static_cast<int8_t>(value);
        std::memcpy(bytes, &i, n = 1);
        break;
      }
      case DType::kI16: {
        const auto i = static_cast<int16_t>(value);
        std::memcpy(bytes, &i, n = 2);
        break;
      }
      case DType::kI32: {
        const auto i = static_cast<int32_t>(value);
        std::memcpy(bytes, &i, n = 4);
        break;
      }
      default:
        FAIL() << name << ": a dtype this test does not patch";
    }
    std::fstream f(dir() / "model.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes, static_cast<std::streamsize>(n));
    ASSERT_TRUE(f.good());
  }

  // The load error, or "" when the model loaded.
  std::string load_error() const {
    try {
      Translator t(dir());
    } catch (const ModelFormatError& e) {
      return e.what();
    }
    return "";
  }

 private:
  TempDir tmp_;
};

TEST(InvalidWeights, TheUnpatchedCopiesLoad) {
  EXPECT_EQ(PatchedModel("ct2-int8").load_error(), "");
  EXPECT_EQ(PatchedModel("ct2-float32").load_error(), "");
}

TEST(InvalidWeights, HeadCountsThatAreNotUsableAreRefused) {
  // -4 was once taken for "not stored" and loaded with 8 heads, changing the output.
  for (const double heads : {-4.0, 0.0, 3.0, 100.0}) {  // d_model is 64
    PatchedModel m("ct2-int8");
    m.set("encoder/num_heads", heads);
    const std::string error = m.load_error();
    EXPECT_NE(error.find("encoder/num_heads"), std::string::npos) << heads << ": " << error;
  }
  PatchedModel m("ct2-float32");
  m.set("decoder/num_heads", -4);
  EXPECT_NE(m.load_error().find("decoder/num_heads"), std::string::npos);
}

TEST(InvalidWeights, NonFiniteOrNonPositiveScalesAreRefused) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const double scale : {nan, inf, 0.0, -1.0}) {
    PatchedModel m("ct2-int8");
    m.set("decoder/layer_0/ffn/linear_0/weight_scale", scale, 5);
    const std::string error = m.load_error();
    EXPECT_NE(error.find("decoder/layer_0/ffn/linear_0/weight_scale"), std::string::npos)
        << scale << ": " << error;
    EXPECT_NE(error.find("element 5"), std::string::npos) << error;
  }
}

TEST(InvalidWeights, NonFiniteWeightsAreRefused) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const char* name : {"encoder/layer_0/self_attention/linear_0/weight",
                           "decoder/layer_0/ffn/layer_norm/gamma", "decoder/projection/bias"}) {
    for (const double value : {nan, -inf}) {
      PatchedModel m("ct2-float32");
      if (ModelFile::open(m.dir() / "model.bin").find(name) == nullptr) continue;
      m.set(name, value, 3);
      const std::string error = m.load_error();
      EXPECT_NE(error.find(name), std::string::npos) << value << ": " << error;
      EXPECT_NE(error.find("finite"), std::string::npos) << error;
    }
  }
}

TEST(InvalidWeights, AVocabularyCountNamesTheAppendedUnkToken) {
  // With an unk token the file lacks, CTranslate2 appends it: the count no longer matches the
  // file, and the error must say so rather than give a number the file does not have.
  PatchedModel m("ct2-int8");
  std::string config = read_bytes(m.dir() / "config.json");
  config.replace(config.find("\"<unk>\""), 7, "\"<UNK>\"");
  write_bytes(m.dir() / "config.json", config);
  const std::string error = m.load_error();
  EXPECT_NE(error.find("the file's 2204 and the unk token \"<UNK>\""), std::string::npos) << error;
}

}  // namespace
}  // namespace nmtd
