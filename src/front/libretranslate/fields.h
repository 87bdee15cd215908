#pragma once
// A LibreTranslate request's parameters, read the way LibreTranslate reads them (reference §1):
// from a JSON object when the Content-Type is application/json or application/*+json (the query
// string is then ignored), otherwise from the query string and the form body (urlencoded or
// multipart), the query winning and the first of repeated names counting.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "front/http/http_types.h"

namespace nmtd::libretranslate {

// A refusal with LibreTranslate's status and text; handlers throw it and mount() answers
// {"error": message}. Only thrown inside this library.
struct RequestError {
  int status;
  std::string message;
  int retry_after_seconds = 0;  // > 0: sent as a Retry-After header
};

class Fields {
 public:
  // Throws RequestError(400) for a JSON body that does not parse (an empty one included) or is
  // not an object, with LibreTranslate's texts.
  explicit Fields(const http::HttpRequest& request);

  bool is_json() const { return json_.has_value(); }

  // A string field; nullopt when absent or JSON null. A JSON value of another type throws
  // RequestError(400) naming the field (LibreTranslate would fail with a 500 there).
  std::optional<std::string> text(std::string_view name) const;

  // `q`: a string, or in JSON an array of strings. nullopt when absent, null, "" or [] (all
  // "missing" to LibreTranslate). `list` tells which shape came, for the answer's shape.
  struct Texts {
    std::vector<std::string> items;
    bool list = false;
  };
  std::optional<Texts> texts(std::string_view name) const;

  // `alternatives`: JSON int() semantics (numbers truncate, true is 1, numeric strings parse);
  // form values must be integers. Absent or null: 0; negative: 0. Anything else throws
  // RequestError(400, "Invalid request: alternatives parameter is not a number").
  int alternatives() const;

 private:
  std::optional<nlohmann::json> json_;  // the object, for JSON requests
  const http::Params* params_ = nullptr;
};

}  // namespace nmtd::libretranslate
