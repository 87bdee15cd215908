#pragma once
// Starts a real `nmtd serve` on free loopback ports with its state under a fresh temp dir, and
// always stops it (SIGKILL if still running; its workers follow through their parent-death
// signal).
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "nmt/v1/translator.grpc.pb.h"
#include "support/worker_process.h"

namespace nmtd::testing {

// A TCP port on 127.0.0.1 nothing listens on right now.
int free_port();

class ServeProcess {
 public:
  // `toml`: written to <dir>/nmtd.toml and passed with --config when not empty.
  // `port`: the gRPC port to use, 0 for a free one.
  ServeProcess(const std::filesystem::path& model, std::vector<std::string> extra_args = {},
               const std::string& toml = "", int port = 0);
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  pid_t pid() const { return child_.pid(); }
  int port() const { return port_; }
  int http_port() const { return http_port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  std::shared_ptr<grpc::Channel> channel() const;
  std::unique_ptr<nmt::v1::Translator::Stub> stub() const;
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path state_dir() const { return dir_.path() / "state"; }

  std::optional<grpc::health::v1::HealthCheckResponse::ServingStatus> health() const {
    return check_health(channel());
  }
  bool wait_serving(std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // Polls GetStatus until `ready` workers take calls; false on timeout.
  bool wait_workers_ready(int ready, std::chrono::milliseconds timeout) const;
  nmt::v1::GetStatusResponse status() const;  // throws when GetStatus fails
  std::vector<pid_t> worker_pids() const;     // of workers taking calls

  void signal(int signo) const { child_.signal(signo); }
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    return child_.wait_exit(timeout);
  }
  bool running() { return child_.running(); }
  std::string stderr_text() const;

  // GET on the HTTP port; the body, and the status in `status`.
  std::string http_get(const std::string& path, int* status) const;

 private:
  TempDir dir_;
  int port_;
  int http_port_;
  NmtdChild child_;
};

}  // namespace nmtd::testing
