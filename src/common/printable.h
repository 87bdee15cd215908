#pragma once
// Text that came from a file or a client, made safe to put in an error message or a log
// line: the message must not end early at an embedded NUL (what() is a C string) nor carry
// raw control bytes or invalid UTF-8 to a terminal or a log parser.
#include <string>
#include <string_view>

namespace nmtd {

// `text` with valid, printable UTF-8 kept as is, a backslash doubled, and every other byte
// (NUL, control characters, DEL, C1 controls, bytes that are not valid UTF-8) written as \xNN.
std::string printable(std::string_view text);

}  // namespace nmtd
