#pragma once
// Which language is this text in? Behind an interface, so that a better detector than CLD2 can
// replace it without touching the APIs that ask.
#include <cstddef>
#include <string>
#include <string_view>

#include "lang/languages.h"

namespace nmtd::lang {

struct DetectionResult {
  const LanguageInfo* language = nullptr;  // nullptr when the text does not tell reliably
  double confidence = 0;                   // 0..1 for `language`; 0 when language is nullptr
  bool reliable = false;                   // language != nullptr
  std::string reason;                      // why: what was found, or why nothing was
  // The detector's best effort when it is not sure (short game UI strings such as "はい"),
  // for callers that prefer a guess to an error; nullptr when there is not even a guess.
  const LanguageInfo* guess = nullptr;
  bool no_letters = false;  // the text has none (digits, symbols, emoji only)
};

class LanguageDetector {
 public:
  virtual ~LanguageDetector() = default;
  // Must be safe to call from many threads at once.
  virtual DetectionResult detect(std::string_view text) const = 0;
};

// Google's Compact Language Detector 2 (Debian's libcld2): ~80 languages, all in NLLB but Latin
// and a few others. Stateless; CLD2 reads only its compiled-in constant tables.
class Cld2Detector final : public LanguageDetector {
 public:
  struct Options {
    // Only the first max_bytes (cut at a character boundary) are examined: a language shows in
    // a few sentences, and a long text must not cost more.
    std::size_t max_bytes = 4096;
  };
  Cld2Detector() : Cld2Detector(Options{}) {}
  explicit Cld2Detector(Options options);
  DetectionResult detect(std::string_view text) const override;

 private:
  Options options_;
};

}  // namespace nmtd::lang
