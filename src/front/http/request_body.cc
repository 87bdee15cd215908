#include "front/http/request_body.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string_view>

namespace nmtd::http {
namespace {

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

BodyError too_large(std::size_t max_body_bytes) {
  return {413, "Payload Too Large: the request body is over " + std::to_string(max_body_bytes) +
                   " bytes"};
}

}  // namespace

std::optional<std::uint64_t> content_length(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return std::nullopt;
  const std::string text = req.get_header_value("Content-Length");
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return n;
}

void parse_form(const std::string& body, Params& params) {
  std::string_view rest = body;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view field = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (field.empty()) continue;
    const std::size_t eq = field.find('=');
    const std::string key(field.substr(0, eq));
    const std::string value(eq == std::string_view::npos ? std::string_view()
                                                         : field.substr(eq + 1));
    params.emplace(httplib::detail::decode_url(key, true),
                   httplib::detail::decode_url(value, true));
  }
}

std::optional<BodyError> read_body(const httplib::Request& req,
                                   const httplib::ContentReader& reader, std::size_t max_body_bytes,
                                   HttpRequest& out) {
  const auto declared = content_length(req);
  const bool chunked = req.has_header("Transfer-Encoding");
  if (!declared && !chunked) return std::nullopt;  // no body
  if (!chunked && *declared == std::numeric_limits<std::uint64_t>::max()) {
    return BodyError{400, "Bad Request: invalid Content-Length"};
  }
  if (!chunked && *declared > max_body_bytes) return too_large(max_body_bytes);

  std::size_t total = 0;
  bool over = false;
  const auto bounded = [&](std::size_t n) {
    total += n;
    over = total > max_body_bytes;
    return !over;
  };

  bool ok;
  if (req.is_multipart_form_data()) {
    // Each part becomes a param named after it; file parts too (their bytes count alike).
    auto part = out.params.end();
    ok = reader(
        [&](const httplib::MultipartFormData& header) {
          part = out.params.emplace(header.name, std::string());
          return true;
        },
        [&](const char* data, std::size_t n) {
          if (!bounded(n) || part == out.params.end()) return false;
          part->second.append(data, n);
          return true;
        });
  } else {
    ok = reader([&](const char* data, std::size_t n) {
      if (!bounded(n)) return false;
      out.body.append(data, n);
      return true;
    });
  }
  if (over) return too_large(max_body_bytes);
  if (!ok) return BodyError{400, "Bad Request: the request body could not be read"};

  const std::string type = lowercase(req.get_header_value("Content-Type"));
  if (type.starts_with("application/x-www-form-urlencoded")) {
    parse_form(out.body, out.params);
    out.body.clear();
  }
  return std::nullopt;
}

}  // namespace nmtd::http
