#pragma once
// What a worker's call reactors need from the service that admits their work: the stream
// reactor depends on this and not on TranslatorService, so the service may own its reactors
// without the two headers including each other.
#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "nmt/v1/translator.pb.h"
#include "worker/pending_call.h"

namespace nmtd::worker {

class CallIntake {
 public:
  // `done` runs exactly once, on the submitting thread (refused, or answered from the cache)
  // or later on the batcher's.
  using Done = std::function<void(const std::string& request_id, CallResult&&)>;

  virtual void submit(const nmt::v1::TranslateRequest& request, grpc::CallbackServerContext* ctx,
                      std::string request_id, Done done) = 0;
  virtual std::string make_request_id(const grpc::CallbackServerContext* ctx,
                                      const std::string& from_request) = 0;
  // A stream message that did not parse, answered in band with `status`.
  virtual void record_unparsable(const grpc::Status& status) = 0;

 protected:
  ~CallIntake() = default;
};

}  // namespace nmtd::worker
