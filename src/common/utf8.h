#pragma once
// Strict UTF-8: overlong forms, surrogates and code points past U+10FFFF are refused, as
// SentencePiece and Python's strict decoder refuse them.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nmtd {

struct Utf8Char {
  uint32_t code_point = 0;
  std::size_t length = 0;  // bytes; 0 when the sequence is not valid UTF-8
};

// The character `s` starts with; length 0 when it is empty, truncated or not valid UTF-8.
Utf8Char decode_utf8_char(std::string_view s);

// The byte offset of the first sequence that is not valid UTF-8; nullopt when all of it is.
std::optional<std::size_t> first_invalid_utf8(std::string_view s);
inline bool valid_utf8(std::string_view s) { return !first_invalid_utf8(s); }

// `s` with each byte that is not part of valid UTF-8 replaced by U+FFFD, cut to at most
// `max_bytes` bytes on a character boundary: safe to put in a protobuf `string` field.
std::string to_valid_utf8(std::string_view s, std::size_t max_bytes = std::string_view::npos);

// True when `s` is empty or holds only Unicode White_Space characters (ASCII spaces, tabs and
// line breaks, no-break and ideographic spaces, ...). False for invalid UTF-8.
bool only_whitespace(std::string_view s);

}  // namespace nmtd
