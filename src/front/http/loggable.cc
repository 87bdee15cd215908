#include "front/http/loggable.h"

#include <array>

namespace nmtd::http {

std::string loggable(std::string_view text, std::size_t max_bytes) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string out;
  for (const char ch : text.substr(0, max_bytes)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  if (text.size() > max_bytes) out += "...";
  return out;
}

}  // namespace nmtd::http
