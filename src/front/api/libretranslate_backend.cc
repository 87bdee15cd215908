#include "front/api/libretranslate_backend.h"

#include <future>
#include <map>

#include "engine/decode/decoding.h"
#include "lang/languages.h"

namespace nmtd::front {

namespace lt = libretranslate;

namespace {

// What LibreTranslate reports for a text it cannot detect a language in: English, at 0 %.
constexpr std::string_view kUndetectedLanguage = "eng_Latn";

lt::BackendError error_from(const grpc::Status& status, std::chrono::milliseconds retry_after) {
  lt::BackendError e;
  e.message = status.error_message();
  e.retry_after = retry_after;
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      e.kind = lt::ErrorKind::kInvalidInput;
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      e.kind = lt::ErrorKind::kUnsupportedLanguage;
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      e.kind = lt::ErrorKind::kOverloaded;
      break;
    case grpc::StatusCode::UNAVAILABLE:
      e.kind = lt::ErrorKind::kUnavailable;
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      e.kind = lt::ErrorKind::kDeadlineExceeded;
      break;
    default:
      e.kind = lt::ErrorKind::kInternal;
      break;
  }
  return e;
}

std::chrono::system_clock::time_point wall_deadline(lt::Clock::time_point deadline) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(deadline -
                                                                         lt::Clock::now());
}

// How often a waiting request looks whether its HTTP client is still there.
constexpr std::chrono::milliseconds kHangUpCheckEvery{50};

// One facade call for texts in one language pair, waited for on this (HTTP) thread. When the
// client hangs up meanwhile, the call is cancelled, which frees the workers' queues at once.
std::pair<CallOutcome, std::vector<TextOutcome>> run(TranslationFacade& facade,
                                                     FacadeRequest request,
                                                     const std::function<bool()>& client_gone) {
  std::promise<std::pair<CallOutcome, std::vector<TextOutcome>>> promise;
  auto future = promise.get_future();
  const auto cancel = facade.translate(
      std::move(request), [&promise](const CallOutcome& outcome, std::vector<TextOutcome>&& texts) {
        promise.set_value({outcome, std::move(texts)});
      });
  if (client_gone) {
    while (future.wait_for(kHangUpCheckEvery) != std::future_status::ready) {
      if (client_gone()) {
        cancel();  // `done` follows promptly, with CANCELLED
        break;
      }
    }
  }
  return future.get();
}

}  // namespace

LibreTranslateBackend::LibreTranslateBackend(const ModelLanguages& languages,
                                             TranslationFacade& facade,
                                             const lang::LanguageDetector* detector, int char_limit)
    : languages_(languages), facade_(facade), detector_(detector), char_limit_(char_limit) {}

lt::TranslateResult LibreTranslateBackend::translate(const lt::TranslateRequest& request) {
  lt::TranslateResult result;
  result.texts.resize(request.texts.size());
  // With "auto" each text says its own language: group the texts by the pair they need.
  std::map<std::string, std::vector<std::size_t>> by_source;
  for (std::size_t i = 0; i < request.texts.size(); ++i) {
    if (request.source != "auto") {
      by_source[request.source].push_back(i);
      continue;
    }
    const auto d = detector_ ? detector_->detect(request.texts[i]) : lang::DetectionResult{};
    if (d.no_letters) {  // LibreTranslate's answer: the text as it was, detected with 0 %
      result.texts[i].translation = request.texts[i];
      result.texts[i].detected = lt::Detection{std::string(kUndetectedLanguage), 0.0};
      continue;
    }
    const auto* language = d.language ? d.language : d.guess;
    if (!language) {
      result.texts[i].error = lt::BackendError{
          lt::ErrorKind::kInvalidInput,
          "cannot tell the language of this text (" + d.reason + "): give source instead of auto"};
      continue;
    }
    result.texts[i].detected = lt::Detection{std::string(language->code), d.confidence};
    by_source[std::string(language->code)].push_back(i);
  }
  for (const auto& [source, indices] : by_source) {
    FacadeRequest job;
    for (const auto i : indices) job.texts.push_back(request.texts[i]);
    job.source = source;
    job.target = request.target;
    job.deadline = wall_deadline(request.deadline);
    job.options.set_beam_size(std::max(2, request.alternatives + 1));
    job.options.set_num_hypotheses(request.alternatives + 1);
    auto [call, outcomes] = run(facade_, std::move(job), request.client_gone);
    if (!call.status.ok()) {
      result.error = error_from(call.status, call.retry_after);
      return result;
    }
    for (std::size_t k = 0; k < indices.size(); ++k) {
      auto& out = result.texts[indices[k]];
      if (!outcomes[k].status.ok()) {
        out.error = error_from(outcomes[k].status, outcomes[k].retry_after);
        continue;
      }
      out.translation = std::move(outcomes[k].translation);
      out.alternatives = std::move(outcomes[k].alternatives);
    }
  }
  return result;
}

lt::DetectResult LibreTranslateBackend::detect(const std::string& text, lt::Clock::time_point) {
  lt::DetectResult result;
  if (!detector_) return result;
  const auto d = detector_->detect(text);
  if (d.language) result.candidates.push_back({std::string(d.language->code), d.confidence});
  return result;
}

std::vector<lt::BackendLanguage> LibreTranslateBackend::languages() {
  std::vector<lt::BackendLanguage> out;
  auto codes = languages_.known();
  if (codes.empty()) {  // no worker has told yet: the registry's list, which a model matches
    for (const auto& info : lang::all_languages()) codes.emplace_back(info.code);
  }
  for (auto& code : codes) out.push_back({std::move(code), {}});
  return out;
}

lt::BackendSettings LibreTranslateBackend::settings() {
  // n alternatives take n + 1 hypotheses of a beam at least that wide.
  return {.char_limit = char_limit_, .max_alternatives = kMaxBeamSize - 1};
}

}  // namespace nmtd::front
