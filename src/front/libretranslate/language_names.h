#pragma once
// Client language codes <-> NLLB codes for the LibreTranslate API. LibreTranslate clients send
// ISO 639-1 codes in any case ("en", "EN"), BCP-47 forms for the variants ("zh-Hans",
// "zh-Hant", "pt-BR") and the older argos spellings ("zh", "zt", "pb"); answers use the public
// forms. RegistryLanguageNames answers from the one language table (src/lang/), as every other
// API does; the interface lets a test put other names behind the API.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nmtd::libretranslate {

struct ResolvedLanguage {
  std::string nllb;  // "zho_Hant"
  std::string code;  // the public code to answer with: "zh-Hant" (also for input "zt")
};

struct PublicLanguage {
  std::string code;  // "zh-Hant"; for a language without an ISO 639-1 code, its 639-3 code
  std::string name;  // English name: "Chinese (traditional)"
};

class LanguageNames {
 public:
  virtual ~LanguageNames() = default;
  // A client's code, any case, to the language; nullopt when unknown. Never given "auto"
  // (the API layer handles it). Called from several HTTP threads at once.
  virtual std::optional<ResolvedLanguage> resolve(std::string_view client_code) const = 0;
  // An NLLB code to its public code and name; nullopt when it has none (such a language is
  // left out of /languages, and a detection of it is reported under its NLLB code).
  virtual std::optional<PublicLanguage> describe(std::string_view nllb) const = 0;
};

// A code means here what it means in every API: lang::resolve()'s reading of it. Answers show
// the language's BCP-47 tag and English name.
class RegistryLanguageNames final : public LanguageNames {
 public:
  std::optional<ResolvedLanguage> resolve(std::string_view client_code) const override;
  std::optional<PublicLanguage> describe(std::string_view nllb) const override;
};

}  // namespace nmtd::libretranslate
