#include "front/libretranslate/language_names.h"

#include "lang/languages.h"

namespace nmtd::libretranslate {

std::optional<ResolvedLanguage> RegistryLanguageNames::resolve(std::string_view client_code) const {
  const auto r = lang::resolve(client_code);
  if (!r) return std::nullopt;
  return ResolvedLanguage{std::string(r.language->code), std::string(r.language->tag)};
}

std::optional<PublicLanguage> RegistryLanguageNames::describe(std::string_view nllb) const {
  const auto* info = lang::find_language(nllb);
  if (!info) return std::nullopt;
  return PublicLanguage{info->tag, std::string(info->english_name)};
}

}  // namespace nmtd::libretranslate
