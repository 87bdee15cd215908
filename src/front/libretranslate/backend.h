#pragma once
// What the LibreTranslate layer needs from the server behind it. The front implements Backend
// (routing to workers); the unit tests use a fake. Every call is synchronous: the HTTP server
// runs each handler on its own thread, so blocking here blocks only that request.
//
// Language codes across this interface are NLLB codes ("eng_Latn"); the client's codes
// ("en", "zh-Hans") are mapped by LanguageNames (language_names.h) before and after.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nmtd::libretranslate {

using Clock = std::chrono::steady_clock;

enum class ErrorKind {
  kInvalidInput,         // 400: bad text (e.g. invalid UTF-8), bad option
  kUnsupportedLanguage,  // 400: the model cannot translate from/to this language
  kTooLong,              // 400: a text over the server's hard limit
  kOverloaded,           // 429: queues full (gRPC RESOURCE_EXHAUSTED)
  kUnavailable,          // 503: no worker can take the call (starting, draining)
  kDeadlineExceeded,     // 504: the deadline passed before an answer
  kInternal,             // 500: anything else
};

struct BackendError {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;  // shown to the client as {"error": message}
  // kOverloaded: when capacity frees, if known (> 0); sent as Retry-After in whole seconds.
  std::chrono::milliseconds retry_after{0};
};

struct Detection {
  std::string language;     // NLLB code
  double confidence = 0.0;  // 0..1; the API shows it as a whole percentage
};

struct TranslateRequest {
  std::vector<std::string> texts{};  // UTF-8, already trimmed, none empty
  // NLLB code, or "auto": detect each text; one without letters (digits, symbols, emoji) comes
  // back unchanged, detected as eng_Latn at confidence 0, as LibreTranslate answers it.
  std::string source{};
  std::string target{};  // NLLB code
  int alternatives = 0;  // extra hypotheses wanted per text (0: none)
  Clock::time_point deadline{};
  // Whether the HTTP client has hung up: the backend then gives the work up (empty: never).
  std::function<bool()> client_gone{};
};

struct TextResult {
  std::optional<BackendError> error{};      // set: this text failed (the request fails with it)
  std::string translation{};                // when no error
  std::vector<std::string> alternatives{};  // up to `alternatives`, best first; may repeat
                                            // the translation (the caller removes copies)
  std::optional<Detection> detected{};      // when source was "auto"
};

struct TranslateResult {
  std::optional<BackendError> error{};  // set: the whole call failed; `texts` is ignored
  std::vector<TextResult> texts{};      // otherwise one per request text, same order
};

struct DetectResult {
  std::optional<BackendError> error{};
  std::vector<Detection> candidates{};  // best first; empty when nothing could be told
};

struct BackendLanguage {
  std::string code;                  // NLLB code
  std::vector<std::string> targets;  // NLLB codes it translates into; empty: every language
};

struct BackendSettings {
  // The server's own per-text limit in characters (code points), -1 for none. The stricter of
  // this and Options::char_limit applies and is what /frontend/settings reports.
  int char_limit = -1;
  // The most `alternatives` the engine can give (its beam bound), -1 for no bound. The
  // stricter of this and Options::alternatives_limit applies.
  int max_alternatives = -1;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // May throw: the handler answers 500 and the HTTP server logs the exception.
  virtual TranslateResult translate(const TranslateRequest& request) = 0;
  virtual DetectResult detect(const std::string& text, Clock::time_point deadline) = 0;
  // The model's languages in the order /languages lists them.
  virtual std::vector<BackendLanguage> languages() = 0;
  virtual BackendSettings settings() = 0;
};

}  // namespace nmtd::libretranslate
