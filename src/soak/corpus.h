#pragma once
// The soak's text corpus: game-translation text in many languages and scripts, compiled into
// the binary from assets/soak/corpus.tsv, and the generators the load profiles draw from.
//
// The file has one text per line, `language<TAB>kind<TAB>text`:
//   language  an NLLB code such as eng_Latn (three lowercase letters, '_', a script like Latn)
//   kind      "ui" (menus, buttons), "dialogue" (NPC lines, system messages) or "prose"
//   text      UTF-8 without tabs; the two characters \n are a newline, \\ is a backslash
// Lines starting with '#' and blank lines are skipped; a CR before the LF is dropped. A text's
// leading and trailing whitespace is dropped.
//
// The generators take the caller's engine, so a soak run is repeatable from its seed, and are
// const: one Corpus can serve every client thread (each with its own engine).
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace nmtd::soak {

struct CorpusLine {
  std::string language;  // "jpn_Jpan"
  std::string kind;      // "ui", "dialogue" or "prose"
  std::string text;      // escapes already turned into characters
};

struct TextSample {
  std::string language;
  std::string text;
};

class Corpus {
 public:
  // The kinds a line can have, in this order.
  static const std::vector<std::string>& kinds();

  // Parses the TSV above. Throws nmtd::InvalidArgument naming the line number and the fault:
  // wrong field count, empty or malformed language, unknown kind, invalid UTF-8, empty text or
  // an unknown escape. An input with no lines parses to an empty corpus (whose generators throw).
  static Corpus parse(std::string_view tsv);

  // The corpus compiled into the binary, parsed on first use (thread-safe).
  static const Corpus& embedded();

  const std::vector<CorpusLine>& lines() const { return lines_; }

  // The distinct languages, sorted.
  std::vector<std::string> languages() const;

  // The crash-report profile: one language, uniformly among the corpus's languages, and a
  // length L uniformly in [min_chars, max_chars] code points; random lines of that language (any
  // kind) are joined, with a space between them except in Japanese and Chinese scripts (Jpan,
  // Hans, Hant), which have no spaces between sentences, and cut after L code points. The result
  // never starts or ends with whitespace: when the cut falls in whitespace, the text is cut
  // before it if that leaves at least min_chars, else extended past it if that stays within
  // max_chars, else the whitespace at the cut is dropped. So the length is always within
  // [min_chars, max_chars] and the text is valid UTF-8. Throws InvalidArgument when
  // min_chars == 0, min_chars > max_chars or the corpus is empty.
  TextSample random_text(std::mt19937_64& rng, std::size_t min_chars, std::size_t max_chars) const;

  // The desktop-app profile: a ui or dialogue line, drawn with probability proportional to
  // 1 / rank^zipf_exponent over a fixed order of those lines, so that a few lines repeat very
  // often (cache hits) and the tail is rare. The order does not depend on the engine, so every
  // run has the same hot set: round-robin over the languages (sorted by code), each language's
  // lines in file order, so rank 1 is the first ui/dialogue line of the first language, rank 2
  // that of the second... Throws InvalidArgument when zipf_exponent is negative or not finite,
  // or the corpus has no ui or dialogue line.
  TextSample desktop_line(std::mt19937_64& rng, double zipf_exponent = kDefaultZipfExponent) const;

  // Any line of the given kind, uniformly. Throws InvalidArgument for an unknown kind or one
  // with no lines.
  TextSample line_of_kind(std::mt19937_64& rng, std::string_view kind) const;

  static constexpr double kDefaultZipfExponent = 1.1;

 private:
  // Per language: the indices of its lines in lines_, and what joins them in random_text.
  struct LanguageLines {
    std::string language;
    std::string separator;
    std::vector<std::size_t> lines;
  };

  std::vector<CorpusLine> lines_;
  std::vector<LanguageLines> by_language_;         // sorted by language
  std::vector<std::vector<std::size_t>> by_kind_;  // indexed like kinds()
  std::vector<std::size_t> desktop_order_;         // ui and dialogue lines, rank order
  std::vector<double> desktop_cumulative_;         // Zipf weights for the default exponent
};

}  // namespace nmtd::soak
