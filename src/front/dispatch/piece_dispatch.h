#pragma once
// How the facade sends one request's distinct pieces to the workers: in calls within a worker's
// per-call bounds, with a bounded number of texts in flight per request (the next call goes out
// as an earlier one is answered), so that a request larger than the workers' queues is admitted
// in waves and one large request leaves room for others. A call that a full queue refuses is
// sent again after a short backoff, within the request's deadline. When the client's gRPC call is
// cancelled, the calls in flight are cancelled with it (gRPC's cancellation propagation) and the
// pieces not yet sent never are.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "front/dispatch/call_outcome.h"
#include "front/dispatch/forwarder.h"
#include "front/dispatch/retry_timer.h"
#include "nmt/v1/translator.pb.h"

namespace nmtd::front {

struct DispatchLimits {
  std::size_t texts_in_flight = 64;        // per request, over all its calls
  std::size_t texts_per_call = 32;         // a worker takes at most 64 texts per call
  std::size_t bytes_per_call = 512 << 10;  // a worker takes at most 1 MiB per call
  std::chrono::milliseconds backoff_initial{20};
  std::chrono::milliseconds backoff_max{500};

  // Half of the workers' queues per request, in calls of a quarter of one worker's queue: a
  // worker holds the next call while it translates the one before, and other requests keep
  // the other half.
  static DispatchLimits for_workers(int queue_capacity, int workers);
};

class PieceDispatch : public std::enable_shared_from_this<PieceDispatch> {
 public:
  // The answer for pieces [first, last): the outcome (its retry hint on a refusal), and when OK
  // the worker's response with one translation per piece in order. Called once per piece, from
  // gRPC or timer threads, possibly at the same time for different ranges.
  using OnAnswer =
      std::function<void(std::size_t first, std::size_t last, const CallOutcome& outcome,
                         const nmt::v1::TranslateResponse* response)>;

  struct Parts {
    Forwarder& forwarder;
    RetryTimer& timer;
    DispatchLimits limits;
    // Requests with more pieces than texts_in_flight, under way now (kept by their dispatches):
    // they share one texts_in_flight among them, so that several at once still leave the rest
    // of the queues to small requests.
    std::atomic<std::size_t>& large_requests;
  };
  // `pieces` must outlive the dispatch (on_answer's owner keeps them). `call` carries the
  // languages, options and request id every call shares. `client`: the client's gRPC call, when
  // there is one (nullptr for HTTP); it must outlive `on_finished`.
  PieceDispatch(Parts parts, const std::vector<std::string>& pieces, nmt::v1::TranslateRequest call,
                std::chrono::system_clock::time_point deadline,
                const grpc::CallbackServerContext* client, OnAnswer on_answer,
                std::function<void()> on_finished);

  // Sends the first calls; on_finished runs once every piece has its answer.
  void start();
  // The client went away without a gRPC call to say so (an HTTP client hung up): the calls at
  // the workers are cancelled, so their queues free at once, and the pieces not sent yet never
  // are; every piece not answered yet is answered CANCELLED. From any thread, any number of times.
  void cancel();

 private:
  struct Chunk {
    std::size_t first = 0, last = 0;
    int index = 0;
    std::chrono::milliseconds backoff{0};
  };
  bool client_cancelled() const { return client_ && client_->IsCancelled(); }
  void pump();
  void send(Chunk chunk);
  void on_reply(Chunk chunk, const CallOutcome& outcome, nmt::v1::TranslateResponse&& response);
  void resend(Chunk chunk);
  void settle(const Chunk& chunk, const CallOutcome& outcome,
              const nmt::v1::TranslateResponse* response);

  Parts parts_;
  const std::vector<std::string>& pieces_;
  const nmt::v1::TranslateRequest call_;
  const std::chrono::system_clock::time_point deadline_;
  const grpc::CallbackServerContext* const client_;
  OnAnswer on_answer_;
  std::function<void()> on_finished_;

  std::mutex mutex_;
  std::size_t next_ = 0;       // first piece not sent yet
  std::size_t texts_out_ = 0;  // sent (or waiting to be sent again), not answered
  int chunks_out_ = 0;
  int chunks_made_ = 0;
  std::optional<CallOutcome> stopped_;  // why the pieces not sent yet never will be
  bool finished_ = false;
  bool cancelled_ = false;  // by cancel()
  bool large_ = false;      // counted in parts_.large_requests until finished
  // The calls at the workers, by chunk index, for cancel(): an entry from just before a chunk is
  // forwarded until its answer (empty while forward() has not returned yet).
  std::map<int, std::weak_ptr<ForwardedCall>> calls_;
};

}  // namespace nmtd::front
