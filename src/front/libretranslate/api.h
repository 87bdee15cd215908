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

namespace nmtd::libretranslate {

struct Options {
  int char_limit = -1;          // per text, in characters (code points); -1: none
  int batch_limit = -1;         // most texts in one `q` list; -1: none
  int alternatives_limit = -1;  // largest `alternatives`; -1: none
  // Set: /translate and /detect need one of these keys in `api_key` (missing: 400 "Please
  // contact the server operator to get an API key", unknown: 403 "Invalid API key", over the
  // key's limit: 429 "Slowdown: N per 1 minute"). Unset: `api_key` is accepted and ignored.
  // Shared with whoever reloads the keys (the front, on SIGHUP).
  std::shared_ptr<ApiKeys> api_keys;
  std::string
      get_api_key_link;  // non-empty: the missing-key text is "Visit LINK to get an API key"
  std::chrono::milliseconds deadline{60000};  // for each backend call of a request
  int frontend_timeout_ms = 500;              // reported as frontendTimeout
  std::string frontend_target = "en";         // the web page's default target (a client code)
  bool web_page = true;                       // serve GET /
  // Set: told each POST /translate answer's HTTP status and how long it took (metrics).
  std::function<void(int status, std::chrono::nanoseconds took)> on_translate;
};

// Adds the routes to `server` (before its start()). `backend`, `names` and the server must
// outlive each other's use: the handlers keep references to `backend` and `names`; `options`
// is copied.
void mount(http::HttpServer& server, Backend& backend, const LanguageNames& names,
           const Options& options);

}  // namespace nmtd::libretranslate
