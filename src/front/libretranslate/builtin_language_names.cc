#include <algorithm>
#include <array>
#include <cctype>

#include "front/libretranslate/language_names.h"

namespace nmtd::libretranslate {
namespace {

struct Entry {
  std::string_view code;  // public LibreTranslate code
  std::string_view nllb;
  std::string_view name;
};

// LibreTranslate's published language set (reference §4) with the FLORES-200 code NLLB uses
// for each. Where NLLB has several varieties, the one NLLB's own docs call the macrolanguage's
// standard form is used (arb for Arabic, pes for Persian, zsm for Malay, lvs for Latvian...).
constexpr std::array kTable = {
    Entry{"ar", "arb_Arab", "Arabic"},       Entry{"az", "azj_Latn", "Azerbaijani"},
    Entry{"bg", "bul_Cyrl", "Bulgarian"},    Entry{"bn", "ben_Beng", "Bengali"},
    Entry{"ca", "cat_Latn", "Catalan"},      Entry{"cs", "ces_Latn", "Czech"},
    Entry{"da", "dan_Latn", "Danish"},       Entry{"de", "deu_Latn", "German"},
    Entry{"el", "ell_Grek", "Greek"},        Entry{"en", "eng_Latn", "English"},
    Entry{"eo", "epo_Latn", "Esperanto"},    Entry{"es", "spa_Latn", "Spanish"},
    Entry{"et", "est_Latn", "Estonian"},     Entry{"eu", "eus_Latn", "Basque"},
    Entry{"fa", "pes_Arab", "Persian"},      Entry{"fi", "fin_Latn", "Finnish"},
    Entry{"fr", "fra_Latn", "French"},       Entry{"ga", "gle_Latn", "Irish"},
    Entry{"gl", "glg_Latn", "Galician"},     Entry{"he", "heb_Hebr", "Hebrew"},
    Entry{"hi", "hin_Deva", "Hindi"},        Entry{"hu", "hun_Latn", "Hungarian"},
    Entry{"id", "ind_Latn", "Indonesian"},   Entry{"it", "ita_Latn", "Italian"},
    Entry{"ja", "jpn_Jpan", "Japanese"},     Entry{"ko", "kor_Hang", "Korean"},
    Entry{"ky", "kir_Cyrl", "Kyrgyz"},       Entry{"lt", "lit_Latn", "Lithuanian"},
    Entry{"lv", "lvs_Latn", "Latvian"},      Entry{"ms", "zsm_Latn", "Malay"},
    Entry{"nb", "nob_Latn", "Norwegian"},    Entry{"nl", "nld_Latn", "Dutch"},
    Entry{"pl", "pol_Latn", "Polish"},       Entry{"pt", "por_Latn", "Portuguese"},
    Entry{"ro", "ron_Latn", "Romanian"},     Entry{"ru", "rus_Cyrl", "Russian"},
    Entry{"sk", "slk_Latn", "Slovak"},       Entry{"sl", "slv_Latn", "Slovenian"},
    Entry{"sq", "als_Latn", "Albanian"},     Entry{"sv", "swe_Latn", "Swedish"},
    Entry{"th", "tha_Thai", "Thai"},         Entry{"tl", "tgl_Latn", "Tagalog"},
    Entry{"tr", "tur_Latn", "Turkish"},      Entry{"uk", "ukr_Cyrl", "Ukrainian"},
    Entry{"ur", "urd_Arab", "Urdu"},         Entry{"vi", "vie_Latn", "Vietnamese"},
    Entry{"zh-Hans", "zho_Hans", "Chinese"}, Entry{"zh-Hant", "zho_Hant", "Chinese (traditional)"},
};

// Other spellings clients send. NLLB has one Portuguese, so pt-BR is Portuguese too; it is
// echoed as pt-BR so that a client sees the code it asked for.
struct Alias {
  std::string_view alias;  // lower case
  std::string_view nllb;
  std::string_view echo;
};
constexpr std::array kAliases = {
    Alias{"zh", "zho_Hans", "zh-Hans"},
    Alias{"zt", "zho_Hant", "zh-Hant"},
    Alias{"pb", "por_Latn", "pt-BR"},
    Alias{"pt-br", "por_Latn", "pt-BR"},
};

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

std::optional<ResolvedLanguage> BuiltinLanguageNames::resolve(std::string_view client_code) const {
  for (const Alias& a : kAliases) {
    if (iequals(a.alias, client_code))
      return ResolvedLanguage{std::string(a.nllb), std::string(a.echo)};
  }
  for (const Entry& e : kTable) {
    if (iequals(e.code, client_code) || iequals(e.nllb, client_code)) {
      return ResolvedLanguage{std::string(e.nllb), std::string(e.code)};
    }
  }
  return std::nullopt;
}

std::optional<PublicLanguage> BuiltinLanguageNames::describe(std::string_view nllb) const {
  for (const Entry& e : kTable) {
    if (e.nllb == nllb) return PublicLanguage{std::string(e.code), std::string(e.name)};
  }
  return std::nullopt;
}

std::vector<std::string> BuiltinLanguageNames::nllb_codes() {
  std::vector<std::string> out;
  for (const Entry& e : kTable) out.emplace_back(e.nllb);
  return out;
}

}  // namespace nmtd::libretranslate
