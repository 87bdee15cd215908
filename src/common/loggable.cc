#include "common/loggable.h"

#include "common/utf8.h"

namespace nmtd {
namespace {

// "\x" or "\u" and `digits` lowercase hex digits of `value`.
void escape(std::string& out, char kind, uint32_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '\\';
  out += kind;
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += kHex[(value >> shift) & 15];
}

}  // namespace

std::string loggable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  const std::string_view kept = text.substr(0, max_bytes);
  std::size_t i = 0;
  while (i < kept.size()) {
    const auto c = decode_utf8_char(kept.substr(i));
    const auto byte = static_cast<unsigned char>(kept[i]);
    if (c.length == 0) {  // not UTF-8 (or a character cut at max_bytes)
      escape(out, 'x', byte, 2);
      ++i;
      continue;
    }
    const uint32_t cp = c.code_point;
    if (cp < 0x20 || cp == 0x7f || cp == '\\') {
      escape(out, 'x', cp, 2);
    } else if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
      escape(out, 'u', cp, 4);
    } else {
      out.append(kept.substr(i, c.length));
    }
    i += c.length;
  }
  if (text.size() > max_bytes) out += "...";
  return out;
}

}  // namespace nmtd
