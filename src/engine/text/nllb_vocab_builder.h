#pragma once
// Builds an NLLB vocabulary (the token list of shared_vocabulary.json) the way
// CTranslate2's M2M100Loader does from an NllbTokenizer: fairseq's layout
//   0..3  <s> <pad> </s> <unk>
//   i+1   SentencePiece piece i, for spm ids i >= 3 (spm's own 0..2 are <unk> <s> </s>)
//         the 202 NLLB language codes (lang/languages.h order), then <mask>
//         any additional special token not present yet
//         madeupword0, madeupword1, ... up to the model's vocab_size
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace nmtd {

// The pieces of a SentencePiece model, by spm id. Throws ModelFormatError naming the file.
std::vector<std::string> spm_pieces(const std::filesystem::path& model_file);
std::vector<std::string> spm_pieces_from_bytes(std::span<const std::byte> serialized);

// `extra_special` are tokens appended after <mask> when missing (tokenizer
// additional_special_tokens). Throws InvalidArgument when the layout needs more than
// `vocab_size` tokens; fills the rest with madeupwordN.
std::vector<std::string> build_nllb_vocabulary(const std::vector<std::string>& pieces,
                                               const std::vector<std::string>& extra_special,
                                               int64_t vocab_size);

// Number of tokens of the layout before any filler (pieces + specials + codes + <mask>).
int64_t nllb_vocabulary_min_size(std::size_t num_pieces);

// For a Hugging Face NLLB directory: reads sentencepiece.bpe.model, and the
// additional_special_tokens of tokenizer_config.json (else special_tokens_map.json).
// Errors (ModelFormatError) name the file; a vocabulary larger than `vocab_size` (the
// embedding rows of config.json) is an error, since ids beyond the matrix cannot work.
std::vector<std::string> nllb_vocabulary_for_hf(const std::filesystem::path& hf_dir,
                                                int64_t vocab_size);

}  // namespace nmtd
