#include "settings/setting.h"

#include <cctype>

namespace nmtd::settings {

std::string_view group_of(std::string_view name) {
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(0, dot);
}

std::string environment_name(std::string_view prefix, std::string_view name) {
  std::string out(prefix);
  for (const char ch : name)
    out += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace nmtd::settings
