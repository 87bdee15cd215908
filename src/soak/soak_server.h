#pragma once
// The `nmtd serve` a soak starts for itself: on a model given, or on a small random-weight
// model it generates first; on free loopback ports, with its state (logs, crash reports) and
// its output under the report directory.
#include <chrono>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "common/child_process.h"

namespace nmtd::soak {

struct ServerSettings {
  std::filesystem::path model;  // empty: generate one under `dir`
  std::filesystem::path dir;    // the report directory
  int workers = 2;
  int cache_mib = -1;                        // -1: the server's default
  std::chrono::milliseconds idle_unload{0};  // serve --idle-unload; 0: not passed
  std::vector<std::string> extra_args;
  std::chrono::seconds start_timeout{300};
  std::stop_token interrupt;  // ends the wait for the server to serve
};

class SoakServer {
 public:
  // Starts the server and waits until it serves. Throws IoError with the tail of its output
  // when it exits or does not serve within the timeout.
  explicit SoakServer(ServerSettings settings);
  ~SoakServer();  // stop() if still running

  std::string grpc_target() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string http_target() const { return "127.0.0.1:" + std::to_string(http_port_); }
  const std::filesystem::path& model() const { return model_; }
  const std::filesystem::path& output_path() const { return output_; }
  pid_t pid() const { return child_ ? child_->pid() : -1; }
  // Nullopt while running; how it ended otherwise (an exit during the soak is a failure).
  std::optional<ExitStatus> ended();

  // SIGTERM (a graceful drain), SIGKILL after `grace`. How it ended.
  ExitStatus stop(std::chrono::seconds grace);

 private:
  std::string output_tail() const;

  std::filesystem::path model_;
  std::filesystem::path output_;
  int port_ = 0;
  int http_port_ = 0;
  std::optional<ChildProcess> child_;
};

// `count` distinct TCP ports on 127.0.0.1 nothing listens on right now.
std::vector<int> free_loopback_ports(std::size_t count);

}  // namespace nmtd::soak
