#include "front/dispatch/model_languages.h"

#include <chrono>
#include <memory>

#include "nmt/v1/translator.grpc.pb.h"

namespace nmtd::front {

namespace {

constexpr auto kListLanguagesTimeout = std::chrono::seconds(10);

}  // namespace

std::vector<std::string> ModelLanguages::known() const {
  std::lock_guard lock(mutex_);
  if (!languages_) return {};
  return {languages_->languages().begin(), languages_->languages().end()};
}

void ModelLanguages::fetch(nmt::v1::ListLanguagesResponse* response,
                           std::function<void(grpc::Status)> done) {
  {
    std::lock_guard lock(mutex_);
    if (languages_) {
      *response = *languages_;
      done(grpc::Status::OK);
      return;
    }
  }
  auto worker = router_.pick({});
  if (!worker) {
    done(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "no worker is ready yet: the model is loading"));
    return;
  }
  struct Call {
    grpc::ClientContext ctx;
    nmt::v1::ListLanguagesRequest request;
  };
  auto call = std::make_shared<Call>();
  call->ctx.set_deadline(std::chrono::system_clock::now() + kListLanguagesTimeout);
  worker->stub->async()->ListLanguages(
      &call->ctx, &call->request, response,
      [this, call, worker, response, done = std::move(done)](grpc::Status status) {
        if (status.ok()) {
          std::lock_guard lock(mutex_);
          languages_ = *response;
        }
        done(status);
      });
}

void ModelLanguages::prefetch() {
  {
    std::lock_guard lock(mutex_);
    if (languages_) return;
  }
  auto worker = router_.pick({});
  if (!worker) return;
  struct Call {
    grpc::ClientContext ctx;
    nmt::v1::ListLanguagesRequest request;
    nmt::v1::ListLanguagesResponse response;
  };
  auto call = std::make_shared<Call>();
  call->ctx.set_deadline(std::chrono::system_clock::now() + kListLanguagesTimeout);
  worker->stub->async()->ListLanguages(&call->ctx, &call->request, &call->response,
                                       [this, call, worker](grpc::Status status) {
                                         if (!status.ok()) return;
                                         std::lock_guard lock(mutex_);
                                         languages_ = std::move(call->response);
                                       });
}

}  // namespace nmtd::front
