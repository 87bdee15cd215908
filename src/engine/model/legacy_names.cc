#include "engine/model/legacy_names.h"

namespace nmtd {

bool is_transformer_spec(std::string_view spec_name) {
  // "" and TransformerBase/Big are the names of binary versions 1-2 models.
  return spec_name.empty() || spec_name == "TransformerBase" || spec_name == "TransformerBig" ||
         spec_name == "TransformerSpec";
}

namespace {
// Replaces the first occurrence only, as CTranslate2 does.
void replace_first(std::string& s, std::string_view from, std::string_view to) {
  const auto pos = s.find(from);
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
}
}  // namespace

std::string map_v1_variable_name(std::string name) {
  replace_first(name, "transformer/", "");
  replace_first(name, ":0", "");
  replace_first(name, "w_embs", "embeddings/weight");
  replace_first(name, "kernel", "weight");
  replace_first(name, "LayerNorm", "layer_norm");
  replace_first(name, "dense", "projection");
  replace_first(name, "conv1d_", "linear_");
  replace_first(name, "conv1d", "linear_0");
  if (name.find("encoder") != std::string::npos) {
    replace_first(name, "multi_head", "self_attention");
  } else {
    replace_first(name, "masked_multi_head", "self_attention");
    replace_first(name, "multi_head", "attention");
  }
  return name;
}

const std::vector<std::pair<std::string, std::string>>& legacy_root_attribute_aliases() {
  static const std::vector<std::pair<std::string, std::string>> kAliases = {
      {"encoder/num_heads", "num_heads"},
      {"encoder/pre_norm", "pre_norm"},
      {"encoder/activation", "activation"},
      {"encoder/embeddings_merge", "embeddings_merge"},
      {"decoder/num_heads", "num_heads"},
      {"decoder/pre_norm", "pre_norm"},
      {"decoder/activation", "activation"},
      {"decoder/alignment_layer", "alignment_layer"},
      {"decoder/alignment_heads", "alignment_heads"},
  };
  return kAliases;
}

}  // namespace nmtd
