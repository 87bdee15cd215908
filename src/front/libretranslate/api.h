#pragma once
// LibreTranslate's HTTP API (and a small web page) on the front's HTTP server, over a Backend
// the front implements. Shapes, statuses and error texts follow LibreTranslate v1.9.6 as
// ../shared/reference/libretranslate-api.md records them. Deliberate differences: /detect
// answers the best candidate only (every client reads [0]); a batch with source "auto" reports
// each text's own detection; backend failures LibreTranslate cannot have answer 503
// (unavailable) and 504 (deadline); a non-string field or a bad JSON `alternatives` is a 400
// where LibreTranslate fails with a 500.
//
//   libretranslate::mount(http_server, backend, language_names, libretranslate::Options{});
//   http_server.start();
//
// Routes: POST /translate, POST /detect, GET /languages, GET /frontend/settings, GET /health,
// POST /translate_file and POST /suggest (403: disabled, as on a LibreTranslate without them),
// GET /spec (a Swagger 2.0 document of these routes), GET / (the web page, unless
// Options::web_page is false), and OPTIONS on each (CORS preflight).
// Every answer of these routes carries LibreTranslate's CORS headers.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "front/http/http_server.h"
#include "front/libretranslate/api_keys.h"
#include "front/libretranslate/backend.h"
#include "front/libretranslate/language_names.h"
#include "front/libretranslate/options.h"

namespace nmtd::libretranslate {

// Adds the routes to `server` (before its start()). `backend`, `names` and the server must
// outlive each other's use: the handlers keep references to `backend` and `names`; `options`
// is copied.
void mount(http::HttpServer& server, Backend& backend, const LanguageNames& names,
           const Options& options);

}  // namespace nmtd::libretranslate
