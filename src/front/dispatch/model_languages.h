#pragma once
// The model's languages, asked of a ready worker once and then kept: every worker loads the same
// model, so one answer serves nmt.v1's ListLanguages, Baketa's IsReady and LibreTranslate's
// /languages alike.
#include <grpcpp/grpcpp.h>

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "front/dispatch/router.h"
#include "nmt/v1/translator.pb.h"

namespace nmtd::front {

class ModelLanguages {
 public:
  explicit ModelLanguages(Router& router) : router_(router) {}

  // The codes, once a worker has told (empty before).
  std::vector<std::string> known() const;
  // Asks a ready worker, unless the answer is kept already; nothing when none is ready.
  void prefetch();
  // The worker's answer into `response`, from the kept one or from a ready worker; `done` runs
  // once (on this thread or a gRPC one): UNAVAILABLE when no worker is ready yet. `response`
  // must outlive `done`.
  void fetch(nmt::v1::ListLanguagesResponse* response, std::function<void(grpc::Status)> done);

 private:
  Router& router_;
  mutable std::mutex mutex_;
  std::optional<nmt::v1::ListLanguagesResponse> languages_;
};

}  // namespace nmtd::front
