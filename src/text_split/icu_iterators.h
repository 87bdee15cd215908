#pragma once
// Internal: ICU break iterators per language. ICU iterators are not thread-safe but cheap to
// clone, so prototypes are built once per language and every split() works on its own clones.
#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace nmtd::text_split {

struct Iterators {
  std::unique_ptr<icu::BreakIterator> sentence;   // with abbreviation suppressions
  std::unique_ptr<icu::BreakIterator> line;       // word / line-break opportunities
  std::unique_ptr<icu::BreakIterator> character;  // grapheme clusters

  Iterators clone() const;
};

// Builds the iterators for `language` (BCP-47 tag or NLLB code; empty: ICU's root rules).
// Throws nmtd::Error when ICU cannot create them (missing data).
Iterators make_iterators(std::string_view language);

// The ICU language ("ja" for "jpn_Jpan") that keys the cache; "" for none or unparsable.
std::string icu_language(std::string_view language);

// Prototypes keyed by ICU language, bounded so that clients sending arbitrary tags cannot
// grow it without limit (past the bound, iterators are built per call and not kept).
class IteratorCache {
 public:
  Iterators get(std::string_view language);

 private:
  static constexpr std::size_t kMaxLanguages = 256;
  std::mutex mutex_;
  std::map<std::string, Iterators, std::less<>> by_language_;
};

// A UTF-8 UText over `bytes`, closed on scope exit. BreakIterator::setText makes a shallow
// clone, so this may go out of scope while the iterator still refers to `bytes`.
class Utf8Text {
 public:
  explicit Utf8Text(std::string_view bytes);
  ~Utf8Text() { utext_close(&text_); }
  Utf8Text(const Utf8Text&) = delete;
  Utf8Text& operator=(const Utf8Text&) = delete;
  UText* get() { return &text_; }

 private:
  UText text_ = UTEXT_INITIALIZER;
};

// Points `it` at `bytes`; offsets it returns are then byte offsets into `bytes`.
void set_text(icu::BreakIterator& it, std::string_view bytes);

}  // namespace nmtd::text_split
