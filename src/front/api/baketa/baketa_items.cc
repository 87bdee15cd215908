#include "front/api/baketa/baketa_items.h"

#include <cmath>

#include "common/utf8.h"
#include "front/api/language_resolver.h"

namespace nmtd::front::baketa_items {

namespace {

bool only_whitespace(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

std::size_t utf8_chars(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

PreparedItem refused(grpc::StatusCode code, pb::TranslationErrorType type, std::string message) {
  PreparedItem item;
  item.status = grpc::Status(code, std::move(message));
  item.error_type = type;
  return item;
}

}  // namespace

PreparedItem prepare(const pb::TranslateRequest& request, const BaketaLimits& limits,
                     const lang::LanguageDetector* detector) {
  const std::string& text = request.source_text();
  if (!valid_utf8(text))
    return refused(grpc::StatusCode::INVALID_ARGUMENT, pb::TRANSLATION_ERROR_TYPE_INVALID_INPUT,
                   "source_text is not valid UTF-8");
  const std::size_t chars = utf8_chars(text);
  if (chars > limits.max_text_chars)
    return refused(grpc::StatusCode::INVALID_ARGUMENT, pb::TRANSLATION_ERROR_TYPE_INVALID_INPUT,
                   "source_text has " + std::to_string(chars) + " characters; the limit is " +
                       std::to_string(limits.max_text_chars));
  const auto target = resolve_language(request.target_language().code(), "target");
  if (!target.ok())
    return refused(grpc::StatusCode::UNIMPLEMENTED, pb::TRANSLATION_ERROR_TYPE_UNSUPPORTED_LANGUAGE,
                   target.error);
  PreparedItem item;
  item.target = target.nllb;
  item.nothing_to_translate = only_whitespace(text);
  const std::string& source_code = request.source_language().code();
  if (is_auto_language(source_code) || request.source_language().is_auto_detect()) {
    if (item.nothing_to_translate) return item;
    const auto detected = detect_language(detector, text);
    if (!detected.ok())
      return refused(grpc::StatusCode::INVALID_ARGUMENT,
                     pb::TRANSLATION_ERROR_TYPE_UNSUPPORTED_LANGUAGE, detected.error);
    item.source = detected.nllb;
    item.detected = detected.nllb;
    item.detection_confidence = detected.confidence;
    return item;
  }
  const auto source = resolve_language(source_code, "source");
  if (!source.ok())
    return refused(grpc::StatusCode::UNIMPLEMENTED, pb::TRANSLATION_ERROR_TYPE_UNSUPPORTED_LANGUAGE,
                   source.error);
  item.source = source.nllb;
  return item;
}

nmt::v1::DecodingOptions decoding(int max_output_tokens) {
  nmt::v1::DecodingOptions o;
  o.set_beam_size(1);
  o.set_repetition_penalty(1.2f);
  o.set_no_repeat_ngram_size(3);
  o.set_max_decoding_length(max_output_tokens);
  o.set_return_scores(true);
  return o;
}

void set_now(google::protobuf::Timestamp& timestamp) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now);
  timestamp.set_seconds(seconds.count());
  timestamp.set_nanos(static_cast<int32_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - seconds).count()));
}

int64_t elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

void fill_success(pb::TranslateResponse& out, const pb::TranslateRequest& request,
                  const PreparedItem& item, const TextOutcome* outcome, Clock::time_point started) {
  out.set_request_id(request.request_id());
  out.set_source_text(request.source_text());
  *out.mutable_source_language() = request.source_language();
  *out.mutable_target_language() = request.target_language();
  out.set_engine_name("nmtd");
  out.set_is_success(true);
  if (outcome) {
    out.set_translated_text(outcome->translation);
    out.set_confidence_score(outcome->score);
    (*out.mutable_metadata())["pieces"] = std::to_string(outcome->pieces);
  } else {
    out.set_translated_text("");
    out.set_confidence_score(0);  // whitespace only: nothing to be unsure about
  }
  auto& metadata = *out.mutable_metadata();
  metadata["source_language"] = item.source;
  metadata["target_language"] = item.target;
  if (!item.detected.empty()) {
    metadata["detected_language"] = item.detected;
    metadata["detection_confidence"] = std::to_string(item.detection_confidence);
  }
  out.set_processing_time_ms(elapsed_ms(started));
  set_now(*out.mutable_timestamp());
}

void fill_failure(pb::TranslateResponse& out, const pb::TranslateRequest& request,
                  const grpc::Status& status, pb::TranslationErrorType type,
                  Clock::time_point started, std::chrono::milliseconds retry_after) {
  out.set_request_id(request.request_id());
  out.set_source_text(request.source_text());
  *out.mutable_source_language() = request.source_language();
  *out.mutable_target_language() = request.target_language();
  out.set_engine_name("nmtd");
  out.set_is_success(false);
  out.set_confidence_score(-1);
  auto* error = out.mutable_error();
  const auto code = status.error_code();
  error->set_error_code(code == grpc::StatusCode::DEADLINE_EXCEEDED ? "TIMEOUT"
                        : type == pb::TRANSLATION_ERROR_TYPE_UNSUPPORTED_LANGUAGE
                            ? "UNSUPPORTED_LANGUAGE"
                            : pb::TranslationErrorType_Name(type).substr(
                                  std::string_view("TRANSLATION_ERROR_TYPE_").size()));
  error->set_message(status.error_message());
  error->set_error_type(type);
  error->set_is_retryable(code == grpc::StatusCode::UNAVAILABLE ||
                          code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
                          code == grpc::StatusCode::DEADLINE_EXCEEDED);
  if (retry_after.count() > 0)
    (*out.mutable_metadata())["retry_after_ms"] = std::to_string(retry_after.count());
  out.set_processing_time_ms(elapsed_ms(started));
  set_now(*out.mutable_timestamp());
}

pb::TranslationErrorType error_type_for(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return pb::TRANSLATION_ERROR_TYPE_INVALID_INPUT;
    case grpc::StatusCode::UNIMPLEMENTED:
      return pb::TRANSLATION_ERROR_TYPE_UNSUPPORTED_LANGUAGE;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return pb::TRANSLATION_ERROR_TYPE_TIMEOUT;
    case grpc::StatusCode::UNAVAILABLE:
      return pb::TRANSLATION_ERROR_TYPE_SERVICE_UNAVAILABLE;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return pb::TRANSLATION_ERROR_TYPE_RATE_LIMIT_EXCEEDED;
    case grpc::StatusCode::CANCELLED:
      return pb::TRANSLATION_ERROR_TYPE_OPERATION_CANCELED;
    case grpc::StatusCode::INTERNAL:
      return pb::TRANSLATION_ERROR_TYPE_ENGINE;
    default:
      return pb::TRANSLATION_ERROR_TYPE_UNEXPECTED_ERROR;
  }
}

}  // namespace nmtd::front::baketa_items
