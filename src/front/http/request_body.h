#pragma once
// Reading a request body through cpp-httplib's ContentReader rather than letting the library
// fill Request::body: in 0.11.4 that path has no bound for chunked bodies, reads a body without
// Content-Length until the client closes, and refuses url-encoded forms over 8 KiB. Here every
// body is bounded by max_body_bytes (413 past it), a request without Content-Length or
// Transfer-Encoding has an empty body (RFC 9112), and form fields land in HttpRequest::params.
#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "front/http/http_types.h"

namespace nmtd::http {

struct BodyError {
  int status;
  std::string message;
};

// The declared Content-Length; nullopt when absent. Throws nothing: a malformed value yields
// UINT64_MAX, which every bound refuses.
std::optional<std::uint64_t> content_length(const httplib::Request& req);

// Fills out.body (or out.params for forms). nullopt on success.
std::optional<BodyError> read_body(const httplib::Request& req,
                                   const httplib::ContentReader& reader, std::size_t max_body_bytes,
                                   HttpRequest& out);

// application/x-www-form-urlencoded fields into `params`, decoded ('+' is a space).
void parse_form(const std::string& body, Params& params);

}  // namespace nmtd::http
