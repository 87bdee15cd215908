#pragma once
// SentencePiece's text normalization: the precompiled character map (a double-array trie of
// rewrite rules, e.g. NFKC for "nmt_nfkc"), whitespace clean-up, the dummy prefix and the
// escaping of spaces as U+2581. Behaves like sentencepiece::normalizer::Normalizer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/text/sentencepiece/model_proto.h"
#include "engine/text/sentencepiece/prefix_matcher.h"

namespace nmtd::spm {

inline constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581

// The rules of a precompiled charsmap: a darts-clone double array mapping byte strings to
// offsets of NUL-terminated replacements.
class CharsMap {
 public:
  CharsMap() = default;
  // Throws ModelFormatError when the blob is inconsistent.
  explicit CharsMap(std::string_view blob);
  bool empty() const { return units_.empty(); }
  // The longest rule matching a prefix of `input`: {bytes matched, replacement}; {0, {}} if none.
  std::pair<std::size_t, std::string_view> longest_match(std::string_view input) const;

 private:
  std::vector<uint32_t> units_;
  std::string replacements_;
};

class Normalizer {
 public:
  // `user_defined` are never rewritten (SentencePiece matches them before the rules).
  Normalizer(const NormalizerSpec& spec, const PrefixMatcher* user_defined,
             bool treat_whitespace_as_suffix);
  std::string normalize(std::string_view input) const;

 private:
  // The normalized form of the first character (or rule match) of `input`, and bytes consumed.
  std::pair<std::string_view, std::size_t> normalize_prefix(std::string_view input) const;

  NormalizerSpec spec_;
  CharsMap charsmap_;
  const PrefixMatcher* user_defined_;
  bool treat_whitespace_as_suffix_;
};

}  // namespace nmtd::spm
