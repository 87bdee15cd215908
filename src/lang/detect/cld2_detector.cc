#include "lang/detect/detector.h"

// compact_lang_det.h uses FILE without including <cstdio>: it must come first.
// clang-format off
#include <cstdio>
#include <cld2/internal/lang_script.h>  // CLD2::LanguageCode, LanguageName
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
// clang-format on

#include "common/utf8.h"

namespace nmtd::lang {

namespace {

// The longest prefix of at most `max` bytes that does not split a UTF-8 sequence.
std::string_view head(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

struct Cld2Answer {
  CLD2::Language language = CLD2::UNKNOWN_LANGUAGE;
  int percent = 0;     // share of the examined text in `language`
  int text_bytes = 0;  // letters and spaces CLD2 looked at (0: no letters at all)
  bool reliable = false;
};

// One CLD2 call. CLD2 keeps no state between calls: everything lives on this stack frame and in
// its constant tables (libcld2 is built with static data: isDataDynamic() is false and we never
// load any), so concurrent calls are safe.
Cld2Answer ask_cld2(std::string_view text, int flags) {
  CLD2::CLDHints hints{nullptr, "", CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  CLD2::Language language3[3];
  int percent3[3] = {0, 0, 0};
  double normalized_score3[3];
  Cld2Answer a;
  a.language = CLD2::ExtDetectLanguageSummary(
      text.data(), static_cast<int>(text.size()), /*is_plain_text=*/true, &hints, flags, language3,
      percent3, normalized_score3, /*resultchunkvector=*/nullptr, &a.text_bytes, &a.reliable);
  a.percent = percent3[0];
  return a;
}

const LanguageInfo* to_registry(CLD2::Language language) {
  if (language == CLD2::UNKNOWN_LANGUAGE) return nullptr;
  // CLD2's codes are ISO 639-1 with a few old forms ("iw", "jw", "zh-Hant"), all aliases in
  // the registry; the ones it has no NLLB language for (la, xx-Latn, ...) do not resolve.
  return find_language(CLD2::LanguageCode(language));
}

std::string name_of(CLD2::Language language) {
  std::string name = CLD2::LanguageName(language);
  return name + " (" + CLD2::LanguageCode(language) + ")";
}

}  // namespace

Cld2Detector::Cld2Detector(Options options) : options_(options) {}

DetectionResult Cld2Detector::detect(std::string_view text) const {
  DetectionResult r;
  const std::string_view examined = head(text, options_.max_bytes);
  if (blank(examined)) {
    r.reason = "the text is empty: nothing to detect a language in";
    return r;
  }
  if (!valid_utf8(examined)) {
    r.reason = "the text is not valid UTF-8";
    return r;
  }
  const Cld2Answer a = ask_cld2(examined, 0);
  if (a.text_bytes == 0 || (!a.reliable && a.language == CLD2::UNKNOWN_LANGUAGE)) {
    // Best effort gives an answer for a word or two; CLD2 marks even those reliable, so the
    // answer is only ever a guess here.
    const Cld2Answer best = ask_cld2(examined, CLD2::kCLDFlagBestEffort);
    r.guess = to_registry(best.language);
    if (a.text_bytes == 0) {
      r.no_letters = true;
      r.reason = "the text has no letters to tell a language by (digits, symbols or emoji only)";
    } else {
      r.reason = "too little text to tell the language reliably";
      if (r.guess) r.reason += " (best guess: " + std::string(r.guess->english_name) + ")";
    }
    return r;
  }
  const LanguageInfo* found = to_registry(a.language);
  if (!a.reliable) {
    r.guess = found;
    r.reason = "CLD2 is not sure of the language";
    if (found) r.reason += " (best guess: " + std::string(found->english_name) + ")";
    return r;
  }
  if (!found) {
    r.reason = "detected " + name_of(a.language) + ", which NLLB-200 does not translate";
    return r;
  }
  r.language = found;
  r.reliable = true;
  r.confidence = a.percent / 100.0;
  r.reason = "CLD2 found " + std::string(found->english_name) + " in " + std::to_string(a.percent) +
             "% of the text";
  return r;
}

}  // namespace nmtd::lang
