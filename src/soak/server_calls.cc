#include "soak/server_calls.h"

#include <climits>

#include "lang/languages.h"
#include "rpc/retry_hint.h"
#include "soak/request_ledger.h"

namespace nmtd::soak {
namespace pb = baketa::translation::v1;
namespace {

std::chrono::system_clock::time_point after(std::chrono::milliseconds d) {
  return std::chrono::system_clock::now() + d;
}

CallResult from_status(const grpc::Status& status) {
  return {status_code_name(status.error_code()), false, status.error_message()};
}

// What gRPC code an in-band Baketa error stands for (the service's own mapping, reversed).
std::string code_for(pb::TranslationErrorType type) {
  switch (type) {
    case pb::TRANSLATION_ERROR_TYPE_INVALID_INPUT:
    case pb::TRANSLATION_ERROR_TYPE_INVALID_REQUEST:
      return "INVALID_ARGUMENT";
    case pb::TRANSLATION_ERROR_TYPE_UNSUPPORTED_LANGUAGE:
      return "UNIMPLEMENTED";
    case pb::TRANSLATION_ERROR_TYPE_TIMEOUT:
      return "DEADLINE_EXCEEDED";
    case pb::TRANSLATION_ERROR_TYPE_SERVICE_UNAVAILABLE:
      return "UNAVAILABLE";
    case pb::TRANSLATION_ERROR_TYPE_RATE_LIMIT_EXCEEDED:
    case pb::TRANSLATION_ERROR_TYPE_QUOTA_EXCEEDED:
      return "RESOURCE_EXHAUSTED";
    case pb::TRANSLATION_ERROR_TYPE_OPERATION_CANCELED:
      return "CANCELLED";
    default:
      return "INTERNAL";
  }
}

void set_language(pb::Language& language, const std::string& code) { language.set_code(code); }

}  // namespace

std::string status_code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "CODE_" + std::to_string(static_cast<int>(code));
  }
}

CallResult translate_result(const grpc::Status& status, const nmt::v1::TranslateRequest& request,
                            const nmt::v1::TranslateResponse& response) {
  if (!status.ok()) return from_status(status);
  if (response.translations_size() != request.texts_size()) {
    return {"OK", false,
            "asked for " + std::to_string(request.texts_size()) + " translations, got " +
                std::to_string(response.translations_size())};
  }
  return {"OK", true, ""};
}

CallResult baketa_result(const grpc::Status& status, const pb::TranslateRequest& request,
                         const pb::TranslateResponse& response) {
  if (!status.ok()) return from_status(status);
  if (!response.is_success()) {
    return {code_for(response.error().error_type()), false, response.error().message()};
  }
  if (response.request_id() != request.request_id()) {
    return {"OK", false, "request_id '" + response.request_id() + "' is not the one sent"};
  }
  return {"OK", true, ""};
}

std::string baketa_code(const std::string& nllb_code) {
  const lang::LanguageInfo* info = lang::find_language(nllb_code);
  if (info == nullptr || info->tag.empty()) return nllb_code;
  return info->tag;
}

ServerCalls::ServerCalls(const std::string& target, ChannelKind kind) {
  grpc::ChannelArguments args;
  // Each ServerCalls is its own connection, as separate client programs would be.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(64 << 20);
  if (kind.keepalive_pings) {
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    // gRPC's own client idle timeout (30 min) would close the connection on our side; the
    // soak wants to see whether the server keeps an idle, pinging client.
    args.SetInt(GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS, INT_MAX);
  }
  channel_ = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  translator_ = nmt::v1::Translator::NewStub(channel_);
  baketa_ = pb::TranslationService::NewStub(channel_);
}

CallResult ServerCalls::translate(const std::vector<std::string>& texts, const std::string& source,
                                  const std::string& target, std::chrono::milliseconds deadline,
                                  const std::string& request_id) const {
  nmt::v1::TranslateRequest request;
  for (const auto& t : texts) request.add_texts(t);
  request.set_source_language(source);
  request.set_target_language(target);
  request.set_request_id(request_id);
  nmt::v1::TranslateResponse response;
  grpc::ClientContext ctx;
  ctx.set_deadline(after(deadline));
  CallResult result =
      translate_result(translator_->Translate(&ctx, request, &response), request, response);
  result.retry_after = rpc::retry_pushback(ctx.GetServerTrailingMetadata());
  return result;
}

CallResult ServerCalls::baketa_translate(const std::string& text, const std::string& source,
                                         const std::string& target,
                                         std::chrono::milliseconds deadline,
                                         const std::string& request_id) const {
  pb::TranslateRequest request;
  request.set_source_text(text);
  set_language(*request.mutable_source_language(), source);
  set_language(*request.mutable_target_language(), target);
  request.set_request_id(request_id);
  pb::TranslateResponse response;
  grpc::ClientContext ctx;
  ctx.set_deadline(after(deadline));
  return baketa_result(baketa_->Translate(&ctx, request, &response), request, response);
}

CallResult ServerCalls::baketa_batch(const std::vector<std::string>& texts,
                                     const std::string& source, const std::string& target,
                                     std::chrono::milliseconds deadline,
                                     const std::string& request_id) const {
  pb::BatchTranslateRequest request;
  request.set_batch_id(request_id);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto* item = request.add_requests();
    item->set_source_text(texts[i]);
    set_language(*item->mutable_source_language(), source);
    set_language(*item->mutable_target_language(), target);
    item->set_request_id(request_id + "." + std::to_string(i));
  }
  pb::BatchTranslateResponse response;
  grpc::ClientContext ctx;
  ctx.set_deadline(after(deadline));
  const grpc::Status status = baketa_->TranslateBatch(&ctx, request, &response);
  if (!status.ok()) return from_status(status);
  if (response.responses_size() != request.requests_size()) {
    return {"OK", false,
            "asked for " + std::to_string(request.requests_size()) + " items, got " +
                std::to_string(response.responses_size())};
  }
  // The worst item decides: a lost item must not hide behind an earlier refusal.
  std::optional<CallResult> refused;
  for (const auto& item : response.responses()) {
    if (item.is_success()) continue;
    CallResult r{code_for(item.error().error_type()), false, item.error().message()};
    if (settle(r.code, false) == Settlement::lost) return r;
    if (!refused) refused = std::move(r);
  }
  return refused ? *refused : CallResult{"OK", true, ""};
}

std::optional<nmt::v1::GetStatusResponse> ServerCalls::status(
    std::chrono::milliseconds deadline) const {
  nmt::v1::GetStatusResponse response;
  grpc::ClientContext ctx;
  ctx.set_deadline(after(deadline));
  if (!translator_->GetStatus(&ctx, {}, &response).ok()) return std::nullopt;
  return response;
}

}  // namespace nmtd::soak
