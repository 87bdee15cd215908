#pragma once
// Name rules of old CTranslate2 Transformer models that the runtime (not the file) applies:
// revision-1 models use OpenNMT-tf v1 names, and before revision 5 the architecture
// attributes live at the root instead of under encoder/ and decoder/.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nmtd {

// True for the spec names CTranslate2 loads as its TransformerModel.
bool is_transformer_spec(std::string_view spec_name);

// CTranslate2's map_v1_variable_name: OpenNMT-tf v1 names to the current ones.
std::string map_v1_variable_name(std::string name);

// (alias, root attribute) pairs CTranslate2 registers for Transformer revisions < 5.
const std::vector<std::pair<std::string, std::string>>& legacy_root_attribute_aliases();

}  // namespace nmtd
