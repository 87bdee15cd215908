#pragma once
// One running worker as the request path sees it: where to send calls and how busy it is.
// Shared (shared_ptr) between the supervisor, which decides whether it takes new work, and the
// calls in flight on it, which keep it alive until they finish.
#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "nmt/v1/translator.grpc.pb.h"

namespace nmtd::front {

struct WorkerEndpoint {
  WorkerEndpoint(int slot, int generation, pid_t pid, std::string socket_path)
      : slot(slot), generation(generation), pid(pid), socket_path(std::move(socket_path)) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    // Fail fast while the worker restarts instead of waiting out the client's deadline on
    // reconnect back-off: the router then tries another worker.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    channel = grpc::CreateCustomChannel("unix:" + this->socket_path,
                                        grpc::InsecureChannelCredentials(), args);
    stub = nmt::v1::Translator::NewStub(channel);
    health = grpc::health::v1::Health::NewStub(channel);
  }

  std::string name() const {
    return "worker " + std::to_string(slot) + "." + std::to_string(generation) + " (pid " +
           std::to_string(pid) + ")";
  }

  const int slot;
  const int generation;  // counts the processes that held this slot
  const pid_t pid;
  const std::string socket_path;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<nmt::v1::Translator::Stub> stub;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;
  std::atomic<int> outstanding{0};     // calls sent and not yet answered
  std::atomic<bool> accepting{false};  // the router may send it new calls
  std::atomic<bool> suspect{false};    // a call failed on it at the transport: check it now
};

}  // namespace nmtd::front
