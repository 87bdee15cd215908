#pragma once
// The language registry: every NLLB-200 language and the names clients use for it.
//
// Every API (Baketa gRPC, LibreTranslate HTTP, nmt.v1) and the CLI resolve a client's code here,
// so a code means the same language everywhere. The rules are in docs/languages.md, whose table
// is languages_markdown()'s output.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nmtd::lang {

// NLLB-200's languages: the model's vocabulary has one token per language, named by its code.
inline constexpr std::size_t kNllbLanguageCount = 202;

struct LanguageInfo {
  std::string_view code;          // NLLB code, the model's language token: "jpn_Jpan"
  std::string_view english_name;  // "Japanese"
  std::string_view native_name;   // "日本語"; empty where not known reliably
  std::string_view iso639_1;   // "ja"; empty when none (see docs/languages.md for macrolanguages)
  std::string_view iso639_3;   // "jpn" (the code's part before '_')
  std::string_view script;     // ISO 15924: "Jpan" (the code's part after '_')
  bool right_to_left = false;  // Arabic and Hebrew scripts
  std::string tag;             // the BCP-47 tag to show clients: "ja", "zh-Hant", "ace-Arab"
  std::vector<std::string_view> aliases;  // further codes from the table: "iw", "zh-TW", ...
  std::size_t index = 0;                  // position in NLLB's vocabulary order
};

// The 202 languages in NLLB's vocabulary order.
std::span<const LanguageInfo> all_languages();

// The NLLB codes alone, in the same order (what the engine's vocabulary layout needs).
std::span<const std::string_view> nllb_codes();

// Whether `code` is exactly one of nllb_codes(), as a vocabulary token is spelled ("eng_Latn",
// not "eng-latn"): what the tokenizer drops from a translation. resolve() is for clients' codes.
bool is_nllb_code(std::string_view code);

struct Resolution {
  const LanguageInfo* language = nullptr;  // set on success
  std::string error;                       // set on failure: names the code, says where to look
  explicit operator bool() const { return language != nullptr; }
};

// A client's language code to a language, case-insensitively, '-' and '_' alike:
//   NLLB codes (jpn_Jpan), ISO 639-1 (ja), ISO 639-3 (jpn), the table's aliases (iw, zh-TW) and
//   BCP-47 tags: a script subtag picks the script (zh-Hant, ks-Deva) and a region is ignored
//   (en-US, pt-BR) unless the table lists language-region as an alias (zh-TW, fa-AF).
// "auto" is refused with its own message: detecting is the caller's job (see is_auto()).
Resolution resolve(std::string_view code);

// resolve() for callers that only want the language: nullptr when the code is not one.
const LanguageInfo* find_language(std::string_view code);

// resolve(), throwing nmtd::InvalidArgument with resolve()'s message on failure.
const LanguageInfo& resolve_or_throw(std::string_view code);

// "auto" in any case: the source language is to be detected.
bool is_auto(std::string_view code);

// The Markdown table for docs/languages.md (one row per language, NLLB order).
std::string languages_markdown();

}  // namespace nmtd::lang
