#pragma once
// What every API needs of the workers: a Translate carried to one of them (and re-sent when it
// dies first), the default deadline, and whether any worker takes calls. The APIs and the
// translation facade see only this, so that each is built and tested without the others and
// without a worker.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "front/dispatch/forwarded_call.h"
#include "nmt/v1/translator.pb.h"

namespace nmtd::front {

class Forwarder {
 public:
  virtual ~Forwarder() = default;

  // Starts forwarding `request`; `done` gets the answer exactly once (at once, when refused).
  // `deadline`: the max() time point takes the default deadline. `client`: the client's gRPC
  // call when there is one (it must outlive `done`), whose cancellation then cancels the
  // worker's call. Returns the call for cancel(), or nullptr when it was answered at once.
  virtual std::shared_ptr<ForwardedCall> forward(nmt::v1::TranslateRequest request,
                                                 std::chrono::system_clock::time_point deadline,
                                                 ForwardedCall::Done done,
                                                 const grpc::CallbackServerContext* client) = 0;
  // `deadline`, or the default deadline from now when that comes first.
  virtual std::chrono::system_clock::time_point deadline_or_default(
      std::chrono::system_clock::time_point deadline) const = 0;
  // New calls are refused (UNAVAILABLE) once the front drains.
  virtual bool draining() const = 0;
  virtual int workers_ready() const = 0;
  // Whether a call sent now will be served: a worker is ready, or the workers were unloaded for
  // idleness and the call starts one (and waits for it).
  virtual bool takes_calls() const { return workers_ready() > 0; }
};

}  // namespace nmtd::front
