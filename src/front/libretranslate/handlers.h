#pragma once
// The API's handlers behind mount() (api.cc): each takes the parsed fields and returns the
// JSON answer, or throws RequestError with LibreTranslate's status and text. Internal.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "front/libretranslate/backend.h"
#include "front/libretranslate/fields.h"
#include "front/libretranslate/language_names.h"
#include "front/libretranslate/options.h"

namespace nmtd::libretranslate {

struct Context {
  Backend& backend;
  const LanguageNames& names;
  Options options;
  std::function<bool()> client_gone{};  // the request's (HttpRequest::client_gone), if any
};

nlohmann::json translate(const Context& ctx, const Fields& fields);
nlohmann::json detect(const Context& ctx, const Fields& fields);
nlohmann::json languages(const Context& ctx);
nlohmann::json frontend_settings(const Context& ctx);

// The status and text a backend failure answers with.
RequestError to_request_error(const BackendError& error);
// {"confidence": whole percentage as a float, "language": public code}.
nlohmann::json detected_language(const LanguageNames& names, const Detection& d);
// The stricter of Options::char_limit and the backend's; -1 when neither limits.
int char_limit(const Context& ctx);

// The Swagger 2.0 document served at GET /spec (spec.cc).
const nlohmann::json& spec_document();

// The web page served at GET / (web_page.cc).
const std::string& web_page_html();

}  // namespace nmtd::libretranslate
