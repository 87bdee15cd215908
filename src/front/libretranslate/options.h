#pragma once
// How the LibreTranslate API is set up (its limits, keys, deadline, web page): what mount()
// (api.h) takes and what every handler (handlers.h) reads.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "front/libretranslate/api_keys.h"

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

}  // namespace nmtd::libretranslate
