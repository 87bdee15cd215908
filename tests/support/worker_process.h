#pragma once
// Starts a real `nmtd worker` on a unix socket under a fresh temp dir and always stops it:
// the destructor kills what is still running and removes the directory.
#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"

namespace nmtd::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A started `nmtd` process (stdout and stderr to files), killed with SIGKILL
// and reaped by the destructor if it still runs.
class NmtdChild {
 public:
  NmtdChild(const std::vector<std::string>& args, const std::filesystem::path& stderr_file,
            const std::filesystem::path& stdout_file = "/dev/null");
  ~NmtdChild();
  NmtdChild(const NmtdChild&) = delete;
  NmtdChild& operator=(const NmtdChild&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signo) const;
  // The wait status (as waitpid gives it) once the process exits; nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Health.Check of `service` at `channel`; nullopt when the call failed.
std::optional<grpc::health::v1::HealthCheckResponse::ServingStatus> check_health(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service = "");

// A small random-weight model generated once per test program.
const std::filesystem::path& shared_test_model();

std::string read_file(const std::filesystem::path& path);

class WorkerProcess {
 public:
  // Starts the worker; does not wait for it to be ready (see wait_serving).
  WorkerProcess(const std::filesystem::path& model, std::vector<std::string> extra_args = {});
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return child_.pid(); }
  const std::string& target() const { return target_; }  // unix:PATH
  std::filesystem::path state_dir() const { return dir_.path() / "state"; }
  std::shared_ptr<grpc::Channel> channel(const grpc::ChannelArguments& args = {}) const;

  // Health.Check for `service` ("" = the whole server); nullopt when the call failed.
  std::optional<grpc::health::v1::HealthCheckResponse::ServingStatus> health(
      const std::string& service = "") const;
  // Polls health until SERVING; false when the process exited or the time ran out.
  bool wait_serving(std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

  void signal(int signo) const { child_.signal(signo); }
  // The wait status (as waitpid gives it) once the process exits; nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    return child_.wait_exit(timeout);
  }
  bool running() { return child_.running(); }

  std::string stderr_text() const;
  std::string log_text() const;  // state/worker.log

 private:
  static std::vector<std::string> arguments(const TempDir& dir, const std::string& target,
                                            const std::filesystem::path& model,
                                            std::vector<std::string> extra_args);
  TempDir dir_;
  std::string target_;
  NmtdChild child_;
};

}  // namespace nmtd::testing
