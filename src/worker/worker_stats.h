#pragma once
// The worker's counters, shared by the gRPC threads and the batcher; read by GetStatus.
#include <grpcpp/support/status_code_enum.h>

#include <atomic>
#include <cstdint>

namespace nmtd::worker {

struct OutcomeCounts {
  uint64_t ok = 0, invalid_argument = 0, resource_exhausted = 0, deadline_exceeded = 0,
           cancelled = 0, unavailable = 0, internal = 0;
};

class WorkerStats {
 public:
  void count_outcome(grpc::StatusCode code) {
    switch (code) {
      case grpc::StatusCode::OK:
        ++ok_;
        break;
      case grpc::StatusCode::INVALID_ARGUMENT:
        ++invalid_argument_;
        break;
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        ++resource_exhausted_;
        break;
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        ++deadline_exceeded_;
        break;
      case grpc::StatusCode::CANCELLED:
        ++cancelled_;
        break;
      case grpc::StatusCode::UNAVAILABLE:
        ++unavailable_;
        break;
      default:
        ++internal_;
        break;  // INTERNAL and anything unforeseen
    }
  }
  OutcomeCounts outcomes() const {
    return {ok_.load(),
            invalid_argument_.load(),
            resource_exhausted_.load(),
            deadline_exceeded_.load(),
            cancelled_.load(),
            unavailable_.load(),
            internal_.load()};
  }

  std::atomic<uint64_t> texts_translated{0};  // computed by the engine
  std::atomic<uint64_t> texts_expired{0};     // dropped before the engine: deadline passed
  std::atomic<uint64_t> texts_cancelled{0};   // dropped before the engine: client went away
  std::atomic<uint64_t> batches{0};
  // Refused at admission: they could not have finished before their deadline (also counted
  // under resource_exhausted).
  std::atomic<uint64_t> calls_refused_late{0};
  std::atomic<int64_t> calls_in_progress{0};  // admitted, not yet completed

 private:
  std::atomic<uint64_t> ok_{0}, invalid_argument_{0}, resource_exhausted_{0}, deadline_exceeded_{0},
      cancelled_{0}, unavailable_{0}, internal_{0};
};

}  // namespace nmtd::worker
