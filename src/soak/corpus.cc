#include "soak/corpus.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "common/error.h"
#include "common/utf8.h"

namespace nmtd {
// assets/soak/corpus.tsv, compiled in by cmake/embed_file.cmake.
std::span<const std::byte> embedded_soak_corpus();
}  // namespace nmtd

namespace nmtd::soak {
namespace {

// Unicode White_Space: what a text must not start or end with.
bool is_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// `s` without leading and trailing whitespace; `s` must be valid UTF-8.
std::string_view trim(std::string_view s) {
  while (!s.empty()) {
    const auto c = decode_utf8_char(s);
    if (!is_space(c.code_point)) break;
    s.remove_prefix(c.length);
  }
  while (!s.empty()) {
    // Back up to the start of the last sequence (a byte that is not 10xxxxxx).
    std::size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (!is_space(decode_utf8_char(s.substr(start)).code_point)) break;
    s.remove_suffix(s.size() - start);
  }
  return s;
}

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

[[noreturn]] void fail(std::size_t line_number, const std::string& what) {
  throw InvalidArgument("soak corpus line " + std::to_string(line_number) + ": " + what);
}

// "eng_Latn": three lowercase letters, '_', an uppercase letter and three lowercase ones.
bool is_nllb_code(std::string_view code) {
  if (code.size() != 8 || code[3] != '_') return false;
  for (std::size_t i = 0; i < 8; ++i) {
    const char c = code[i];
    if (i == 3) continue;
    const bool upper = i == 4;
    if (upper ? (c < 'A' || c > 'Z') : (c < 'a' || c > 'z')) return false;
  }
  return true;
}

// The text field with \n and \\ turned into characters.
std::string unescape(std::string_view field, std::size_t line_number) {
  std::string text;
  text.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\') {
      text += field[i];
      continue;
    }
    if (i + 1 == field.size()) fail(line_number, "the text ends in a lone backslash (write \\\\)");
    const char next = field[++i];
    if (next == 'n') {
      text += '\n';
    } else if (next == '\\') {
      text += '\\';
    } else {
      fail(line_number, std::string("unknown escape '\\") + next +
                            "' in the text (only \\n and \\\\ are escapes)");
    }
  }
  return text;
}

// Lines joined with no space between them: scripts that write none between sentences.
std::string separator_for(std::string_view language) {
  const std::string_view script = language.substr(language.find('_') + 1);
  if (script == "Jpan" || script == "Hans" || script == "Hant") return "";
  return " ";
}

std::vector<double> zipf_cumulative(std::size_t n, double exponent) {
  std::vector<double> cumulative(n);
  double total = 0;
  for (std::size_t rank = 1; rank <= n; ++rank) {
    total += 1.0 / std::pow(static_cast<double>(rank), exponent);
    cumulative[rank - 1] = total;
  }
  return cumulative;
}

std::size_t draw_uniform(std::mt19937_64& rng, std::size_t n) {
  return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
}

// An endless run of code points: random lines from one language, with its separator between
// them.
class LineStream {
 public:
  struct CodePoint {
    std::string_view bytes;
    bool space = false;
  };

  LineStream(const std::vector<CorpusLine>& lines, const std::vector<std::size_t>& indices,
             const std::string& separator, std::mt19937_64& rng)
      : lines_(lines), indices_(indices), separator_(separator), rng_(rng) {}

  CodePoint next() {
    while (pos_ == buffer_.size()) refill();
    const auto c = decode_utf8_char(std::string_view(buffer_).substr(pos_));
    // The corpus was checked when parsed, so every sequence is whole and valid.
    const CodePoint out{std::string_view(buffer_).substr(pos_, c.length), is_space(c.code_point)};
    pos_ += c.length;
    return out;
  }

 private:
  void refill() {
    buffer_.clear();
    if (started_) buffer_ = separator_;
    started_ = true;
    buffer_ += lines_[indices_[draw_uniform(rng_, indices_.size())]].text;
    pos_ = 0;
  }

  const std::vector<CorpusLine>& lines_;
  const std::vector<std::size_t>& indices_;
  const std::string& separator_;
  std::mt19937_64& rng_;
  std::string buffer_;
  std::size_t pos_ = 0;
  bool started_ = false;
};

// Text built a code point at a time, which can be cut back to a number of code points.
class CodePointText {
 public:
  std::size_t size() const { return starts_.size(); }
  bool ends_in_space() const { return !spaces_.empty() && spaces_.back(); }
  bool is_space_at(std::size_t i) const { return spaces_[i]; }

  void push(const LineStream::CodePoint& c) {
    starts_.push_back(text_.size());
    spaces_.push_back(c.space);
    text_ += c.bytes;
  }

  void truncate(std::size_t n) {
    if (n >= size()) return;
    text_.resize(starts_[n]);
    starts_.resize(n);
    spaces_.resize(n);
  }

  std::string take() { return std::move(text_); }

 private:
  std::string text_;
  std::vector<std::size_t> starts_;
  std::vector<bool> spaces_;
};

}  // namespace

const std::vector<std::string>& Corpus::kinds() {
  static const std::vector<std::string> names{"ui", "dialogue", "prose"};
  return names;
}

Corpus Corpus::parse(std::string_view tsv) {
  Corpus corpus;
  if (tsv.starts_with("\xEF\xBB\xBF")) tsv.remove_prefix(3);  // a byte-order mark
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < tsv.size()) {
    const std::size_t end = std::min(tsv.find('\n', pos), tsv.size());
    std::string_view line = tsv.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (const auto bad = first_invalid_utf8(line)) {
      fail(line_number, "invalid UTF-8 at byte " + std::to_string(*bad + 1) + " of the line");
    }
    if (is_blank(line) || line[line.find_first_not_of(" \t")] == '#') continue;

    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
      const std::size_t tab = line.find('\t', start);
      fields.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    if (fields.size() != 3) {
      fail(line_number, "expected 3 tab-separated fields (language, kind, text), found " +
                            std::to_string(fields.size()));
    }
    const std::string_view language = fields[0];
    const std::string_view kind = fields[1];
    if (language.empty()) fail(line_number, "empty language");
    if (!is_nllb_code(language)) {
      fail(line_number,
           "language '" + std::string(language) + "' is not an NLLB code like eng_Latn");
    }
    const auto& known = kinds();
    if (std::find(known.begin(), known.end(), kind) == known.end()) {
      fail(line_number,
           "unknown kind '" + std::string(kind) + "' (expected ui, dialogue or prose)");
    }
    const std::string text(trim(unescape(fields[2], line_number)));
    if (text.empty()) fail(line_number, "empty text");
    corpus.lines_.push_back({std::string(language), std::string(kind), text});
  }

  // Indices by language (sorted) and by kind, each in file order.
  corpus.by_kind_.resize(kinds().size());
  for (std::size_t i = 0; i < corpus.lines_.size(); ++i) {
    const CorpusLine& line = corpus.lines_[i];
    auto it = std::lower_bound(
        corpus.by_language_.begin(), corpus.by_language_.end(), line.language,
        [](const LanguageLines& a, const std::string& code) { return a.language < code; });
    if (it == corpus.by_language_.end() || it->language != line.language) {
      it = corpus.by_language_.insert(it, {line.language, separator_for(line.language), {}});
    }
    it->lines.push_back(i);
    const auto kind = std::find(kinds().begin(), kinds().end(), line.kind) - kinds().begin();
    corpus.by_kind_[static_cast<std::size_t>(kind)].push_back(i);
  }

  // The desktop order: round-robin over the languages, each one's ui and dialogue lines in file
  // order.
  std::vector<std::vector<std::size_t>> desktop_by_language;
  for (const LanguageLines& language : corpus.by_language_) {
    auto& lines = desktop_by_language.emplace_back();
    for (std::size_t i : language.lines) {
      if (corpus.lines_[i].kind != "prose") lines.push_back(i);
    }
  }
  for (std::size_t round = 0;; ++round) {
    bool any = false;
    for (const auto& lines : desktop_by_language) {
      if (round < lines.size()) {
        corpus.desktop_order_.push_back(lines[round]);
        any = true;
      }
    }
    if (!any) break;
  }
  corpus.desktop_cumulative_ = zipf_cumulative(corpus.desktop_order_.size(), kDefaultZipfExponent);
  return corpus;
}

const Corpus& Corpus::embedded() {
  static const Corpus corpus = [] {
    const std::span<const std::byte> bytes = embedded_soak_corpus();
    return parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }();
  return corpus;
}

std::vector<std::string> Corpus::languages() const {
  std::vector<std::string> out;
  out.reserve(by_language_.size());
  for (const LanguageLines& language : by_language_) out.push_back(language.language);
  return out;
}

TextSample Corpus::random_text(std::mt19937_64& rng, std::size_t min_chars,
                               std::size_t max_chars) const {
  if (min_chars == 0) throw InvalidArgument("random_text: min_chars must be at least 1");
  if (min_chars > max_chars) {
    throw InvalidArgument("random_text: min_chars (" + std::to_string(min_chars) +
                          ") is greater than max_chars (" + std::to_string(max_chars) + ")");
  }
  if (by_language_.empty()) throw InvalidArgument("random_text: the soak corpus is empty");

  const LanguageLines& language = by_language_[draw_uniform(rng, by_language_.size())];
  const std::size_t length = std::uniform_int_distribution<std::size_t>(min_chars, max_chars)(rng);
  LineStream stream(lines_, language.lines, language.separator, rng);
  CodePointText text;
  while (text.size() < length) {
    const auto c = stream.next();
    if (text.size() == 0 && c.space) continue;  // (lines are trimmed; this is a safeguard)
    text.push(c);
  }
  if (text.ends_in_space()) {
    // The cut fell in whitespace. The first code point is not whitespace, so `kept` >= 1.
    std::size_t kept = text.size();
    while (kept > 0 && text.is_space_at(kept - 1)) --kept;
    if (kept >= min_chars) {
      text.truncate(kept);
    } else {
      // Extend past the whitespace while that stays within max_chars.
      while (text.size() < max_chars && text.ends_in_space()) text.push(stream.next());
      if (text.ends_in_space()) {
        // The whitespace spans [min_chars, max_chars]: drop it, and take no whitespace as the
        // last code point.
        text.truncate(kept);
        while (text.size() < min_chars) {
          const auto c = stream.next();
          if (c.space && text.size() + 1 == min_chars) continue;
          text.push(c);
        }
      }
    }
  }
  return {language.language, text.take()};
}

TextSample Corpus::desktop_line(std::mt19937_64& rng, double zipf_exponent) const {
  if (!std::isfinite(zipf_exponent) || zipf_exponent < 0) {
    throw InvalidArgument("desktop_line: the Zipf exponent must be a finite number >= 0, not " +
                          std::to_string(zipf_exponent));
  }
  if (desktop_order_.empty()) {
    throw InvalidArgument("desktop_line: the soak corpus has no ui or dialogue line");
  }
  std::vector<double> computed;
  const std::vector<double>* cumulative = &desktop_cumulative_;
  if (zipf_exponent != kDefaultZipfExponent) {
    computed = zipf_cumulative(desktop_order_.size(), zipf_exponent);
    cumulative = &computed;
  }
  const double u = std::uniform_real_distribution<double>(0.0, cumulative->back())(rng);
  const auto rank = static_cast<std::size_t>(
      std::upper_bound(cumulative->begin(), cumulative->end(), u) - cumulative->begin());
  const CorpusLine& line = lines_[desktop_order_[std::min(rank, desktop_order_.size() - 1)]];
  return {line.language, line.text};
}

TextSample Corpus::line_of_kind(std::mt19937_64& rng, std::string_view kind) const {
  const auto& known = kinds();
  const auto it = std::find(known.begin(), known.end(), kind);
  if (it == known.end()) {
    throw InvalidArgument("unknown text kind '" + std::string(kind) +
                          "' (expected ui, dialogue or prose)");
  }
  const auto& indices = by_kind_[static_cast<std::size_t>(it - known.begin())];
  if (indices.empty()) {
    throw InvalidArgument("the soak corpus has no line of kind '" + std::string(kind) + "'");
  }
  const CorpusLine& line = lines_[indices[draw_uniform(rng, indices.size())]];
  return {line.language, line.text};
}

}  // namespace nmtd::soak
