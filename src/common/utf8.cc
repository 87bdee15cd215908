#include "common/utf8.h"

namespace nmtd {

Utf8Char decode_utf8_char(std::string_view s) {
  if (s.empty()) return {};
  const auto lead = static_cast<unsigned char>(s[0]);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  uint32_t cp = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1Fu;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0Fu;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07u;
  } else {
    return {};
  }
  if (s.size() < length) return {};
  for (std::size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(s[k]);
    if ((b & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  static constexpr uint32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kShortest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {cp, length};
}

std::optional<std::size_t> first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = decode_utf8_char(s.substr(i));
    if (c.length == 0) return i;
    i += c.length;
  }
  return std::nullopt;
}

std::string to_valid_utf8(std::string_view s, std::size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = decode_utf8_char(s.substr(i));
    const std::string_view piece = c.length == 0 ? kReplacement : s.substr(i, c.length);
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += c.length == 0 ? 1 : c.length;
  }
  return out;
}

bool only_whitespace(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = decode_utf8_char(s.substr(i));
    if (c.length == 0) return false;
    const uint32_t cp = c.code_point;
    const bool space = (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
                       cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
                       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    if (!space) return false;
    i += c.length;
  }
  return true;
}

}  // namespace nmtd
