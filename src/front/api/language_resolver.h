#pragma once
// The front's one way from a client's language code to the model's: the registry (src/lang/)
// for names, the detector for "auto", and messages a person understands when neither works.
#include <string>
#include <string_view>

#include "lang/detect/detector.h"

namespace nmtd::front {

struct ResolvedLanguage {
  std::string nllb;   // empty when `error` is set
  std::string error;  // names the code and how to see the valid ones
  double confidence = 1;
  bool ok() const { return error.empty(); }
};

bool is_auto_language(std::string_view code);
// `role` is "source" or "target", for the message.
ResolvedLanguage resolve_language(std::string_view code, std::string_view role);
// Detects the language of `text`; an error when the detector cannot tell (too short, mixed).
ResolvedLanguage detect_language(const lang::LanguageDetector* detector, std::string_view text);

}  // namespace nmtd::front
