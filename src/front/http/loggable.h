#pragma once
// Client-chosen text (a decoded path may hold "%0A") must not forge or flood log lines: the
// HTTP server's name for nmtd::loggable (common/loggable.h), which every part uses.
#include <string>
#include <string_view>

namespace nmtd::http {

std::string loggable(std::string_view text, std::size_t max_bytes = 200);

}  // namespace nmtd::http
