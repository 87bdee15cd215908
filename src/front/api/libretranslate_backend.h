#pragma once
// LibreTranslate's HTTP API served by the front: its Backend over the translation facade (the
// same splitting, cache and workers as every other API) and its language names over the one
// registry (src/lang/).
#include "front/dispatch/model_languages.h"
#include "front/dispatch/translation_facade.h"
#include "front/libretranslate/backend.h"
#include "front/libretranslate/language_names.h"
#include "lang/detect/detector.h"

namespace nmtd::front {

class LibreTranslateBackend final : public libretranslate::Backend {
 public:
  LibreTranslateBackend(const ModelLanguages& languages, TranslationFacade& facade,
                        const lang::LanguageDetector* detector, int char_limit);

  libretranslate::TranslateResult translate(
      const libretranslate::TranslateRequest& request) override;
  libretranslate::DetectResult detect(const std::string& text,
                                      libretranslate::Clock::time_point deadline) override;
  std::vector<libretranslate::BackendLanguage> languages() override;
  libretranslate::BackendSettings settings() override;

 private:
  const ModelLanguages& languages_;
  TranslationFacade& facade_;
  const lang::LanguageDetector* detector_;
  const int char_limit_;
};

}  // namespace nmtd::front
