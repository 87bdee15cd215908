#include <stdexcept>
#include <string>
#include <unordered_map>

#include "common/utf8.h"
#include "text_split/text_split.h"

namespace nmtd::text_split {
namespace {

bool is_space_at(std::string_view s, bool at_end) {
  if (s.empty()) return false;
  // Only ASCII whitespace and the common Unicode spaces matter here: this decides whether
  // a model's output already carries a space at a sentence gap.
  if (!at_end) {
    const Utf8Char c = decode_utf8_char(s);
    return c.code_point == ' ' || c.code_point == '\t' || c.code_point == 0xA0 ||
           c.code_point == 0x3000;
  }
  const unsigned char last = static_cast<unsigned char>(s.back());
  if (last == ' ' || last == '\t') return true;
  // U+00A0 is C2 A0, U+3000 is E3 80 80.
  return s.ends_with("\xC2\xA0") || s.ends_with("\xE3\x80\x80");
}

}  // namespace

std::string SplitText::join(const std::vector<std::string>& translated,
                            SentenceSpacing spacing) const {
  if (translated.size() != pieces_.size()) {
    throw std::invalid_argument("SplitText::join: " + std::to_string(translated.size()) +
                                " translations for " + std::to_string(pieces_.size()) + " pieces");
  }
  std::size_t size = 0;
  for (const auto& s : separators_) size += s.size() + 1;
  for (const auto& t : translated) size += t.size();
  std::string out;
  out.reserve(size);
  for (std::size_t i = 0; i < separators_.size(); ++i) {
    const std::string& gap = separators_[i];
    if (gap_kinds_[i] != GapKind::kSentence || spacing == SentenceSpacing::kKeep) {
      out += gap;
    } else if (spacing == SentenceSpacing::kSpace) {
      // Gaps 0 and n are kLine, so a kSentence gap always has a piece on each side.
      const bool spaced =
          !gap.empty() || is_space_at(translated[i - 1], true) || is_space_at(translated[i], false);
      out += spaced ? gap : std::string(" ");
    }  // kNone: a sentence gap holds no line break, dropping it loses no layout
    if (i < translated.size()) out += translated[i];
  }
  return out;
}

UniquePieces SplitText::unique_pieces() const {
  UniquePieces u;
  u.text_of_piece.reserve(pieces_.size());
  std::unordered_map<std::string_view, std::size_t> seen;
  seen.reserve(pieces_.size());
  for (const std::string& p : pieces_) {
    auto [it, inserted] = seen.try_emplace(p, u.texts.size());
    if (inserted) u.texts.push_back(p);
    u.text_of_piece.push_back(it->second);
  }
  return u;
}

std::vector<std::string> UniquePieces::expand(
    const std::vector<std::string>& translated_texts) const {
  if (translated_texts.size() != texts.size()) {
    throw std::invalid_argument("UniquePieces::expand: " + std::to_string(translated_texts.size()) +
                                " translations for " + std::to_string(texts.size()) +
                                " distinct pieces");
  }
  std::vector<std::string> out;
  out.reserve(text_of_piece.size());
  for (std::size_t i : text_of_piece) out.push_back(translated_texts[i]);
  return out;
}

}  // namespace nmtd::text_split
