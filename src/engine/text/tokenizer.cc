#include "engine/text/tokenizer.h"

#include <sentencepiece_processor.h>

#include <algorithm>

#include "common/error.h"
#include "engine/model/vocabulary.h"
#include "engine/text/languages.h"

namespace nmtd {

namespace {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
      return false;
    i += extra + 1;
  }
  return true;
}

bool is_special(std::string_view token) {
  return token == "<s>" || token == "<pad>" || token == "</s>" || token == "<unk>" ||
         token == "<mask>";
}

}  // namespace

NllbTokenizer::NllbTokenizer(const std::filesystem::path& model_dir, const Vocabulary& vocab)
    : spm_(std::make_unique<sentencepiece::SentencePieceProcessor>()), vocab_(vocab) {
  const auto file = model_dir / "sentencepiece.bpe.model";
  if (!std::filesystem::exists(file))
    throw ModelFormatError("missing " + file.string() +
                           ": the NLLB SentencePiece model must be in the model directory "
                           "(copy sentencepiece.bpe.model from the original checkpoint)");
  const auto status = spm_->Load(file.string());
  if (!status.ok())
    throw ModelFormatError("cannot load " + file.string() + ": " + status.ToString());
  for (std::string_view code : nllb_language_codes()) {
    if (vocab_.find(code) >= 0) languages_.emplace_back(code);
  }
}

NllbTokenizer::~NllbTokenizer() = default;

std::vector<std::string> NllbTokenizer::pieces(std::string_view text) const {
  if (!valid_utf8(text)) throw InvalidArgument("text is not valid UTF-8");
  std::vector<std::string> out;
  const auto status = spm_->Encode(text, &out);
  if (!status.ok()) throw InvalidArgument("cannot tokenize text: " + status.ToString());
  return out;
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
    if (is_special(t) || is_nllb_language_code(t)) continue;
    // Other tokens go to SentencePiece as they are, vocabulary fillers included (it writes a
    // piece it does not know verbatim), which is how the reference outputs were decoded.
    kept.push_back(t);
  }
  return spm_->DecodePieces(kept);
}

void NllbTokenizer::check_language(const std::string& code, std::string_view role) const {
  if (std::find(languages_.begin(), languages_.end(), code) != languages_.end()) return;
  throw InvalidArgument("unknown " + std::string(role) + " language '" + code +
                        "': use an NLLB code such as eng_Latn or fra_Latn (`nmtd translate "
                        "--model DIR --list-languages` lists the " +
                        std::to_string(languages_.size()) + " this model knows)");
}

}  // namespace nmtd
