// Our SentencePiece processor against Debian's libsentencepiece, the implementation every
// NLLB pipeline (CTranslate2's included) tokenizes with: the same pieces for the same text and
// the same text for the same pieces, on the shipped NLLB-style model and on small models trained
// here with each option the processor honours. This binary must never link libprotobuf (the
// library bundles its own copy; see engine/text/sentencepiece/model_proto.h).
#include <gtest/gtest.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/model/model_file_util.h"
#include "engine/text/sentencepiece/processor.h"
#include "unit/engine/text/sentencepiece/random_texts.h"

namespace nmtd::spm {
namespace {

namespace fs = std::filesystem;

const fs::path kShippedModel = fs::path(NMTD_TEST_DATA) / "../../assets/sentencepiece.bpe.model";

std::unique_ptr<sentencepiece::SentencePieceProcessor> load_reference(const fs::path& file) {
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = sp->Load(file.string());
  if (!status.ok()) throw std::runtime_error(status.ToString());
  return sp;
}

void expect_same_encoding(const fs::path& model_file, unsigned seed) {
  auto reference = load_reference(model_file);
  const auto ours = Processor::from_file(model_file);
  for (const auto& text : random_texts(seed, 1500)) {
    std::vector<std::string> expected;
    ASSERT_TRUE(reference->Encode(text, &expected).ok());
    EXPECT_EQ(ours.encode(text), expected) << "text: [" << text << "]";
  }
}

void expect_same_decoding(const fs::path& model_file, unsigned seed) {
  auto reference = load_reference(model_file);
  const auto ours = Processor::from_file(model_file);
  std::mt19937 rng(seed);
  const auto& pieces = ours.pieces();
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  const std::vector<std::string> strays = {"<unk>", "<s>",    "</s>",   "▁",     "not-a-piece",
                                           "▁𝔘",    "<0x41>", "<0xE3>", "<0x81>"};
  std::uniform_int_distribution<std::size_t> stray(0, strays.size() - 1);
  for (int i = 0; i < 1500; ++i) {
    std::vector<std::string> seq;
    for (int n = static_cast<int>(rng() % 12); n > 0; --n)
      seq.push_back(rng() % 5 == 0 ? strays[stray(rng)] : pieces[pick(rng)].text);
    std::string expected;
    ASSERT_TRUE(reference->Decode(seq, &expected).ok());
    std::string joined;
    for (const auto& p : seq) joined += p + "|";
    EXPECT_EQ(ours.decode(seq), expected) << "pieces: " << joined;
  }
}

// Trains a small BPE model with `options` on a corpus mixing scripts; returns the .model path.
fs::path train_model(const fs::path& dir, const std::string& name, const std::string& options,
                     int vocab_size = 300) {
  const fs::path corpus = dir / "corpus.txt";
  if (!fs::exists(corpus)) {
    std::ofstream out(corpus);
    for (const auto& text : random_texts(99, 3000)) {
      std::string line = text;
      std::erase(line, '\n');
      std::erase(line, '\r');
      out << line << " the server translates the menu and the options\n";
    }
  }
  const fs::path prefix = dir / name;
  const auto status = sentencepiece::SentencePieceTrainer::Train(
      "--input=" + corpus.string() + " --model_prefix=" + prefix.string() +
      " --model_type=bpe --vocab_size=" + std::to_string(vocab_size) +
      " --character_coverage=0.98 --minloglevel=2 " + options);
  if (!status.ok()) throw std::runtime_error("training " + name + ": " + status.ToString());
  return prefix.string() + ".model";
}

class TrainedModels : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("nmtd-spm-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static fs::path dir_;
};
fs::path TrainedModels::dir_;

TEST(SpmReference, ShippedModelEncodesLikeLibsentencepiece) {
  expect_same_encoding(kShippedModel, 1);
}

TEST(SpmReference, ShippedModelDecodesLikeLibsentencepiece) {
  expect_same_decoding(kShippedModel, 2);
}

TEST_F(TrainedModels, DefaultNmtNfkc) {
  const auto model = train_model(dir_, "default", "");
  expect_same_encoding(model, 3);
  expect_same_decoding(model, 4);
}

TEST_F(TrainedModels, NoDummyPrefixNoWhitespaceCleanup) {
  const auto model =
      train_model(dir_, "raw", "--add_dummy_prefix=false --remove_extra_whitespaces=false");
  expect_same_encoding(model, 5);
  expect_same_decoding(model, 6);
}

TEST_F(TrainedModels, IdentityNormalizationAndUserDefinedSymbols) {
  const auto model = train_model(
      dir_, "user", "--normalization_rule_name=identity --user_defined_symbols=<sep>,Menu,日本");
  expect_same_encoding(model, 7);
  expect_same_decoding(model, 8);
}

TEST_F(TrainedModels, ByteFallback) {
  const auto model = train_model(dir_, "bytes", "--byte_fallback=true", 600);  // 256 byte pieces
  expect_same_encoding(model, 9);
  expect_same_decoding(model, 10);
}

TEST_F(TrainedModels, WhitespaceAsSuffix) {
  const auto model = train_model(dir_, "suffix", "--treat_whitespace_as_suffix=true");
  expect_same_encoding(model, 11);
  expect_same_decoding(model, 12);
}

TEST(SpmModelProto, BrokenFilesAreClearErrors) {
  const auto bytes = read_text_file(kShippedModel);
  EXPECT_THROW(Processor::from_bytes(bytes.substr(0, bytes.size() / 2)), ModelFormatError);
  EXPECT_THROW(Processor::from_bytes("not a model at all"), ModelFormatError);
  EXPECT_THROW(Processor::from_bytes(""), ModelFormatError);
  EXPECT_THROW(Processor::from_bytes(std::string("\x0a\xff\xff\xff\xff\x0f", 6)), ModelFormatError);
}

}  // namespace
}  // namespace nmtd::spm
