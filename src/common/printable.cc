#include "common/printable.h"

#include "common/utf8.h"

namespace nmtd {

std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const Utf8Char c = decode_utf8_char(text.substr(i));
    const bool control = c.code_point < 0x20 || (c.code_point >= 0x7f && c.code_point < 0xa0);
    if (c.length > 0 && !control) {
      if (c.code_point == '\\') out += '\\';
      out.append(text.substr(i, c.length));
      i += c.length;
      continue;
    }
    const std::size_t n = c.length > 0 ? c.length : 1;  // an invalid sequence: one byte at a time
    for (std::size_t b = 0; b < n; ++b) {
      const auto byte = static_cast<unsigned char>(text[i + b]);
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
    i += n;
  }
  return out;
}

}  // namespace nmtd
