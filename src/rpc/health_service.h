#pragma once
// grpc.health.v1.Health (Check and Watch) whose answers we control from the first byte served.
// gRPC's built-in service starts out SERVING for "" until told otherwise — a lie, however short,
// while the model loads. Here every service starts NOT_SERVING.
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"

namespace nmtd::rpc {

class HealthWatcher;

class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;

  // The services Check and Watch know; "" (the whole server) is always among them.
  explicit HealthService(const std::vector<std::string>& services);
  ~HealthService() override;

  void set_all(bool serving);
  Status status(const std::string& service) const;
  // Ends every Watch stream (they would otherwise hold the server's shutdown until its
  // deadline); later Watch calls are refused as UNAVAILABLE.
  void shutdown();

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* ctx,
      const grpc::health::v1::HealthCheckRequest* request) override;

  void watcher_done(HealthWatcher* watcher);

 private:
  Status status_locked(const std::string& service) const;
  std::vector<std::shared_ptr<HealthWatcher>> watchers_copy_locked() const;

  mutable std::mutex mutex_;
  std::map<std::string, Status> statuses_;
  std::map<HealthWatcher*, std::shared_ptr<HealthWatcher>> watchers_;
  bool shut_down_ = false;
};

}  // namespace nmtd::rpc
