// Checkpoints nmtd cannot convert get a clear error naming the file and what is wrong, and
// a failed conversion leaves no output directory behind.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "engine/convert/hf_converter.h"
#include "unit/engine/convert/convert_test_util.h"

namespace nmtd::convtest {
namespace {

// A copy of the fixture checkpoint whose config.json / tensors a test can change.
class BrokenCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(hf());
    copy_hf_side_files(hf());
    fs::copy_file(kFixture / "hf" / "model.safetensors", hf() / "model.safetensors");
  }
  fs::path hf() const { return tmp_ / "hf"; }
  fs::path out() const { return tmp_ / "out"; }

  void set_config(const std::string& key, const nlohmann::json& value) {
    auto j = nlohmann::json::parse(read_file(hf() / "config.json"));
    j[key] = value;
    write_file(hf() / "config.json", j.dump(2));
  }

  // Converts and returns the error message of the expected exception type.
  template <typename E>
  std::string error() {
    try {
      convert(hf(), out(), Quantization::kInt8);
    } catch (const E& e) {
      return e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "unexpected exception type: " << e.what();
      return "";
    }
    ADD_FAILURE() << "no error";
    return "";
  }

  void expect_no_output() {
    EXPECT_FALSE(fs::exists(out()));
    for (const auto& e : fs::directory_iterator(tmp_.path()))
      EXPECT_EQ(e.path().filename(), "hf") << "left behind: " << e.path();
  }

  TempDir tmp_;
};

TEST_F(BrokenCheckpoint, NllbMoeIsUnsupported) {
  set_config("model_type", "nllb-moe");
  const auto m = error<Unsupported>();
  EXPECT_NE(m.find("NLLB-MoE"), std::string::npos) << m;
  expect_no_output();
}

TEST_F(BrokenCheckpoint, OtherArchitectureIsUnsupported) {
  set_config("model_type", "bart");
  EXPECT_NE(error<Unsupported>().find("\"bart\""), std::string::npos);
}

TEST_F(BrokenCheckpoint, GeluIsUnsupported) {
  set_config("activation_function", "gelu");
  EXPECT_NE(error<Unsupported>().find("gelu"), std::string::npos);
}

TEST_F(BrokenCheckpoint, HeadsMustDivideDModel) {
  set_config("encoder_attention_heads", 5);
  set_config("decoder_attention_heads", 5);
  const auto m = error<ModelFormatError>();
  EXPECT_NE(m.find("divisible"), std::string::npos) << m;
  EXPECT_NE(m.find("config.json"), std::string::npos) << m;
}

TEST_F(BrokenCheckpoint, DifferentHeadCounts) {
  set_config("decoder_attention_heads", 8);
  EXPECT_NE(error<ModelFormatError>().find("decoder_attention_heads"), std::string::npos);
}

TEST_F(BrokenCheckpoint, WrongValueType) {
  set_config("d_model", "64");
  EXPECT_NE(error<ModelFormatError>().find("\"d_model\" must be an integer"), std::string::npos);
}

TEST_F(BrokenCheckpoint, MissingConfig) {
  fs::remove(hf() / "config.json");
  EXPECT_NE(error<ModelFormatError>().find("config.json: missing"), std::string::npos);
}

TEST_F(BrokenCheckpoint, MissingTensor) {
  auto entries = fixture_entries();
  std::erase_if(entries, [](const StEntry& e) {
    return e.name == "model.decoder.layers.1.encoder_attn.v_proj.bias";
  });
  write_file(hf() / "model.safetensors", make_safetensors(entries));
  const auto m = error<ModelFormatError>();
  EXPECT_NE(m.find("'model.decoder.layers.1.encoder_attn.v_proj.bias'"), std::string::npos) << m;
  EXPECT_NE(m.find("model.safetensors"), std::string::npos) << m;
  expect_no_output();
}

TEST_F(BrokenCheckpoint, ShapeMismatch) {
  set_config("encoder_ffn_dim", 96);
  const auto m = error<ModelFormatError>();
  EXPECT_NE(m.find("model.encoder.layers.0.fc1"), std::string::npos) << m;
  EXPECT_NE(m.find("[128, 64]"), std::string::npos) << m;
  EXPECT_NE(m.find("[96, 64]"), std::string::npos) << m;
}

TEST_F(BrokenCheckpoint, VocabularyLargerThanEmbedding) {
  set_config("vocab_size", 2000);
  EXPECT_NE(error<ModelFormatError>().find("vocab_size"), std::string::npos);
}

TEST_F(BrokenCheckpoint, MissingSentencePieceModel) {
  fs::remove(hf() / "sentencepiece.bpe.model");
  EXPECT_NE(error<ModelFormatError>().find("sentencepiece.bpe.model"), std::string::npos);
}

TEST_F(BrokenCheckpoint, OutputDirectoryRules) {
  fs::create_directories(out());
  write_file(out() / "notes.txt", "mine");
  EXPECT_THROW(convert(hf(), out(), Quantization::kInt8), InvalidArgument);
  EXPECT_EQ(read_file(out() / "notes.txt"), "mine");
  // --force replaces only what looks like a model directory.
  EXPECT_THROW(convert(hf(), out(), Quantization::kInt8, true), InvalidArgument);
  write_file(out() / "model.bin", "old");
  fs::create_directories(out() / "sub");
  EXPECT_THROW(convert(hf(), out(), Quantization::kInt8, true), InvalidArgument);
  fs::remove(out() / "sub");
  convert(hf(), out(), Quantization::kInt8, true);
  EXPECT_FALSE(fs::exists(out() / "notes.txt"));
  expect_same_model_dir(kFixture / "ct2-int8", out());
  // Converting into the checkpoint itself would delete it with --force.
  EXPECT_THROW(convert(hf(), hf(), Quantization::kInt8, true), InvalidArgument);
  EXPECT_THROW(convert(hf(), tmp_.path(), Quantization::kInt8, true), InvalidArgument);
  EXPECT_TRUE(fs::exists(hf() / "model.safetensors"));
}

TEST_F(BrokenCheckpoint, EmptyExistingDirectoryIsFine) {
  fs::create_directories(out());
  convert(hf(), out(), Quantization::kFloat32);
  expect_same_model_dir(kFixture / "ct2-float32", out());
}

}  // namespace
}  // namespace nmtd::convtest
