#pragma once
// SentencePiece models rebuilt from Hugging Face's tokenizer.json, the form of NLLB's
// tokenizer that Baketa installs next to a CTranslate2 model instead of sentencepiece.bpe.model.
// The file is what transformers' convert_slow_tokenizer writes for NLLB: a BPE model (vocab and
// ranked merges), a normalizer holding SentencePiece's own precompiled charsmap plus whitespace
// rules, and a Metaspace pre-tokenizer. Everything SentencePiece's BPE needs is in it, so
// spm::Processor over the rebuilt ModelProto tokenizes exactly as over the original model.
#include <filesystem>
#include <string_view>

#include "engine/text/sentencepiece/model_proto.h"

namespace nmtd::spm {

// Throws ModelFormatError naming the JSON field that is missing, malformed, or holds a setting
// SentencePiece cannot express (a normalizer other than its charsmap and whitespace rules, BPE
// dropout, subword prefixes, ...).
ModelProto model_from_tokenizer_json(std::string_view json);

// Reads and converts `file`; errors name the file.
ModelProto model_from_tokenizer_json_file(const std::filesystem::path& file);

}  // namespace nmtd::spm
