// mount(): the routes, LibreTranslate's CORS headers and key check around the handlers, and
// the small handlers (/detect, /languages, /frontend/settings).
#include "front/libretranslate/api.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "front/libretranslate/handlers.h"

namespace nmtd::libretranslate {
namespace {

using nlohmann::json;

void add_cors(http::HttpResponse& r) {
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
  r.headers.emplace_back("Access-Control-Expose-Headers", "Authorization");
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
  r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  r.headers.emplace_back("Access-Control-Max-Age", "1728000");
}

// Sorted keys (nlohmann's default object) and raw UTF-8, as LibreTranslate writes; invalid
// UTF-8 a client sent and the backend echoed becomes U+FFFD rather than a throw.
http::HttpResponse json_answer(int status, const json& body) {
  http::HttpResponse r{.status = status};
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

void check_key(const Options& opt, const Fields& fields) {
  if (!opt.api_keys) return;
  const auto key = fields.text("api_key");
  if (!key || key->empty()) {
    throw RequestError{400, opt.get_api_key_link.empty()
                                ? "Please contact the server operator to get an API key"
                                : "Visit " + opt.get_api_key_link + " to get an API key"};
  }
  // As LibreTranslate charges it: a batch costs one request per text. A `q` that is not
  // valid costs one, and its own error follows once the key is admitted.
  int cost = 1;
  try {
    if (const auto q = fields.texts("q"); q && !q->items.empty())
      cost = static_cast<int>(std::min<std::size_t>(q->items.size(), 1'000'000'000));
  } catch (const RequestError&) {
  }
  const KeyDecision d = opt.api_keys->admit(*key, cost);
  if (d.verdict == KeyVerdict::kUnknown) throw RequestError{403, "Invalid API key"};
  if (d.verdict == KeyVerdict::kOverLimit)
    throw RequestError{429, "Slowdown: " + std::to_string(d.requests_per_minute) + " per 1 minute"};
}

using Body = std::function<json(const http::HttpRequest&)>;

// Runs `body`, turning a RequestError into {"error": ...} with its status, and adds CORS.
http::Handler wrap(Body body) {
  return [body = std::move(body)](const http::HttpRequest& request) {
    http::HttpResponse r;
    try {
      r = json_answer(200, body(request));
    } catch (const RequestError& e) {
      r = http::HttpResponse::error(e.status, e.message);
      if (e.retry_after_seconds > 0)
        r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds));
    }
    add_cors(r);
    return r;
  };
}

// `handler`, telling `observe` each answer's status (500 for one that throws).
http::Handler observed(http::Handler handler,
                       std::function<void(int, std::chrono::nanoseconds)> observe) {
  return [handler = std::move(handler), observe = std::move(observe)](const http::HttpRequest& r) {
    const auto started = std::chrono::steady_clock::now();
    const auto took = [&] { return std::chrono::steady_clock::now() - started; };
    try {
      http::HttpResponse response = handler(r);
      observe(response.status, took());
      return response;
    } catch (...) {
      observe(500, took());
      throw;
    }
  };
}

}  // namespace

int char_limit(const Context& ctx) {
  const int mine = ctx.options.char_limit;
  const int theirs = ctx.backend.settings().char_limit;
  if (mine < 0) return theirs < 0 ? -1 : theirs;
  return theirs < 0 ? mine : std::min(mine, theirs);
}

nlohmann::json detect(const Context& ctx, const Fields& fields) {
  const auto q = fields.texts("q");
  if (!q) throw RequestError{400, "Invalid request: missing q parameter"};
  const auto deadline = Clock::now() + ctx.options.deadline;
  // For a list, each language's confidences are averaged over the texts it was found in, as
  // LibreTranslate merges them.
  std::map<std::string, std::pair<double, int>> merged;
  for (const std::string& text : q->items) {
    const DetectResult d = ctx.backend.detect(text, deadline);
    if (d.error) throw to_request_error(*d.error);
    for (const Detection& c : d.candidates) {
      auto& [sum, count] = merged[c.language];
      sum += c.confidence;
      ++count;
    }
  }
  // The best candidate only: every client reads [0], and one (Go) needs exactly one element.
  std::optional<Detection> best;
  for (const auto& [language, sum_count] : merged) {
    const double mean = sum_count.first / sum_count.second;
    if (!best || mean > best->confidence) best = Detection{language, mean};
  }
  if (!best) return json::array({json{{"confidence", 0.0}, {"language", "en"}}});
  return json::array({detected_language(ctx.names, *best)});
}

nlohmann::json languages(const Context& ctx) {
  const std::vector<BackendLanguage> langs = ctx.backend.languages();
  // Public codes of every listable NLLB code, first spelling wins (two NLLB codes must not
  // answer to one client code).
  std::map<std::string, PublicLanguage, std::less<>> described;
  std::vector<std::string> listed;  // NLLB codes, in the backend's order
  std::set<std::string, std::less<>> codes_seen;
  for (const BackendLanguage& l : langs) {
    auto d = ctx.names.describe(l.code);
    if (!d || !codes_seen.insert(d->code).second) continue;
    described.emplace(l.code, std::move(*d));
    listed.push_back(l.code);
  }
  json out = json::array();
  std::set<std::string, std::less<>> emitted;
  for (const BackendLanguage& l : langs) {
    const auto self = described.find(l.code);
    if (self == described.end() || !emitted.insert(l.code).second) continue;
    json targets = json::array();
    for (const std::string& t : l.targets.empty() ? listed : l.targets) {
      if (const auto it = described.find(t); it != described.end())
        targets.push_back(it->second.code);
    }
    out.push_back(
        json{{"code", self->second.code}, {"name", self->second.name}, {"targets", targets}});
  }
  return out;
}

nlohmann::json frontend_settings(const Context& ctx) {
  json target = json{{"code", "en"}, {"name", "English"}};
  if (const auto r = ctx.names.resolve(ctx.options.frontend_target)) {
    if (const auto d = ctx.names.describe(r->nllb))
      target = json{{"code", d->code}, {"name", d->name}};
  }
  const bool keys = ctx.options.api_keys != nullptr;
  return json{
      {"charLimit", char_limit(ctx)},
      {"frontendTimeout", ctx.options.frontend_timeout_ms},
      {"apiKeys", keys},
      {"keyRequired", keys},  // configured keys are always required here
      {"suggestions", false},
      {"filesTranslation", false},
      {"supportedFilesFormat", json::array()},
      {"language", {{"source", {{"code", "auto"}, {"name", "Auto Detect"}}}, {"target", target}}}};
}

void mount(http::HttpServer& server, Backend& backend, const LanguageNames& names,
           const Options& options) {
  // Shared by every handler; lives as long as the last of them.
  const auto ctx = std::make_shared<const Context>(Context{backend, names, options});
  const auto preflight = [](std::string allow) {
    return [allow = std::move(allow)](const http::HttpRequest&) {
      http::HttpResponse r{.content_type = "text/html; charset=utf-8"};
      r.headers.emplace_back("Allow", allow);
      add_cors(r);
      return r;
    };
  };
  const auto post = [&](const std::string& path, Body body) {
    http::Handler handler = wrap(std::move(body));
    if (path == "/translate" && options.on_translate)
      handler = observed(std::move(handler), options.on_translate);
    server.post(path, std::move(handler));
    server.route("OPTIONS", path, preflight("OPTIONS, POST"));
  };
  const auto get = [&](const std::string& path, Body body) {
    server.get(path, wrap(std::move(body)));
    server.route("OPTIONS", path, preflight("GET, HEAD, OPTIONS"));
  };

  post("/translate", [ctx](const http::HttpRequest& r) {
    const Fields fields(r);
    check_key(ctx->options, fields);
    Context with_client = *ctx;
    with_client.client_gone = r.client_gone;
    return translate(with_client, fields);
  });
  post("/detect", [ctx](const http::HttpRequest& r) {
    const Fields fields(r);
    check_key(ctx->options, fields);
    return detect(*ctx, fields);
  });
  // A body on these GETs (clients send one) is never read: they take no parameters.
  get("/languages", [ctx](const http::HttpRequest&) { return languages(*ctx); });
  get("/frontend/settings", [ctx](const http::HttpRequest&) { return frontend_settings(*ctx); });
  get("/health", [](const http::HttpRequest&) { return json{{"status", "ok"}}; });
  get("/spec", [](const http::HttpRequest&) { return spec_document(); });
  // LibreTranslate's answers when files and suggestions are turned off, which nmtd has neither.
  post("/translate_file", [](const http::HttpRequest&) -> json {
    throw RequestError{403, "Files translation are disabled on this server."};
  });
  post("/suggest", [](const http::HttpRequest&) -> json {
    throw RequestError{403, "Suggestions are disabled on this server."};
  });
  if (options.web_page) {
    server.get("/", [](const http::HttpRequest&) {
      http::HttpResponse r{.content_type = "text/html; charset=utf-8", .body = web_page_html()};
      add_cors(r);
      return r;
    });
  }
}

}  // namespace nmtd::libretranslate
