// A SentencePiece model rebuilt from Hugging Face's tokenizer.json (what Baketa installs beside
// the model) against libsentencepiece on the original sentencepiece.bpe.model: the same pieces
// and the same text. tests/data/hf-tokenizer/tokenizer.json was made from
// assets/sentencepiece.bpe.model by transformers (tests/tools/make_hf_tokenizer_json.py).
#include "engine/text/sentencepiece/hf_tokenizer_json.h"

#include <gtest/gtest.h>
#include <sentencepiece_processor.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
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
using nlohmann::json;

const fs::path kSpmModel = fs::path(NMTD_TEST_DATA) / "../../assets/sentencepiece.bpe.model";
const fs::path kHfJson = fs::path(NMTD_TEST_DATA) / "hf-tokenizer/tokenizer.json";

std::unique_ptr<sentencepiece::SentencePieceProcessor> load_reference() {
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = sp->Load(kSpmModel.string());
  if (!status.ok()) throw std::runtime_error(status.ToString());
  return sp;
}

Processor from_hf() { return Processor(model_from_tokenizer_json_file(kHfJson)); }

TEST(HfTokenizerJson, PiecesAndFlagsAreSentencePiecesOwn) {
  const ModelProto hf = model_from_tokenizer_json_file(kHfJson);
  const ModelProto spm = parse_model_proto(read_text_file(kSpmModel));
  ASSERT_EQ(hf.pieces.size(), spm.pieces.size());  // fairseq's <pad> is not a piece
  for (const auto& p : spm.pieces) {
    const auto it = std::find_if(hf.pieces.begin(), hf.pieces.end(),
                                 [&](const Piece& q) { return q.text == p.text; });
    ASSERT_NE(it, hf.pieces.end()) << p.text;
    EXPECT_EQ(it->type, p.type) << p.text;
  }
  EXPECT_EQ(hf.normalizer.precompiled_charsmap, spm.normalizer.precompiled_charsmap);
  EXPECT_EQ(hf.normalizer.add_dummy_prefix, spm.normalizer.add_dummy_prefix);
  EXPECT_EQ(hf.normalizer.remove_extra_whitespaces, spm.normalizer.remove_extra_whitespaces);
  EXPECT_EQ(hf.normalizer.escape_whitespaces, spm.normalizer.escape_whitespaces);
  EXPECT_EQ(hf.byte_fallback, spm.byte_fallback);
}

TEST(HfTokenizerJson, EncodesLikeLibsentencepieceOnTheOriginalModel) {
  const auto reference = load_reference();
  const Processor ours = from_hf();
  for (unsigned seed : {21u, 22u}) {
    for (const auto& text : random_texts(seed, 1500)) {
      std::vector<std::string> expected;
      ASSERT_TRUE(reference->Encode(text, &expected).ok());
      EXPECT_EQ(ours.encode(text), expected) << "text: [" << text << "]";
    }
  }
}

TEST(HfTokenizerJson, DecodesLikeLibsentencepieceOnTheOriginalModel) {
  const auto reference = load_reference();
  const Processor ours = from_hf();
  std::mt19937 rng(23);
  const auto& pieces = ours.pieces();
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  const std::vector<std::string> strays = {"<unk>", "<s>",         "</s>", "<pad>",
                                           "▁",     "not-a-piece", "▁𝔘"};
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

// The shipped file with one change, converted; returns the error message ("" if none).
std::string error_after(const std::function<void(json&)>& change) {
  json doc = json::parse(read_text_file(kHfJson));
  change(doc);
  try {
    Processor p(model_from_tokenizer_json(doc.dump()));
  } catch (const ModelFormatError& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::function<void(json&)>& change, const std::string& needle) {
  const std::string message = error_after(change);
  EXPECT_NE(message.find("tokenizer.json"), std::string::npos) << message;
  EXPECT_NE(message.find(needle), std::string::npos) << "want [" << needle << "] in: " << message;
}

TEST(HfTokenizerJson, MalformedFilesAreClearErrorsNamingTheField) {
  expect_error([](json& d) { d.erase("model"); }, "model is missing");
  expect_error([](json& d) { d["model"]["type"] = "Unigram"; }, "model.type is \"Unigram\"");
  expect_error([](json& d) { d["model"]["vocab"] = json::array(); }, "model.vocab has the wrong");
  expect_error([](json& d) { d["model"]["vocab"]["er"] = "x"; }, "model.vocab[\"er\"]");
  expect_error([](json& d) { d["model"]["dropout"] = 0.1; }, "model.dropout");
  expect_error([](json& d) { d["model"]["fuse_unk"] = false; }, "model.fuse_unk");
  expect_error([](json& d) { d["model"]["unk_token"] = "<what>"; }, "model.unk_token");
  expect_error(
      [](json& d) {
        d["model"]["merges"][5] = json::array({"zz", "qq"});
      },
      "model.merges[5]");
  expect_error([](json& d) { d["model"]["merges"][0] = 7; }, "model.merges[0]");
  expect_error([](json& d) { d["normalizer"]["normalizers"][0]["precompiled_charsmap"] = "*!"; },
               "normalizer.normalizers[0].precompiled_charsmap");
  expect_error([](json& d) { d["normalizer"]["normalizers"][0]["precompiled_charsmap"] = "AAAA"; },
               "charsmap");
  expect_error(
      [](json& d) {
        d["normalizer"]["normalizers"][1] = {{"type", "NFKC"}};
      },
      "normalizer.normalizers[1].type is \"NFKC\"");
  expect_error([](json& d) { d["normalizer"]["normalizers"][2]["content"] = "_"; },
               "normalizer.normalizers[2]");
  expect_error([](json& d) { d["normalizer"]["normalizers"].erase(2); }, "strips spaces");
  expect_error([](json& d) { d.erase("pre_tokenizer"); }, "pre_tokenizer is missing");
  expect_error([](json& d) { d["pre_tokenizer"]["replacement"] = "_"; },
               "pre_tokenizer.replacement");
  expect_error([](json& d) { d["pre_tokenizer"]["prepend_scheme"] = "sometimes"; },
               "pre_tokenizer.prepend_scheme");
  expect_error([](json& d) { d["decoder"] = {{"type", "ByteLevel"}}; }, "decoder.type");
  expect_error([](json& d) { d["added_tokens"][0].erase("special"); }, "added_tokens[0].special");
  EXPECT_THROW(model_from_tokenizer_json("{not json"), ModelFormatError);
  EXPECT_THROW(model_from_tokenizer_json(""), ModelFormatError);
  EXPECT_THROW(model_from_tokenizer_json("[]"), ModelFormatError);
}

TEST(HfTokenizerJson, SettingsTheJsonHoldsAreHonoured) {
  // Files from tokenizers before 0.15 (add_prefix_space) and before 0.20 ("left right" merges).
  json doc = json::parse(read_text_file(kHfJson));
  for (const char* part : {"pre_tokenizer", "decoder"}) {
    doc[part].erase("prepend_scheme");
    doc[part]["add_prefix_space"] = true;
  }
  for (auto& m : doc["model"]["merges"])
    m = m[0].get<std::string>() + " " + m[1].get<std::string>();
  doc["normalizer"]["normalizers"].erase(1);  // the older converter wrote no Strip
  doc["normalizer"]["normalizers"][1]["content"] = " ";
  const Processor old_style(model_from_tokenizer_json(doc.dump()));
  const Processor current = from_hf();
  for (const auto& text : random_texts(24, 300))
    EXPECT_EQ(old_style.encode(text), current.encode(text)) << text;

  doc["pre_tokenizer"]["add_prefix_space"] = false;
  doc["normalizer"]["normalizers"].erase(1);
  const ModelProto raw = model_from_tokenizer_json(doc.dump());
  EXPECT_FALSE(raw.normalizer.add_dummy_prefix);
  EXPECT_FALSE(raw.normalizer.remove_extra_whitespaces);
}

TEST(HfTokenizerJson, FileErrorsNameTheFile) {
  const fs::path dir = fs::temp_directory_path() / ("nmtd-hf-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "tokenizer.json") << R"({"model": {"type": "WordPiece"}})";
  try {
    model_from_tokenizer_json_file(dir / "tokenizer.json");
    ADD_FAILURE() << "no error";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "tokenizer.json").string() + ": model.type"),
              std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nmtd::spm
