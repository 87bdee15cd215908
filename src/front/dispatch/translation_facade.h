#pragma once
// What the client-compatible APIs (Baketa's gRPC contract, LibreTranslate's HTTP API) share: a
// batch of texts in one language pair, each cut at line and sentence boundaries (a paragraph, a
// many-line dialogue box, a text past the model's input limit), the distinct pieces translated
// in nmt.v1 calls within the workers' bounds, a bounded number at a time (piece_dispatch.h), and
// each text put back together with its line breaks and spacing. Repeated lines are asked once and
// then come from the workers' cache.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "front/dispatch/call_outcome.h"
#include "front/dispatch/forwarder.h"
#include "front/dispatch/piece_dispatch.h"
#include "front/dispatch/retry_timer.h"
#include "nmt/v1/translator.pb.h"
#include "text_split/text_split.h"

namespace nmtd::front {

struct FacadeRequest {
  std::vector<std::string> texts;
  std::string source;  // NLLB codes, already resolved
  std::string target;
  nmt::v1::DecodingOptions options;
  std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();
  std::string request_id;
  // The client's gRPC call, when there is one (Baketa): its cancellation cancels the calls to
  // the workers and the pieces not sent yet. It must outlive `done`.
  const grpc::CallbackServerContext* client = nullptr;
};

struct TextOutcome {
  grpc::Status status;  // this text's own problem, if any
  // When status is RESOURCE_EXHAUSTED: the largest retry hint of its refused pieces (all of
  // them must be taken for the text to be answered).
  std::chrono::milliseconds retry_after{0};
  std::string translation;
  std::vector<std::string> alternatives;  // further hypotheses, when options asked for n-best
  float score = -1;                       // mean hypothesis score of its pieces; -1 unknown
  int pieces = 0;                         // what it was cut into (0: nothing to translate)
};

class TranslationFacade {
 public:
  // `done(outcome, outcomes)`: outcome.status is OK when the texts were looked at (each outcome
  // then has its own status); otherwise no worker could serve (UNAVAILABLE, DEADLINE_EXCEEDED,
  // RESOURCE_EXHAUSTED with the largest retry hint of the refused calls, ...) and outcomes are
  // empty.
  using Done = std::function<void(const CallOutcome&, std::vector<TextOutcome>&&)>;

  // `limits`: how many of one request's texts may be at the workers at once, and per call
  // (DispatchLimits::for_workers from the workers' queue capacity).
  TranslationFacade(Forwarder& forwarder, std::size_t max_text_bytes, DispatchLimits limits);

  // Cancels the request it came from: for a client without a gRPC call that says so (an HTTP
  // client that hung up). The calls at the workers are cancelled and the pieces not sent yet
  // never are; `done` then runs with CANCELLED. Does nothing once `done` has run.
  using Cancel = std::function<void()>;

  // Refuses at once (through `done`) what cannot be split: invalid UTF-8, over the hard limit.
  // Any number of pieces is served: they go to the workers in waves as their queues free.
  Cancel translate(FacadeRequest request, Done done);

  std::size_t max_text_bytes() const { return max_text_bytes_; }
  const DispatchLimits& limits() const { return limits_; }

 private:
  Forwarder& forwarder_;
  const std::size_t max_text_bytes_;
  const DispatchLimits limits_;
  text_split::Splitter splitter_;
  std::atomic<std::size_t> large_requests_{0};  // PieceDispatch::Parts::large_requests
  RetryTimer timer_;  // last: its destructor runs the backoffs still waiting
};

}  // namespace nmtd::front
