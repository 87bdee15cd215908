#pragma once
// NLLB tokenization: SentencePiece pieces plus NLLB's layout of special and language tokens.
// Source = [src_lang] pieces </s>; the target prefix is [tgt_lang]; output tokens are
// detokenized with special and language tokens removed.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/text/sentencepiece/processor.h"

namespace nmtd {

class Vocabulary;

class NllbTokenizer {
 public:
  // Loads <model_dir>/sentencepiece.bpe.model, or else <model_dir>/tokenizer.json (Hugging
  // Face's form of it). Throws ModelFormatError naming the file and what to do when neither is
  // there or one is unreadable. `vocab` must outlive the tokenizer.
  NllbTokenizer(const std::filesystem::path& model_dir, const Vocabulary& vocab);
  NllbTokenizer(const NllbTokenizer&) = delete;
  NllbTokenizer& operator=(const NllbTokenizer&) = delete;

  // SentencePiece pieces of `text` (no special tokens). Throws InvalidArgument on invalid UTF-8.
  std::vector<std::string> pieces(std::string_view text) const;
  // [src_lang, pieces..., "</s>"].
  std::vector<std::string> source_tokens(std::string_view text, const std::string& src_lang) const;
  // Joins tokens into text, dropping special tokens (<s> <pad> </s> <unk> <mask>) and
  // language codes.
  std::string detokenize(const std::vector<std::string>& tokens) const;

  // The NLLB language codes this model's vocabulary contains, in NLLB order.
  const std::vector<std::string>& languages() const { return languages_; }
  // Throws InvalidArgument listing how to see the valid codes when `code` is not one of them.
  void check_language(const std::string& code, std::string_view role) const;

 private:
  spm::Processor spm_;
  const Vocabulary& vocab_;
  std::vector<std::string> languages_;
};

}  // namespace nmtd
