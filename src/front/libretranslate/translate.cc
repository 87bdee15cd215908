// POST /translate: LibreTranslate's checks in LibreTranslate's order (reference §2), then one
// backend call per source language.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "front/libretranslate/handlers.h"
#include "front/libretranslate/html_text.h"

namespace nmtd::libretranslate {
namespace {

using nlohmann::json;

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// Python counts characters, not bytes: every byte that does not continue a UTF-8 sequence.
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// What LibreTranslate answers for a text it did not translate (spaces only).
json undetected() { return json{{"confidence", 0.0}, {"language", "en"}}; }

std::string required(const Fields& fields, std::string_view name) {
  auto value = fields.text(name);
  if (!value || value->empty()) {
    throw RequestError{400, "Invalid request: missing " + std::string(name) + " parameter"};
  }
  return std::move(*value);
}

// The language's NLLB code, or "auto" for a source that asks for detection.
std::string resolve(const Context& ctx, const std::string& code, bool allow_auto) {
  const std::string lower = lowercase(code);
  if (allow_auto && lower == "auto") return "auto";
  auto resolved = lower == "auto" ? std::nullopt : ctx.names.resolve(code);
  if (!resolved) throw RequestError{400, lower + " is not supported"};
  return std::move(resolved->nllb);
}

// Translates `texts` (none empty) and checks what came back; throws RequestError.
std::vector<TextResult> call_backend(const Context& ctx, std::vector<std::string> texts,
                                     const std::string& source, const std::string& target,
                                     int alternatives, Clock::time_point deadline) {
  std::vector<TextResult> out;
  if (texts.empty()) return out;
  if (source == target) {  // LibreTranslate lists each language as its own target: identity
    for (std::string& t : texts) {
      TextResult r;  // (member-wise: GCC 12 warns falsely on a designated init's optional copy)
      r.translation = std::move(t);
      out.push_back(std::move(r));
    }
    return out;
  }
  const std::size_t n = texts.size();
  TranslateResult r = ctx.backend.translate(TranslateRequest{.texts = std::move(texts),
                                                             .source = source,
                                                             .target = target,
                                                             .alternatives = alternatives,
                                                             .deadline = deadline,
                                                             .client_gone = ctx.client_gone});
  if (r.error) throw to_request_error(*r.error);
  if (r.texts.size() != n) {
    throw RequestError{500, "internal error: " + std::to_string(r.texts.size()) +
                                " translations for " + std::to_string(n) + " texts"};
  }
  for (const TextResult& t : r.texts) {
    if (t.error) throw to_request_error(*t.error);
  }
  return std::move(r.texts);
}

// At most `n` alternatives, without copies of each other or of the translation.
json alternatives_of(const TextResult& r, int n) {
  std::vector<std::string> kept;
  for (const std::string& a : r.alternatives) {
    if (static_cast<int>(kept.size()) >= n) break;
    if (a != r.translation && std::find(kept.begin(), kept.end(), a) == kept.end()) {
      kept.push_back(a);
    }
  }
  return kept;
}

struct Outcome {
  std::vector<std::string> translated;  // one per q item
  std::vector<json> detected;           // one per q item, when source is auto
  std::vector<json> alternatives;       // one per q item, when asked for
};

Outcome translate_text(const Context& ctx, const std::vector<std::string>& items,
                       const std::string& source, const std::string& target, int alternatives,
                       Clock::time_point deadline) {
  // LibreTranslate strips each text; one of spaces only comes back as it was, untranslated.
  std::vector<std::string> todo;
  std::vector<int> slot(items.size(), -1);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string_view t = trim(items[i]);
    if (t.empty()) continue;
    slot[i] = static_cast<int>(todo.size());
    todo.emplace_back(t);
  }
  const auto results = call_backend(ctx, std::move(todo), source, target, alternatives, deadline);
  Outcome out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (slot[i] < 0) {
      out.translated.push_back(items[i]);
      out.detected.push_back(undetected());
      out.alternatives.push_back(json::array());
      continue;
    }
    const TextResult& r = results[static_cast<std::size_t>(slot[i])];
    out.translated.push_back(r.translation);
    out.detected.push_back(r.detected ? detected_language(ctx.names, *r.detected) : undetected());
    out.alternatives.push_back(alternatives_of(r, alternatives));
  }
  return out;
}

// format=html: each item's text nodes are translated, its markup kept. With source "auto"
// each item is detected once on all its text (a short node alone says little), and the items
// go to the backend grouped by their language.
Outcome translate_html(const Context& ctx, const std::vector<std::string>& items,
                       const std::string& source, const std::string& target,
                       Clock::time_point deadline) {
  std::vector<HtmlText> docs;
  std::vector<std::string> sources(items.size(), source);
  Outcome out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    docs.emplace_back(items[i]);
    out.detected.push_back(undetected());
    out.alternatives.push_back(json::array());  // LibreTranslate makes none for html
    const auto& texts = docs.back().texts();
    if (source != "auto" || texts.empty()) continue;
    std::string joined;
    for (const std::string& t : texts) joined += (joined.empty() ? "" : "\n") + t;
    const DetectResult d = ctx.backend.detect(joined, deadline);
    if (d.error) throw to_request_error(*d.error);
    if (d.candidates.empty()) continue;  // the backend's "auto" decides (fallback or error)
    sources[i] = d.candidates.front().language;
    out.detected[i] = detected_language(ctx.names, d.candidates.front());
  }
  std::map<std::string, std::vector<std::size_t>> groups;  // source -> items
  for (std::size_t i = 0; i < items.size(); ++i) groups[sources[i]].push_back(i);
  std::vector<std::vector<std::string>> translations(items.size());
  for (const auto& [group_source, members] : groups) {
    std::vector<std::string> texts;
    for (const std::size_t i : members) {
      texts.insert(texts.end(), docs[i].texts().begin(), docs[i].texts().end());
    }
    const auto results = call_backend(ctx, std::move(texts), group_source, target, 0, deadline);
    std::size_t next = 0;
    for (const std::size_t i : members) {
      for (std::size_t k = 0; k < docs[i].texts().size(); ++k, ++next) {
        translations[i].push_back(results[next].translation);
        if (k == 0 && group_source == "auto" && results[next].detected) {
          out.detected[i] = detected_language(ctx.names, *results[next].detected);
        }
      }
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    out.translated.push_back(docs[i].render(translations[i]));
  }
  return out;
}

}  // namespace

nlohmann::json translate(const Context& ctx, const Fields& fields) {
  const Options& opt = ctx.options;
  const auto q = fields.texts("q");
  if (!q) throw RequestError{400, "Invalid request: missing q parameter"};
  const std::string source_code = required(fields, "source");
  const std::string target_code = required(fields, "target");
  const int alternatives = fields.alternatives();
  int alternatives_limit = opt.alternatives_limit;
  if (const int engine = ctx.backend.settings().max_alternatives; engine != -1)
    alternatives_limit = alternatives_limit == -1 ? engine : std::min(alternatives_limit, engine);
  if (alternatives_limit != -1 && alternatives > alternatives_limit) {
    throw RequestError{400, "Invalid request: alternatives parameter must be <= " +
                                std::to_string(alternatives_limit)};
  }
  if (q->list && opt.batch_limit != -1 && static_cast<int>(q->items.size()) > opt.batch_limit) {
    throw RequestError{400, "Invalid request: request (" + std::to_string(q->items.size()) +
                                ") exceeds text limit (" + std::to_string(opt.batch_limit) + ")"};
  }
  if (const int limit = char_limit(ctx); limit != -1) {
    for (const std::string& text : q->items) {
      const std::size_t n = code_points(text);
      if (n > static_cast<std::size_t>(limit)) {
        throw RequestError{400, "Invalid request: request (" + std::to_string(n) +
                                    ") exceeds text limit (" + std::to_string(limit) + ")"};
      }
    }
  }
  const std::string source = resolve(ctx, source_code, /*allow_auto=*/true);
  const std::string target = resolve(ctx, target_code, /*allow_auto=*/false);
  const std::string format = fields.text("format").value_or("");
  if (!format.empty() && format != "text" && format != "html") {
    throw RequestError{400, format + " format is not supported"};
  }

  const auto deadline = Clock::now() + opt.deadline;
  const Outcome out = format == "html"
                          ? translate_html(ctx, q->items, source, target, deadline)
                          : translate_text(ctx, q->items, source, target, alternatives, deadline);
  json answer = json::object();
  if (q->list) {
    answer["translatedText"] = out.translated;
    if (source == "auto") answer["detectedLanguage"] = out.detected;
    if (alternatives > 0) answer["alternatives"] = out.alternatives;
  } else {
    answer["translatedText"] = out.translated.front();
    if (source == "auto") answer["detectedLanguage"] = out.detected.front();
    if (alternatives > 0) answer["alternatives"] = out.alternatives.front();
  }
  return answer;
}

RequestError to_request_error(const BackendError& error) {
  switch (error.kind) {
    case ErrorKind::kInvalidInput:
    case ErrorKind::kUnsupportedLanguage:
    case ErrorKind::kTooLong:
      return {400, error.message};
    case ErrorKind::kOverloaded:  // rounded up: a client waits at least as long as hinted
      return {429, error.message,
              static_cast<int>(std::min<long long>((error.retry_after.count() + 999) / 1000,
                                                   std::numeric_limits<int>::max()))};
    case ErrorKind::kUnavailable:
      return {503, error.message};
    case ErrorKind::kDeadlineExceeded:
      return {504, error.message};
    case ErrorKind::kInternal:
      break;
  }
  return {500, error.message};
}

nlohmann::json detected_language(const LanguageNames& names, const Detection& d) {
  const double percent = std::round(std::clamp(d.confidence, 0.0, 1.0) * 100.0);
  const auto described = names.describe(d.language);
  return json{{"confidence", percent}, {"language", described ? described->code : d.language}};
}

}  // namespace nmtd::libretranslate
