#pragma once
// The strict reading of a request head (request line and header block) that decides where a
// request ends, before cpp-httplib sees a byte of it. httplib 0.11.4 is lenient where leniency
// lets one client smuggle a second request past a proxy: it skips lines without CRLF, takes
// "Name : value", lets chunked win over Content-Length, reads the first of two Content-Lengths.
// This parser follows RFC 9112 instead, so whatever it accepts httplib reads the same way:
//   * every line ends in CRLF; no bare CR or LF, no control bytes in a value, no obs-fold;
//   * a header name is a token directly followed by ':' (no whitespace before the colon);
//   * Content-Length is digits, repeated only with the same value; never with Transfer-Encoding;
//   * Transfer-Encoding is exactly `chunked` (HTTP/1.1 only): 400 when the final coding is not
//     chunked, 501 for codings before it, which the server does not implement;
//   * exactly one Host on HTTP/1.1, at most one on HTTP/1.0.
// A head that breaks any rule is answered with its HeadError and the connection is closed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace nmtd::http {

// httplib's own bounds on one line (CPPHTTPLIB_REQUEST_URI_MAX_LENGTH, _HEADER_MAX_LENGTH),
// CRLF included: past them it answers 414 or 400 itself.
constexpr std::size_t kMaxRequestLineBytes = 8192;
constexpr std::size_t kMaxHeaderLineBytes = 8192;

struct RequestHead {
  enum class Framing { kNone, kLength, kChunked };

  std::size_t size = 0;  // bytes, up to and including the blank line that ends the head
  std::string method;
  std::string target;   // as sent, query included
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  Framing framing = Framing::kNone;
  std::uint64_t content_length = 0;  // with Framing::kLength
  bool client_closes = false;        // Connection: close, or HTTP/1.0 without keep-alive
  bool expects_continue = false;     // Expect: 100-continue

  bool has_body() const {
    return framing == Framing::kChunked || (framing == Framing::kLength && content_length > 0);
  }
  // The target's path, %-decoded as httplib routes it.
  std::string path() const;
};

struct HeadError {
  int status;           // 400, 414, 431, 501
  std::string message;  // "Bad Request: ..." for the client
};

// Where the head that starts `bytes` ends (one past its blank line); npos while incomplete.
std::size_t head_end(std::string_view bytes);

// Reads the complete head `head` (as head_end() delimits it).
std::variant<RequestHead, HeadError> parse_request_head(std::string_view head);

}  // namespace nmtd::http
