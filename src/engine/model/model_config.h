#pragma once
// config.json of a CTranslate2 model directory (or the attributes that replace it in
// binary versions < 6).
#include <filesystem>
#include <optional>
#include <string>

namespace nmtd {

class ModelFile;

struct ModelConfig {
  std::string unk_token = "<unk>";
  std::string bos_token = "<s>";
  std::string eos_token = "</s>";
  std::optional<std::string> decoder_start_token = "</s>";  // nullopt: caller gives it
  bool add_source_bos = false;
  bool add_source_eos = false;
  float layer_norm_epsilon = 1e-5f;

  // Reads <dir>/config.json when the model's binary version is >= 6, else derives the
  // config from the model's legacy attributes. Throws ModelFormatError naming config.json.
  static ModelConfig load(const std::filesystem::path& dir, const ModelFile& model);
  // Writes config.json as CTranslate2's converter does for NLLB (sorted keys, indent 2).
  void save(const std::filesystem::path& dir) const;
};

}  // namespace nmtd
