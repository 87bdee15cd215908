#pragma once
// Client language codes <-> NLLB codes for the LibreTranslate API. LibreTranslate clients send
// ISO 639-1 codes in any case ("en", "EN"), BCP-47 forms for the variants ("zh-Hans",
// "zh-Hant", "pt-BR") and the older argos spellings ("zh", "zt", "pb"); answers use the public
// forms. The front implements LanguageNames over nmtd::lang's registry; BuiltinLanguageNames
// is a small fixed table (LibreTranslate's own 49 languages) for tests and as a stand-in.
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

class BuiltinLanguageNames final : public LanguageNames {
 public:
  std::optional<ResolvedLanguage> resolve(std::string_view client_code) const override;
  std::optional<PublicLanguage> describe(std::string_view nllb) const override;
  // The NLLB codes of the table, in its order.
  static std::vector<std::string> nllb_codes();
};

}  // namespace nmtd::libretranslate
