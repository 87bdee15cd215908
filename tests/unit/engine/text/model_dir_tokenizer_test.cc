// What a model directory needs for its tokenizer, through the nmtd binary as a user meets it:
// a directory with Hugging Face's tokenizer.json instead of sentencepiece.bpe.model (Baketa's
// install) translates exactly as with the .model, and one with neither says that both are
// missing. Runs the built nmtd (NMTD_BINARY) with a shell, as tests/unit/convert does.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace nmtd {
namespace {

namespace fs = std::filesystem;

const fs::path kHfJson = fs::path(NMTD_TEST_DATA) / "hf-tokenizer/tokenizer.json";

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

// `args` are shell words, quoted by the caller.
Result run_nmtd(const std::string& args, const fs::path& scratch) {
  const fs::path err_file = scratch / "stderr.txt";
  const std::string command =
      std::string("'") + NMTD_BINARY + "' " + args + " 2>'" + err_file.string() + "'";
  Result r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  r.status = ::pclose(pipe);
  std::ifstream in(err_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  return r;
}

class ModelDirTokenizer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(NMTD_BINARY)) << NMTD_BINARY << " is not built: build target nmtd";
    dir_ = fs::temp_directory_path() / ("nmtd-modeldir-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const auto made = run_nmtd("make-test-model --out '" + (dir_ / "spm").string() + "'", dir_);
    ASSERT_EQ(made.status, 0) << made.err;
    ASSERT_TRUE(fs::exists(dir_ / "spm/sentencepiece.bpe.model"));
    fs::copy(dir_ / "spm", dir_ / "hf", fs::copy_options::recursive);
    fs::remove(dir_ / "hf/sentencepiece.bpe.model");
    fs::copy_file(kHfJson, dir_ / "hf/tokenizer.json");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string translate(const std::string& model) {
    const auto r = run_nmtd("translate --model '" + (dir_ / model).string() +
                                "' --source eng_Latn --target fra_Latn --max-decoding-length 16 "
                                "'Hello world.' '  Ｆｕｌｌ-width   ﬁles ①  ' 'Quit game?' "
                                "'日本語のテスト' 'ça déjà, über'",
                            dir_);
    EXPECT_EQ(r.status, 0) << model << ": " << r.err;
    return r.out;
  }

  fs::path dir_;
};

TEST_F(ModelDirTokenizer, TokenizerJsonAloneTranslatesLikeTheSentencePieceModel) {
  const std::string with_spm = translate("spm");
  EXPECT_FALSE(with_spm.empty());
  EXPECT_EQ(translate("hf"), with_spm);
  // Both files: the original .model is read (a broken tokenizer.json beside it is not looked at).
  std::ofstream(dir_ / "spm/tokenizer.json") << "{broken";
  EXPECT_EQ(translate("spm"), with_spm);
}

TEST_F(ModelDirTokenizer, NeitherFileIsAnErrorNamingBoth) {
  fs::remove(dir_ / "hf/tokenizer.json");
  const auto r = run_nmtd(
      "translate --model '" + (dir_ / "hf").string() + "' --source eng_Latn --target fra_Latn x",
      dir_);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("sentencepiece.bpe.model"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tokenizer.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("neither"), std::string::npos) << r.err;
}

TEST_F(ModelDirTokenizer, BrokenTokenizerJsonIsAnErrorNamingFileAndField) {
  std::ofstream(dir_ / "hf/tokenizer.json", std::ios::trunc)
      << R"({"model": {"type": "BPE", "vocab": {}, "merges": [], "unk_token": "<unk>"}})";
  const auto r = run_nmtd(
      "translate --model '" + (dir_ / "hf").string() + "' --source eng_Latn --target fra_Latn x",
      dir_);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find((dir_ / "hf/tokenizer.json").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("model.fuse_unk"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nmtd
