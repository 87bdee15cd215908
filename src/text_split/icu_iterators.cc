#include "text_split/icu_iterators.h"

#include <unicode/filteredbrk.h>
#include <unicode/locid.h>

#include "common/error.h"

namespace nmtd::text_split {
namespace {

void check(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) {
    throw Error(std::string("ICU: cannot create ") + what + ": " + u_errorName(status));
  }
}

// CLDR's English list leaves out titles that can also end a sentence ("Dr." = Drive,
// "St." = Street). Cutting "Dr. | Smith" hurts a translation far more than keeping two
// sentences in one piece, so these never end a sentence.
constexpr const char16_t* kEnglishAbbreviations[] = {
    u"Dr.",  u"St.", u"Mr.",  u"Mrs.",    u"Ms.", u"Jr.", u"Sr.",  u"Mt.",  u"No.",
    u"Nos.", u"vs.", u"etc.", u"approx.", u"p.",  u"pp.", u"Fig.", u"Vol.", u"Ch."};

std::unique_ptr<icu::BreakIterator> make_sentence(const icu::Locale& locale) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> plain(
      icu::BreakIterator::createSentenceInstance(locale, status));
  check(status, "sentence break iterator");
  // The builder loads the locale's CLDR suppressions ("Mr.", "Prof.", "z.B.", ...); a
  // language without a list still gets a working builder (U_USING_DEFAULT_WARNING).
  std::unique_ptr<icu::FilteredBreakIteratorBuilder> builder(
      icu::FilteredBreakIteratorBuilder::createInstance(locale, status));
  if (U_FAILURE(status)) return plain;
  if (std::string_view(locale.getLanguage()) == "en") {
    for (const char16_t* a : kEnglishAbbreviations) {
      builder->suppressBreakAfter(icu::UnicodeString(a), status);
    }
  }
  std::unique_ptr<icu::BreakIterator> filtered(
      builder->wrapIteratorWithFilter(plain.release(), status));  // adopts `plain`
  check(status, "filtered sentence break iterator");
  return filtered;
}

}  // namespace

std::string icu_language(std::string_view language) {
  if (language.empty()) return {};
  std::string tag(language);
  for (char& c : tag) {
    if (c == '_') c = '-';  // NLLB codes ("jpn_Jpan") read as BCP-47 ("jpn-Jpan" -> ja_Jpan)
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale = icu::Locale::forLanguageTag(tag, status);
  if (U_FAILURE(status) || locale.isBogus()) return {};
  return locale.getLanguage();
}

Iterators make_iterators(std::string_view language) {
  const std::string lang = icu_language(language);
  const icu::Locale locale = lang.empty() ? icu::Locale::getRoot() : icu::Locale(lang.c_str());
  Iterators it;
  it.sentence = make_sentence(locale);
  UErrorCode status = U_ZERO_ERROR;
  it.line.reset(icu::BreakIterator::createLineInstance(locale, status));
  check(status, "line break iterator");
  it.character.reset(icu::BreakIterator::createCharacterInstance(locale, status));
  check(status, "character break iterator");
  return it;
}

Iterators Iterators::clone() const {
  Iterators c;
  c.sentence.reset(sentence->clone());
  c.line.reset(line->clone());
  c.character.reset(character->clone());
  if (!c.sentence || !c.line || !c.character) throw Error("ICU: cannot clone a break iterator");
  return c;
}

Iterators IteratorCache::get(std::string_view language) {
  const std::string key = icu_language(language);
  {
    std::lock_guard lock(mutex_);
    if (auto it = by_language_.find(key); it != by_language_.end()) return it->second.clone();
  }
  // Built outside the lock (loading ICU data takes a while); a race builds twice, harmlessly.
  Iterators built = make_iterators(key);
  std::lock_guard lock(mutex_);
  if (by_language_.size() >= kMaxLanguages) return built;
  auto [it, inserted] = by_language_.try_emplace(key, std::move(built));
  return it->second.clone();
}

Utf8Text::Utf8Text(std::string_view bytes) {
  UErrorCode status = U_ZERO_ERROR;
  utext_openUTF8(&text_, bytes.data(), static_cast<int64_t>(bytes.size()), &status);
  check(status, "UTF-8 text");
}

void set_text(icu::BreakIterator& it, std::string_view bytes) {
  Utf8Text text(bytes);
  UErrorCode status = U_ZERO_ERROR;
  it.setText(text.get(), status);
  check(status, "break iterator text");
}

}  // namespace nmtd::text_split
