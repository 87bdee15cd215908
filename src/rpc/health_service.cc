#include "rpc/health_service.h"

namespace nmtd::rpc {

using grpc::health::v1::HealthCheckResponse;

// One Watch stream: writes the current status, then each change. Only the latest unwritten
// status is kept: a watcher wants the present, not the history. gRPC may run a reaction inline
// on the thread that starts an operation, so StartWrite and Finish are never called under a
// lock that a reaction takes.
class HealthWatcher final : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  HealthWatcher(HealthService& service, std::string name)
      : service_(service), name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  void notify(HealthService::Status status) {
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      if (writing_) {
        pending_ = status;
        has_pending_ = true;
        return;
      }
      if (!prepare_write_locked(status)) return;
    }
    StartWrite(&response_);
  }
  void end(const grpc::Status& status) {
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return end(grpc::Status::CANCELLED);
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
      if (finished_ || !has_pending_) return;
      has_pending_ = false;
      if (!prepare_write_locked(pending_)) return;
    }
    StartWrite(&response_);
  }
  void OnCancel() override { end(grpc::Status::CANCELLED); }
  void OnDone() override { service_.watcher_done(this); }

 private:
  // True when `status` must be written; response_ is only touched while no write is out.
  bool prepare_write_locked(HealthService::Status status) {
    if (sent_once_ && status == last_sent_) return false;
    response_.set_status(status);
    last_sent_ = status;
    sent_once_ = true;
    writing_ = true;
    return true;
  }

  HealthService& service_;
  const std::string name_;
  std::mutex mutex_;
  HealthCheckResponse response_;
  HealthService::Status pending_ = HealthCheckResponse::UNKNOWN;
  HealthService::Status last_sent_ = HealthCheckResponse::UNKNOWN;
  bool has_pending_ = false, writing_ = false, finished_ = false, sent_once_ = false;
};

HealthService::HealthService(const std::vector<std::string>& services) {
  statuses_[""] = HealthCheckResponse::NOT_SERVING;
  for (const auto& s : services) statuses_[s] = HealthCheckResponse::NOT_SERVING;
}

HealthService::~HealthService() = default;

HealthService::Status HealthService::status_locked(const std::string& service) const {
  const auto it = statuses_.find(service);
  return it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN : it->second;
}

HealthService::Status HealthService::status(const std::string& service) const {
  std::lock_guard lock(mutex_);
  return status_locked(service);
}

std::vector<std::shared_ptr<HealthWatcher>> HealthService::watchers_copy_locked() const {
  std::vector<std::shared_ptr<HealthWatcher>> out;
  for (const auto& [raw, watcher] : watchers_) out.push_back(watcher);
  return out;
}

void HealthService::set_all(bool serving) {
  const Status status = serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
  std::vector<std::pair<std::shared_ptr<HealthWatcher>, Status>> updates;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return;
    for (auto& [name, s] : statuses_) s = status;
    for (auto& w : watchers_copy_locked()) {
      const Status now = status_locked(w->name());
      updates.emplace_back(std::move(w), now);
    }
  }
  for (const auto& [w, now] : updates) w->notify(now);
}

void HealthService::shutdown() {
  std::vector<std::shared_ptr<HealthWatcher>> watchers;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    for (auto& [name, s] : statuses_) s = HealthCheckResponse::NOT_SERVING;
    watchers = watchers_copy_locked();
  }
  for (const auto& w : watchers) {
    w->notify(HealthCheckResponse::NOT_SERVING);
    w->end(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
  }
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* ctx,
                                               const grpc::health::v1::HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  const Status status = this->status(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service '" + request->service() + "'"));
    return reactor;
  }
  response->set_status(status);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext*, const grpc::health::v1::HealthCheckRequest* request) {
  auto watcher = std::make_shared<HealthWatcher>(*this, request->service());
  HealthWatcher* raw = watcher.get();
  bool shut_down = false;
  Status status = HealthCheckResponse::UNKNOWN;
  {
    std::lock_guard lock(mutex_);
    watchers_.emplace(raw, watcher);
    shut_down = shut_down_;
    status = status_locked(request->service());
  }
  if (shut_down) {
    watcher->end(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
  } else {
    watcher->notify(status);
  }
  return raw;
}

void HealthService::watcher_done(HealthWatcher* watcher) {
  std::shared_ptr<HealthWatcher> owned;  // released outside the lock
  {
    std::lock_guard lock(mutex_);
    const auto it = watchers_.find(watcher);
    if (it == watchers_.end()) return;
    owned = std::move(it->second);
    watchers_.erase(it);
  }
}

}  // namespace nmtd::rpc
