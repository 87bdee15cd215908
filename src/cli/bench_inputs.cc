#include "cli/bench_inputs.h"

#include "common/error.h"

namespace nmtd::cli {

namespace {
constexpr const char* kTexts[] = {
    "The quick brown fox jumps over the lazy dog while the children watch from the window.",
    "Please save your progress before you leave the village, the road ahead is dangerous.",
    "Das Wetter ist heute schön, aber morgen soll es regnen und kalt werden.",
    "Le serveur a répondu avec une erreur inattendue; veuillez réessayer plus tard.",
    "El archivo no se pudo abrir porque otro programa lo está usando en este momento.",
    "Открыть файл не удалось, потому что он используется другой программой.",
};
}  // namespace

std::vector<std::vector<std::string>> bench_sources(const NllbTokenizer& tokenizer,
                                                    const std::string& src_lang, int pieces,
                                                    int count) {
  std::vector<std::string> pool;
  for (const char* text : kTexts)
    for (auto& p : tokenizer.pieces(text)) pool.push_back(std::move(p));
  if (pool.empty()) throw InvalidArgument("the tokenizer produced no pieces for the bench texts");
  std::vector<std::vector<std::string>> out;
  for (int s = 0; s < count; ++s) {
    std::vector<std::string> tokens{src_lang};
    for (int k = 0; k < pieces; ++k) tokens.push_back(pool[(s * 7 + k) % pool.size()]);
    tokens.emplace_back("</s>");
    out.push_back(std::move(tokens));
  }
  return out;
}

}  // namespace nmtd::cli
