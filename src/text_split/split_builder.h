#pragma once
// Internal: assembles a SplitText from byte ranges of the input, in order. Adjacent separator
// bytes merge into one gap, whose kind is the strongest boundary it spans (kLine > kSentence >
// kWrap), so that join() can tell layout from sentence spacing.
#include <algorithm>
#include <string_view>

#include "text_split/text_split.h"

namespace nmtd::text_split {

class SplitTextBuilder {
 public:
  // Bytes that are not sent to the model.
  void separator(std::string_view bytes, GapKind kind) {
    result_.separators_.back().append(bytes);
    mark(kind);
  }
  // A boundary with no bytes of its own (e.g. between two Japanese sentences).
  void mark(GapKind kind) {
    GapKind& k = result_.gap_kinds_.back();
    k = std::max(k, kind);
  }
  void piece(std::string_view bytes) {
    result_.pieces_.emplace_back(bytes);
    result_.separators_.emplace_back();
    result_.gap_kinds_.push_back(GapKind::kWrap);
  }
  SplitText finish() && {
    mark(GapKind::kLine);  // the end of the text is layout
    return std::move(result_);
  }

 private:
  SplitText result_;  // starts with one empty kLine gap: the start of the text
};

}  // namespace nmtd::text_split
