#pragma once
// Client-chosen text in a log line (a request id, a path, a message quoting a text) must not
// forge or flood lines: control characters (LF, CR, ESC, the C1 controls, the Unicode line
// separators) and bytes that are not UTF-8 become visible escapes (\xNN, \uNNNN), a backslash
// becomes \x5c so that an escape in the log is always ours, and long text is cut ("...").
#include <cstddef>
#include <string>
#include <string_view>

namespace nmtd {

std::string loggable(std::string_view text, std::size_t max_bytes = 200);

}  // namespace nmtd
