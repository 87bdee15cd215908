#pragma once
// Client-chosen text (a decoded path may hold "%0A") must not forge or flood log lines: control
// bytes become \xNN and long text is cut.
#include <string>
#include <string_view>

namespace nmtd::http {

std::string loggable(std::string_view text, std::size_t max_bytes = 200);

}  // namespace nmtd::http
