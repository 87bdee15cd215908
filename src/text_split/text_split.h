#pragma once
// Cuts client text (paragraphs, several lines, padded UI labels) into the pieces an NMT model
// translates well — one sentence, or a bounded part of a very long one — and puts the
// translations back with the original line breaks and whitespace. Rules: docs/text-splitting.md.
//
// Invariant: separators[0] + pieces[0] + separators[1] + ... + pieces[n-1] + separators[n] is the
// input, byte for byte. Nothing is dropped, nothing is cut without a separator recording it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nmtd::text_split {

struct SplitOptions {
  // A longer text is refused with nmtd::InvalidArgument naming this limit (never truncated).
  std::size_t max_text_bytes = std::size_t{1} << 20;
  // Bound on one piece, in UTF-8 bytes (a sentence longer than this is cut at word, then
  // character boundaries). Bytes bound NLLB's input: a SentencePiece token covers at least one
  // character (the "▁" of a word stands for its space), so a piece of B bytes is at most B + 1
  // tokens, plus the language token and </s>: the default always fits the 1024-token window.
  // At least 4, so that any code point fits.
  std::size_t max_piece_bytes = 1000;
};

// What a separator stands between; join() adjusts only kSentence gaps, never layout.
enum class GapKind : std::uint8_t {
  kWrap,      // inside one sentence that was cut to fit max_piece_bytes
  kSentence,  // between two sentences of one line
  kLine,      // the start or end of the text, or anything holding a line break
};

// How join() treats the whitespace between two sentences of one line (kSentence gaps).
enum class SentenceSpacing : std::uint8_t {
  kKeep,   // the source's separator as is (the default; join(pieces) == input)
  kSpace,  // target writes with spaces: an empty gap (source was ja/zh/th...) becomes one space
  kNone,   // target writes without spaces (ja/zh/th...): the gap is dropped
};

// Each distinct piece once, so that a line repeated in one text is translated once (the
// translation cache then serves it across texts).
struct UniquePieces {
  std::vector<std::string> texts;          // in order of first appearance
  std::vector<std::size_t> text_of_piece;  // piece i is texts[text_of_piece[i]]

  // The translation of every piece, from the translation of every distinct text.
  // Throws std::invalid_argument when the count differs from texts.size().
  std::vector<std::string> expand(const std::vector<std::string>& translated_texts) const;
};

class SplitText {
 public:
  // The text to translate: non-empty, no leading/trailing whitespace, no line break, valid
  // UTF-8, at most max_piece_bytes. Empty for an empty or whitespace-only text.
  const std::vector<std::string>& pieces() const { return pieces_; }
  // pieces().size() + 1 separators: before the first piece, between pieces, after the last.
  const std::vector<std::string>& separators() const { return separators_; }
  const std::vector<GapKind>& gap_kinds() const { return gap_kinds_; }

  // The translations put back in the layout. `translated` has one entry per piece (else
  // std::invalid_argument: a caller bug, not a client error).
  std::string join(const std::vector<std::string>& translated,
                   SentenceSpacing spacing = SentenceSpacing::kKeep) const;

  UniquePieces unique_pieces() const;

 private:
  friend class SplitTextBuilder;
  std::vector<std::string> pieces_;
  std::vector<std::string> separators_{std::string()};
  std::vector<GapKind> gap_kinds_{GapKind::kLine};
};

// Holds ICU's break iterators per language (created once, cloned per call under a mutex), so
// that one Splitter serves every thread. Owned by the caller: no global state.
class Splitter {
 public:
  // Throws nmtd::InvalidArgument when max_piece_bytes < 4.
  explicit Splitter(SplitOptions options = {});
  ~Splitter();
  Splitter(const Splitter&) = delete;
  Splitter& operator=(const Splitter&) = delete;

  // `language`: the source language as a BCP-47 tag or NLLB code ("ja", "zh-Hant", "jpn_Jpan");
  // empty or unknown uses ICU's root rules. It picks sentence rules (abbreviations such as
  // "Mr." do not end an English sentence) and word breaks (Thai, Lao, Khmer, Burmese dictionaries).
  // Throws nmtd::InvalidArgument for a text over max_text_bytes or not valid UTF-8.
  SplitText split(std::string_view text, std::string_view language = {}) const;

  const SplitOptions& options() const { return options_; }

 private:
  struct Cache;
  SplitOptions options_;
  std::unique_ptr<Cache> cache_;
};

// One call without a long-lived Splitter (creates ICU iterators each time).
SplitText split(std::string_view text, const SplitOptions& options, std::string_view language = {});

}  // namespace nmtd::text_split
