#pragma once
// Invariants every split must keep, whatever the input.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/utf8.h"
#include "text_split/text_split.h"

namespace nmtd::text_split::testing {

inline bool has_line_break(std::string_view s) {
  for (std::string_view b : {"\n", "\r", "\v", "\f", "\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"}) {
    if (s.find(b) != std::string_view::npos) return true;
  }
  return false;
}

inline bool edge_space(std::string_view s) {
  for (std::string_view w : {" ", "\t", "\xC2\xA0", "\xE3\x80\x80"}) {
    if (s.starts_with(w) || s.ends_with(w)) return true;
  }
  return false;
}

inline ::testing::AssertionResult keeps_invariants(const SplitText& split, std::string_view input,
                                                   std::size_t max_piece) {
  const auto& pieces = split.pieces();
  if (split.separators().size() != pieces.size() + 1 ||
      split.gap_kinds().size() != pieces.size() + 1) {
    return ::testing::AssertionFailure() << "layout sizes do not match the pieces";
  }
  if (split.join(pieces) != input) {
    return ::testing::AssertionFailure() << "join(pieces) != input for [" << input << "]";
  }
  if (split.gap_kinds().front() != GapKind::kLine || split.gap_kinds().back() != GapKind::kLine) {
    return ::testing::AssertionFailure() << "text edges are not kLine gaps";
  }
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const std::string& p = pieces[i];
    if (p.empty() || p.size() > max_piece || !valid_utf8(p) || has_line_break(p) || edge_space(p)) {
      return ::testing::AssertionFailure()
             << "bad piece " << i << " (" << p.size() << " bytes): [" << p << "]";
    }
  }
  for (std::size_t i = 0; i < split.separators().size(); ++i) {
    if (has_line_break(split.separators()[i]) && split.gap_kinds()[i] != GapKind::kLine) {
      return ::testing::AssertionFailure() << "gap " << i << " has a line break but is not kLine";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace nmtd::text_split::testing
