#pragma once
// Longest-match of user-defined symbols, which SentencePiece keeps whole: they are neither
// normalized nor split into characters.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace nmtd::spm {

// Bytes of the UTF-8 character starting with `lead`, judged by the lead byte alone (1 for
// stray continuation bytes), as SentencePiece splits text into characters.
inline std::size_t utf8_lead_length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

class PrefixMatcher {
 public:
  explicit PrefixMatcher(const std::vector<std::string>& symbols) {
    for (const auto& s : symbols) {
      if (s.empty()) continue;
      symbols_.insert(s);
      longest_ = std::max(longest_, s.size());
    }
  }
  bool empty() const { return symbols_.empty(); }

  // Length of the longest symbol that prefixes `input`; 0 when none does.
  std::size_t match(std::string_view input) const {
    for (std::size_t n = std::min(longest_, input.size()); n > 0; --n) {
      if (symbols_.contains(std::string(input.substr(0, n)))) return n;
    }
    return 0;
  }
  // A user-defined symbol when one prefixes `input`, else one character (clipped to the input).
  std::size_t symbol_or_char(std::string_view input, bool* is_symbol) const {
    const std::size_t n = match(input);
    *is_symbol = n > 0;
    if (n > 0) return n;
    return std::min(input.size(), utf8_lead_length(static_cast<unsigned char>(input[0])));
  }

 private:
  std::unordered_set<std::string> symbols_;
  std::size_t longest_ = 0;
};

}  // namespace nmtd::spm
