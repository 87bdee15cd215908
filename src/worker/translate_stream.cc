#include "worker/translate_stream.h"

#include "worker/call_response.h"

namespace nmtd::worker {

TranslateStreamReactor::TranslateStreamReactor(CallIntake& intake,
                                               rpc::OwnedReactors<TranslateStreamReactor>& owner,
                                               grpc::CallbackServerContext* ctx)
    : intake_(intake), owner_(owner), ctx_(ctx) {}

void TranslateStreamReactor::start() { StartRead(&request_); }

void TranslateStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client closed its side (or went away): every message was answered
    Finish(ctx_->IsCancelled() ? grpc::Status::CANCELLED : grpc::Status::OK);
    return;
  }
  if (!request_.ok()) {
    CallResult refused;
    refused.status =
        rpc::unparsable_status(*nmt::v1::TranslateRequest::descriptor(), request_.error);
    intake_.record_unparsable(refused.status);
    answer("", std::move(refused));
    return;
  }
  const std::string id = intake_.make_request_id(ctx_, request_.message.request_id());
  intake_.submit(request_.message, ctx_, id,
                 [this](const std::string& request_id, CallResult&& result) {
                   answer(request_id, std::move(result));
                 });
}

void TranslateStreamReactor::answer(const std::string& request_id, CallResult&& result) {
  if (ctx_->IsCancelled()) {
    Finish(grpc::Status::CANCELLED);
    return;
  }
  response_.Clear();
  response_.set_request_id(request_id);
  if (result.status.ok()) {
    fill_response(request_id, result, *response_.mutable_response());
  } else {
    response_.mutable_error()->set_code(static_cast<int>(result.status.error_code()));
    response_.mutable_error()->set_message(result.status.error_message());
  }
  StartWrite(&response_);
}

void TranslateStreamReactor::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading answers"));
    return;
  }
  request_.message.Clear();
  StartRead(&request_);
}

void TranslateStreamReactor::OnDone() { owner_.release(this); }

}  // namespace nmtd::worker
