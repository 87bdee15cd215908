#include "engine/text/tokenizer.h"

#include <algorithm>

#include "common/error.h"
#include "common/utf8.h"
#include "engine/model/vocabulary.h"
#include "engine/text/sentencepiece/hf_tokenizer_json.h"
#include "lang/languages.h"

namespace nmtd {

namespace {

bool is_special(std::string_view token) {
  return token == "<s>" || token == "<pad>" || token == "</s>" || token == "<unk>" ||
         token == "<mask>";
}

// NLLB's SentencePiece model, or Hugging Face's tokenizer.json made from it (what Baketa
// installs): the .model wins when both are there, as it is the original.
spm::Processor load_spm(const std::filesystem::path& model_dir) {
  const auto file = model_dir / "sentencepiece.bpe.model";
  const auto hf_file = model_dir / "tokenizer.json";
  try {
    if (std::filesystem::exists(file)) return spm::Processor::from_file(file);
    if (std::filesystem::exists(hf_file))
      return spm::Processor(spm::model_from_tokenizer_json_file(hf_file));
  } catch (const IoError& e) {
    throw ModelFormatError(std::string("cannot load the tokenizer: ") + e.what());
  }
  throw ModelFormatError("no tokenizer in " + model_dir.string() +
                         ": nmtd needs NLLB's SentencePiece model, sentencepiece.bpe.model, or "
                         "Hugging Face's tokenizer.json made from it, and neither is there; copy "
                         "one of them from the original checkpoint "
                         "(facebook/nllb-200-distilled-600M) into that directory");
}

}  // namespace

NllbTokenizer::NllbTokenizer(const std::filesystem::path& model_dir, const Vocabulary& vocab)
    : spm_(load_spm(model_dir)), vocab_(vocab) {
  for (std::string_view code : lang::nllb_codes()) {
    if (vocab_.find(code) >= 0) languages_.emplace_back(code);
  }
}

std::vector<std::string> NllbTokenizer::pieces(std::string_view text) const {
  if (!valid_utf8(text)) throw InvalidArgument("text is not valid UTF-8");
  return spm_.encode(text);
}

std::vector<std::string> NllbTokenizer::source_tokens(std::string_view text,
                                                      const std::string& src_lang) const {
  std::vector<std::string> out;
  out.push_back(src_lang);
  for (auto& p : pieces(text)) out.push_back(std::move(p));
  out.emplace_back("</s>");
  return out;
}

std::string NllbTokenizer::detokenize(const std::vector<std::string>& tokens) const {
  std::vector<std::string> kept;
  kept.reserve(tokens.size());
  for (const auto& t : tokens) {
    if (is_special(t) || lang::is_nllb_code(t)) continue;
    // Other tokens go to SentencePiece as they are, vocabulary fillers included (it writes a
    // piece it does not know verbatim), which is how the reference outputs were decoded.
    kept.push_back(t);
  }
  return spm_.decode(kept);
}

void NllbTokenizer::check_language(const std::string& code, std::string_view role) const {
  if (std::find(languages_.begin(), languages_.end(), code) != languages_.end()) return;
  throw InvalidArgument("unknown " + std::string(role) + " language '" + code +
                        "': use an NLLB code such as eng_Latn or fra_Latn (`nmtd translate "
                        "--model DIR --list-languages` lists the " +
                        std::to_string(languages_.size()) + " this model knows)");
}

}  // namespace nmtd
