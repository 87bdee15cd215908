#include "engine/text/sentencepiece/normalizer.h"

#include <cstring>

#include "common/error.h"
#include "common/utf8.h"

namespace nmtd::spm {

namespace {

// darts-clone's unit layout: a label, a leaf flag, and an offset to the children.
bool unit_has_leaf(uint32_t unit) { return (unit >> 8) & 1; }
uint32_t unit_value(uint32_t unit) { return unit & ((1U << 31) - 1); }
uint32_t unit_label(uint32_t unit) { return unit & ((1U << 31) | 0xFF); }
uint32_t unit_offset(uint32_t unit) { return (unit >> 10) << ((unit & (1U << 9)) >> 6); }

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

CharsMap::CharsMap(std::string_view blob) {
  if (blob.empty()) return;
  uint32_t trie_bytes = 0;
  if (blob.size() < sizeof trie_bytes)
    throw ModelFormatError("SentencePiece charsmap: shorter than its header");
  std::memcpy(&trie_bytes, blob.data(), sizeof trie_bytes);
  blob.remove_prefix(sizeof trie_bytes);
  if (trie_bytes > blob.size() || trie_bytes % 4 != 0 || trie_bytes == 0)
    throw ModelFormatError("SentencePiece charsmap: trie size " + std::to_string(trie_bytes) +
                           " does not fit the " + std::to_string(blob.size()) + " bytes present");
  units_.resize(trie_bytes / 4);
  std::memcpy(units_.data(), blob.data(), trie_bytes);
  replacements_ = std::string(blob.substr(trie_bytes));
}

std::pair<std::size_t, std::string_view> CharsMap::longest_match(std::string_view input) const {
  if (units_.empty()) return {0, {}};
  std::size_t best_length = 0;
  uint32_t best_value = 0;
  std::size_t node = unit_offset(units_[0]);
  for (std::size_t i = 0; i < input.size(); ++i) {
    const auto byte = static_cast<unsigned char>(input[i]);
    node ^= byte;
    if (node >= units_.size()) break;  // a well-formed trie never points outside itself
    const uint32_t unit = units_[node];
    if (unit_label(unit) != byte) break;
    node ^= unit_offset(unit);
    if (node >= units_.size()) break;
    if (unit_has_leaf(unit)) {
      best_length = i + 1;
      best_value = unit_value(units_[node]);
    }
  }
  if (best_length == 0) return {0, {}};
  if (best_value >= replacements_.size())
    throw ModelFormatError("SentencePiece charsmap: a rule points past its replacements");
  const char* start = replacements_.data() + best_value;
  const std::size_t max = replacements_.size() - best_value;
  return {best_length, std::string_view(start, strnlen(start, max))};
}

Normalizer::Normalizer(const NormalizerSpec& spec, const PrefixMatcher* user_defined,
                       bool treat_whitespace_as_suffix)
    : spec_(spec),
      charsmap_(spec.precompiled_charsmap),
      user_defined_(user_defined && !user_defined->empty() ? user_defined : nullptr),
      treat_whitespace_as_suffix_(treat_whitespace_as_suffix) {}

std::pair<std::string_view, std::size_t> Normalizer::normalize_prefix(
    std::string_view input) const {
  if (user_defined_) {
    if (const std::size_t n = user_defined_->match(input)) return {input.substr(0, n), n};
  }
  if (auto [length, replacement] = charsmap_.longest_match(input); length > 0)
    return {replacement, length};
  const std::size_t n = decode_utf8_char(input).length;
  if (n == 0) return {kReplacementChar, 1};
  return {input.substr(0, n), n};
}

std::string Normalizer::normalize(std::string_view input) const {
  std::string out;
  const bool remove_extra = spec_.remove_extra_whitespaces;
  if (remove_extra) {  // leading whitespace, judged after the rules (they may produce spaces)
    while (!input.empty()) {
      const auto [normalized, consumed] = normalize_prefix(input);
      if (normalized != " ") break;
      input.remove_prefix(consumed);
    }
  }
  if (input.empty()) return out;
  out.reserve(input.size() * 3);
  const auto add_space = [&] {
    if (spec_.escape_whitespaces)
      out += kSpaceSymbol;
    else
      out += ' ';
  };
  if (!treat_whitespace_as_suffix_ && spec_.add_dummy_prefix) add_space();

  bool previous_was_space = remove_extra;
  while (!input.empty()) {
    auto [normalized, consumed] = normalize_prefix(input);
    if (previous_was_space && remove_extra) {
      while (!normalized.empty() && normalized.front() == ' ') normalized.remove_prefix(1);
    }
    if (!normalized.empty()) {
      for (const char c : normalized) {
        if (spec_.escape_whitespaces && c == ' ')
          out += kSpaceSymbol;
        else
          out += c;
      }
      previous_was_space = normalized.back() == ' ';
    }
    input.remove_prefix(consumed);
    if (!remove_extra) previous_was_space = false;
  }

  if (remove_extra) {
    const std::string_view space = spec_.escape_whitespaces ? kSpaceSymbol : " ";
    while (std::string_view(out).ends_with(space)) out.resize(out.size() - space.size());
  }
  if (treat_whitespace_as_suffix_ && spec_.add_dummy_prefix) add_space();
  return out;
}

}  // namespace nmtd::spm
