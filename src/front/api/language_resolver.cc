#include "front/api/language_resolver.h"

#include "lang/languages.h"

namespace nmtd::front {

bool is_auto_language(std::string_view code) { return lang::is_auto(code); }

ResolvedLanguage resolve_language(std::string_view code, std::string_view role) {
  ResolvedLanguage out;
  if (code.empty()) {
    out.error = std::string(role) + " language is missing: give a code such as en, ja, zh-CN or " +
                "jpn_Jpan (docs/languages.md lists them all)";
    return out;
  }
  const auto r = lang::resolve(code);
  if (!r) {
    out.error = std::string(role) + " language: " + r.error;
    return out;
  }
  out.nllb = std::string(r.language->code);
  return out;
}

ResolvedLanguage detect_language(const lang::LanguageDetector* detector, std::string_view text) {
  ResolvedLanguage out;
  if (!detector) {
    out.error = "source language \"auto\" needs a detector, and this server has none";
    return out;
  }
  const auto d = detector->detect(text);
  if (!d.language) {
    out.error = "cannot tell the source language of this text (" + d.reason +
                "): send its code instead of \"auto\"";
    return out;
  }
  out.nllb = std::string(d.language->code);
  out.confidence = d.confidence;
  return out;
}

}  // namespace nmtd::front
