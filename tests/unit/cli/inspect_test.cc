// `nmtd inspect` run as a user runs it: the built binary on the fixtures and on broken
// directories, checking what it prints and its exit status.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_process.h"

namespace nmtd {
namespace {

namespace fs = std::filesystem;
const fs::path kFixture = fs::path(NMTD_TEST_DATA) / "tiny-nllb-s1";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Scratch {
 public:
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "nmtd-inspect-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

using InspectRun = testing::ProcessResult;

InspectRun inspect(std::vector<std::string> args) {
  args.insert(args.begin(), "inspect");
  return testing::run_nmtd(args);
}

TEST(InspectCli, DescribesEachFixtureVariant) {
  const std::pair<const char*, const char*> variants[] = {{"ct2-float32", "float32"},
                                                          {"ct2-int8", "int8"},
                                                          {"ct2-int16", "int16"},
                                                          {"ct2-float16", "float16"},
                                                          {"ct2-bfloat16", "bfloat16"}};
  for (const auto& [dir, storage] : variants) {
    const InspectRun r = inspect({(kFixture / dir).string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << dir << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["storage_type"], storage) << dir;
    EXPECT_EQ(j["spec"], "TransformerSpec");
    EXPECT_EQ(j["spec_revision"], 7);
    EXPECT_EQ(j["binary_version"], 6);
    EXPECT_EQ(j["aliases"], 3);
    EXPECT_EQ(j["encoder_layers"], 2);
    EXPECT_EQ(j["decoder_layers"], 2);
    EXPECT_EQ(j["d_model"], 64);
    EXPECT_EQ(j["num_heads"], 4);
    EXPECT_EQ(j["ffn_dim"], 128);
    EXPECT_EQ(j["vocabulary_size"], 2204);
    EXPECT_EQ(j["languages"]["count"], 202);
    EXPECT_EQ(j["languages"]["codes"][0], "ace_Arab");
    EXPECT_EQ(j["config"]["decoder_start_token"], "</s>");
    EXPECT_EQ(j["files"]["model.bin"], fs::file_size(kFixture / dir / "model.bin"));
    EXPECT_TRUE(j["warnings"].empty()) << j["warnings"].dump();
  }
}

// nmtd's int4 extension (docs/model-format.md) is named as such, in text and JSON.
TEST(InspectCli, NamesInt4Storage) {
  Scratch tmp;
  const fs::path dir = tmp.path() / "m";
  const auto made = testing::run_nmtd(
      {"make-test-model", "--out", dir.string(), "--quantization", "int4", "--threads", "1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const InspectRun r = inspect({dir.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["storage_type"], "int4");
  EXPECT_EQ(j["binary_version"], 7);  // nmtd's int4 extension
  EXPECT_TRUE(j["warnings"].empty()) << j["warnings"].dump();
  const InspectRun text = inspect({dir.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("int4"), std::string::npos) << text.out;
}

TEST(InspectCli, TextOutputAndHelp) {
  const InspectRun r = inspect({(kFixture / "ct2-int8").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("TransformerSpec revision 7, binary version 6"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("storage type       int8\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("109 (+ 3 aliases)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("202 of 202 NLLB codes (all)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layer_norm_epsilon=1e-05"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sentencepiece.bpe.model"), std::string::npos) << r.out;
  const InspectRun h = inspect({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("Usage: nmtd inspect DIR"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("--json"), std::string::npos);
  // Usage errors are exit status 2, as for every command.
  EXPECT_EQ(inspect({}).exit_code, 2);
  EXPECT_EQ(inspect({"--bogus", (kFixture / "ct2-int8").string()}).exit_code, 2);
}

TEST(InspectCli, BrokenDirectoriesFailWithTheReason) {
  Scratch dir;
  const fs::path& d = dir.path();
  for (const char* f : {"config.json", "shared_vocabulary.json"})
    fs::copy_file(kFixture / "ct2-float32" / f, d / f);
  // No model.bin at all.
  InspectRun r = inspect({d.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no model.bin"), std::string::npos) << r.err;
  // A truncated model.bin: the error names the file and the offset.
  const std::string model = slurp(kFixture / "ct2-float32" / "model.bin");
  { std::ofstream(d / "model.bin", std::ios::binary) << model.substr(0, 5000); }
  r = inspect({d.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("nmtd inspect: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("model.bin: truncated file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("offset"), std::string::npos) << r.err;
  // A good model.bin but no vocabulary.
  { std::ofstream(d / "model.bin", std::ios::binary) << model; }
  fs::remove(d / "shared_vocabulary.json");
  r = inspect({d.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no vocabulary file"), std::string::npos) << r.err;
  // Missing config.json for a binary version 6 model.
  fs::copy_file(kFixture / "ct2-float32" / "shared_vocabulary.json", d / "shared_vocabulary.json");
  fs::remove(d / "config.json");
  r = inspect({d.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("config.json: missing"), std::string::npos) << r.err;
  // Not a directory at all, and a Hugging Face checkpoint.
  r = inspect({(d / "nope").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a model directory"), std::string::npos) << r.err;
  r = inspect({(kFixture / "hf").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Hugging Face"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nmtd
