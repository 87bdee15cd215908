#include "front/http/request_head.h"

#include <httplib.h>

#include <algorithm>
#include <array>
#include <optional>

namespace nmtd::http {
namespace {

HeadError bad(std::string_view why) { return {400, "Bad Request: " + std::string(why)}; }

bool is_tchar(unsigned char c) {
  if (std::isalnum(c) != 0) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

// VCHAR, obs-text, SP and HTAB (RFC 9110 5.5).
bool is_field_value(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Calls fn(element) for each element of a comma-separated list, trimmed; empty ones skipped.
template <typename F>
void for_each_element(std::string_view list, F fn) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view element = trim(list.substr(0, comma));
    if (!element.empty()) fn(element);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
}

// The methods httplib 0.11.4 serves (Server::parse_request_line).
constexpr std::array<std::string_view, 10> kMethods{
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI"};

std::optional<HeadError> parse_request_line(std::string_view line, RequestHead& head) {
  if (line.size() + 2 > kMaxRequestLineBytes) {
    return HeadError{414, "URI Too Long: the request line is over " +
                              std::to_string(kMaxRequestLineBytes) + " bytes"};
  }
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return bad("the request line is not METHOD TARGET VERSION");
  }
  head.method = line.substr(0, sp1);
  head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  head.version = line.substr(sp2 + 1);
  if (!is_token(head.method)) return bad("the method is not a token");
  if (head.target.empty() || !std::all_of(head.target.begin(), head.target.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f;
      })) {
    return bad("the request target is empty or holds a byte it may not");
  }
  if (head.version != "HTTP/1.1" && head.version != "HTTP/1.0") {
    return head.version.starts_with("HTTP/")
               ? HeadError{505, "HTTP Version Not Supported: " + head.version}
               : bad("the request line is not METHOD TARGET VERSION");
  }
  if (std::find(kMethods.begin(), kMethods.end(), head.method) == kMethods.end()) {
    return HeadError{501, "Not Implemented: method " + head.method};
  }
  return std::nullopt;
}

struct FieldsSeen {
  int hosts = 0;
  std::optional<std::uint64_t> content_length;
  int transfer_encodings = 0;
  std::string transfer_encoding;
  bool connection_close = false;
  bool connection_keep_alive = false;
};

std::optional<HeadError> take_field(std::string_view name, std::string_view value, FieldsSeen& seen,
                                    RequestHead& head) {
  if (iequals(name, "Host")) {
    ++seen.hosts;
  } else if (iequals(name, "Content-Length")) {
    if (value.empty() || value.size() > 19 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad("invalid Content-Length");
    }
    const std::uint64_t n = std::stoull(std::string(value));
    if (seen.content_length && *seen.content_length != n) return bad("conflicting Content-Length");
    seen.content_length = n;
  } else if (iequals(name, "Transfer-Encoding")) {
    ++seen.transfer_encodings;
    seen.transfer_encoding = value;
  } else if (iequals(name, "Connection")) {
    for_each_element(value, [&](std::string_view token) {
      seen.connection_close |= iequals(token, "close");
      seen.connection_keep_alive |= iequals(token, "keep-alive");
    });
  } else if (iequals(name, "Expect")) {
    head.expects_continue = iequals(value, "100-continue");
  }
  return std::nullopt;
}

// RFC 9112 6.1-6.3: one framing, and the only transfer coding the server reads is chunked.
std::optional<HeadError> decide_framing(const FieldsSeen& seen, RequestHead& head) {
  if (seen.transfer_encodings > 0) {
    if (seen.content_length) return bad("both Content-Length and Transfer-Encoding");
    if (head.version == "HTTP/1.0") return bad("Transfer-Encoding in an HTTP/1.0 request");
    if (seen.transfer_encodings > 1) return bad("more than one Transfer-Encoding");
    std::string_view last;
    int codings = 0;
    for_each_element(seen.transfer_encoding, [&](std::string_view coding) {
      last = coding;
      ++codings;
    });
    if (!iequals(last, "chunked")) return bad("the final transfer coding is not chunked");
    if (codings > 1 || trim(seen.transfer_encoding).size() != last.size()) {
      return HeadError{501, "Not Implemented: transfer codings other than chunked"};
    }
    head.framing = RequestHead::Framing::kChunked;
  } else if (seen.content_length) {
    head.framing = RequestHead::Framing::kLength;
    head.content_length = *seen.content_length;
  }
  return std::nullopt;
}

}  // namespace

std::string RequestHead::path() const {
  return httplib::detail::decode_url(target.substr(0, target.find('?')), false);
}

std::size_t head_end(std::string_view bytes) {
  for (std::size_t lf = bytes.find('\n'); lf != std::string_view::npos;
       lf = bytes.find('\n', lf + 1)) {
    if (lf + 1 < bytes.size() && bytes[lf + 1] == '\n') return lf + 2;
    if (lf + 2 < bytes.size() && bytes[lf + 1] == '\r' && bytes[lf + 2] == '\n') return lf + 3;
  }
  return std::string_view::npos;
}

std::variant<RequestHead, HeadError> parse_request_head(std::string_view text) {
  RequestHead head;
  head.size = text.size();
  FieldsSeen seen;
  bool first = true;
  while (!text.empty()) {
    const std::size_t lf = text.find('\n');
    if (lf == std::string_view::npos || lf == 0 || text[lf - 1] != '\r') {
      return bad("a line does not end in CRLF");
    }
    const std::string_view line = text.substr(0, lf - 1);
    text.remove_prefix(lf + 1);
    if (line.find('\r') != std::string_view::npos) return bad("a bare CR in the head");
    if (first) {
      if (auto error = parse_request_line(line, head)) return *error;
      first = false;
      continue;
    }
    if (line.empty()) break;  // the blank line that ends the head
    if (line.size() + 2 > kMaxHeaderLineBytes) {
      return HeadError{431, "Request Header Fields Too Large: a header line is over " +
                                std::to_string(kMaxHeaderLineBytes) + " bytes"};
    }
    if (line.front() == ' ' || line.front() == '\t') return bad("obsolete line folding");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return bad("a header line without a colon");
    const std::string_view name = line.substr(0, colon);
    if (!is_token(name)) {
      return bad(name.find_first_of(" \t") != std::string_view::npos
                     ? "whitespace between a header name and its colon"
                     : "a header name is not a token");
    }
    const std::string_view value = trim(line.substr(colon + 1));
    if (!is_field_value(value)) return bad("a control byte in a header value");
    if (auto error = take_field(name, value, seen, head)) return *error;
  }
  if (seen.hosts > 1) return bad("more than one Host header");
  if (seen.hosts == 0 && head.version == "HTTP/1.1") {
    return bad("an HTTP/1.1 request needs a Host header");
  }
  if (auto error = decide_framing(seen, head)) return *error;
  head.client_closes =
      seen.connection_close || (head.version == "HTTP/1.0" && !seen.connection_keep_alive);
  return head;
}

}  // namespace nmtd::http
