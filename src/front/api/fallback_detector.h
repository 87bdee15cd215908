#pragma once
// "auto" for texts too short to tell (game UI: "OK", "はい"): when the operator configured a
// fallback language, a detector that cannot decide answers it instead of an error, and says so.
#include <string>

#include "lang/detect/detector.h"
#include "lang/languages.h"

namespace nmtd::front {

class FallbackDetector final : public lang::LanguageDetector {
 public:
  // `fallback`: a language code (resolved here, InvalidArgument if unknown) or "" for none.
  FallbackDetector(const lang::LanguageDetector& inner, const std::string& fallback)
      : inner_(inner), fallback_(fallback.empty() ? nullptr : &lang::resolve_or_throw(fallback)) {}

  lang::DetectionResult detect(std::string_view text) const override {
    auto result = inner_.detect(text);
    if (result.language || !fallback_) return result;
    result.reason += "; using the configured fallback " + std::string(fallback_->code);
    result.language = fallback_;
    result.confidence = 0;
    return result;
  }

 private:
  const lang::LanguageDetector& inner_;
  const lang::LanguageInfo* fallback_;
};

}  // namespace nmtd::front
