#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <climits>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/utf8.h"
#include "text_split/icu_iterators.h"
#include "text_split/split_builder.h"
#include "text_split/text_split.h"

namespace nmtd::text_split {

struct Splitter::Cache {
  IteratorCache iterators;
};

namespace {

constexpr std::size_t kMinPieceBytes = 4;  // the longest UTF-8 code point

// The length of the line break starting at s[i], 0 if none. Besides \n, \r\n and \r, the
// mandatory breaks of UAX #14 (VT, FF, NEL, LS, PS): a model must never see them inside a piece.
// Their byte patterns cannot occur inside another character of valid UTF-8.
std::size_t line_break_at(std::string_view s, std::size_t i) {
  switch (static_cast<unsigned char>(s[i])) {
    case '\n':
    case '\v':
    case '\f':
      return 1;
    case '\r':
      return i + 1 < s.size() && s[i + 1] == '\n' ? 2 : 1;
    case 0xC2:
      return i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85 ? 2 : 0;
    case 0xE2:
      return s.substr(i, 3) == "\xE2\x80\xA8" || s.substr(i, 3) == "\xE2\x80\xA9" ? 3 : 0;
    default:
      return 0;
  }
}

// Works on one validated text; offsets are bytes into it.
class Cutter {
 public:
  Cutter(std::string_view text, std::size_t max_piece, Iterators& it)
      : text_(text), max_(max_piece), it_(it) {}

  SplitText run() && {
    std::size_t start = 0;
    for (std::size_t i = 0; i < text_.size();) {
      if (const std::size_t n = line_break_at(text_, i)) {
        line(start, i);
        out_.separator(text_.substr(i, n), GapKind::kLine);
        i += n;
        start = i;
      } else {
        ++i;
      }
    }
    line(start, text_.size());
    return std::move(out_).finish();
  }

 private:
  bool space_at(std::size_t i) const {  // the code point starting at byte i is White_Space
    UChar32 c;
    int32_t j = static_cast<int32_t>(i);
    U8_NEXT_UNSAFE(text_.data(), j, c);
    return u_isUWhiteSpace(c);
  }
  bool space_before(std::size_t i) const {  // the code point ending at byte i is White_Space
    UChar32 c;
    int32_t j = static_cast<int32_t>(i);
    U8_PREV_UNSAFE(text_.data(), j, c);
    return u_isUWhiteSpace(c);
  }
  std::size_t skip_space(std::size_t a, std::size_t b) const {
    while (a < b && space_at(a)) a += U8_COUNT_TRAIL_BYTES_UNSAFE(text_[a]) + 1;
    return a;
  }
  std::size_t trim_back(std::size_t a, std::size_t b) const {
    while (b > a && space_before(b)) {
      do --b;
      while (U8_IS_TRAIL(text_[b]));
    }
    return b;
  }

  // [a, b) with its edge whitespace as separators; `inner` is called on what is left.
  template <typename F>
  void trimmed(std::size_t a, std::size_t b, F inner) {
    const std::size_t ca = skip_space(a, b);
    const std::size_t cb = trim_back(ca, b);
    out_.separator(text_.substr(a, ca - a), GapKind::kWrap);
    if (ca < cb) inner(ca, cb);
    out_.separator(text_.substr(cb, b - cb), GapKind::kWrap);
  }

  void line(std::size_t a, std::size_t b) {
    trimmed(a, b, [this](std::size_t ca, std::size_t cb) { sentences(ca, cb); });
  }

  void sentences(std::size_t a, std::size_t b) {
    icu::BreakIterator& sb = *it_.sentence;
    set_text(sb, text_.substr(a, b - a));
    std::size_t prev = a;
    for (int32_t p = sb.next(); p != icu::BreakIterator::DONE; p = sb.next()) {
      const std::size_t end = a + static_cast<std::size_t>(p);
      trimmed(prev, end, [this](std::size_t ca, std::size_t cb) { sentence(ca, cb); });
      out_.mark(GapKind::kSentence);
      prev = end;
    }
  }

  void sentence(std::size_t a, std::size_t b) {
    if (b - a <= max_) {
      out_.piece(text_.substr(a, b - a));
      return;
    }
    // Too long: cut at the furthest line-break opportunity (after a word, between CJK
    // characters, at Thai word boundaries) that keeps the piece within the bound.
    std::vector<std::size_t> breaks;  // one pass over the sentence keeps this linear
    icu::BreakIterator& lb = *it_.line;
    set_text(lb, text_.substr(a, b - a));
    for (int32_t p = lb.next(); p != icu::BreakIterator::DONE; p = lb.next()) {
      breaks.push_back(a + static_cast<std::size_t>(p));
    }
    std::size_t pos = a;
    std::size_t next = 0;  // first entry of `breaks` past `pos`
    bool graphemes_set = false;
    while (pos < b) {
      if (b - pos <= max_) {
        trimmed(pos, b,
                [this](std::size_t ca, std::size_t cb) { out_.piece(text_.substr(ca, cb - ca)); });
        return;
      }
      while (next < breaks.size() && breaks[next] <= pos) ++next;
      std::size_t cut = 0;
      for (std::size_t j = next; j < breaks.size(); ++j) {
        const std::size_t content_end = trim_back(pos, breaks[j]);
        if (content_end - pos > max_) break;
        if (content_end > pos) cut = breaks[j];
      }
      if (cut == 0) {
        // No opportunity within the bound (a long word, a URL): cut at the last grapheme
        // boundary that fits, so that no emoji or accented letter is broken...
        if (!graphemes_set) {
          set_text(*it_.character, text_.substr(a, b - a));
          graphemes_set = true;
        }
        const std::size_t limit = pos + max_;
        const int32_t g = it_.character->preceding(static_cast<int32_t>(limit - a + 1));
        cut = g == icu::BreakIterator::DONE ? 0 : a + static_cast<std::size_t>(g);
        if (cut <= pos) {
          // ...unless one grapheme alone exceeds the bound (a letter with hundreds of
          // combining marks): then at a code point, which max_ >= 4 always allows.
          int32_t c = static_cast<int32_t>(limit);
          U8_SET_CP_START_UNSAFE(text_.data(), c);
          cut = static_cast<std::size_t>(c);
        }
      }
      trimmed(pos, cut,
              [this](std::size_t ca, std::size_t cb) { out_.piece(text_.substr(ca, cb - ca)); });
      out_.mark(GapKind::kWrap);
      pos = cut;
    }
  }

  std::string_view text_;
  std::size_t max_;
  Iterators& it_;
  SplitTextBuilder out_;
};

void check_options(const SplitOptions& options) {
  if (options.max_piece_bytes < kMinPieceBytes) {
    throw InvalidArgument("max_piece_bytes must be at least " + std::to_string(kMinPieceBytes) +
                          ", got " + std::to_string(options.max_piece_bytes));
  }
}

void check_text(std::string_view text, const SplitOptions& options) {
  // ICU's break iterators report int32_t offsets.
  const std::size_t limit = std::min<std::size_t>(options.max_text_bytes, INT32_MAX);
  if (text.size() > limit) {
    throw InvalidArgument("text is " + std::to_string(text.size()) + " bytes, over the limit of " +
                          std::to_string(limit) + " bytes (max_text_bytes)");
  }
  if (const auto bad = first_invalid_utf8(text)) {
    throw InvalidArgument("text is not valid UTF-8 (at byte " + std::to_string(*bad) + ")");
  }
}

}  // namespace

Splitter::Splitter(SplitOptions options) : options_(options), cache_(std::make_unique<Cache>()) {
  check_options(options_);
}

Splitter::~Splitter() = default;

SplitText Splitter::split(std::string_view text, std::string_view language) const {
  check_text(text, options_);
  Iterators it = cache_->iterators.get(language);
  return Cutter(text, options_.max_piece_bytes, it).run();
}

SplitText split(std::string_view text, const SplitOptions& options, std::string_view language) {
  check_options(options);
  check_text(text, options);
  Iterators it = make_iterators(language);
  return Cutter(text, options.max_piece_bytes, it).run();
}

}  // namespace nmtd::text_split
