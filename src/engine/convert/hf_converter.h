#pragma once
// `nmtd convert --from-hf`: a Hugging Face M2M100/NLLB checkpoint (config.json + safetensors)
// to a CTranslate2 model directory equal to what ct2-transformers-converter writes
// (model.bin, config.json, shared_vocabulary.json, sentencepiece.bpe.model).
//
// The vocabulary is an input: building it needs SentencePiece, which lives in engine/text
// (nllb_vocabulary_for_hf), and engine/model must not depend on engine/text.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/convert/nllb_spec.h"
#include "engine/convert/quantize.h"

namespace nmtd {

// What config.json of the checkpoint says, checked.
struct HfModelInfo {
  NllbShape shape;
  int64_t decoder_start_token_id = 2;
  bool tie_word_embeddings = true;
};

// Reads and validates <dir>/config.json. Throws ModelFormatError (missing, malformed or
// inconsistent) or Unsupported (not a dense ReLU M2M100/NLLB model, e.g. NLLB-MoE).
HfModelInfo read_hf_config(const std::filesystem::path& dir);

struct ConvertOptions {
  std::filesystem::path from;
  std::filesystem::path out;
  Quantization quantization = Quantization::kFloat32;
  bool force = false;  // replace an existing non-empty output directory
  int threads = 0;     // 0: one per hardware thread
};

struct ConvertResult {
  HfModelInfo info;
  uint64_t model_bytes = 0;
};

// Converts; `vocabulary` must have exactly info.shape.vocab_size tokens. The output is
// staged in a temporary directory beside `out` and renamed into place at the end, so a
// failure never leaves a directory that looks like a valid model.
ConvertResult convert_hf_checkpoint(const ConvertOptions& options,
                                    const std::vector<std::string>& vocabulary);

}  // namespace nmtd
