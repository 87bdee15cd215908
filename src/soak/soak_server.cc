#include "soak/soak_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "soak/server_calls.h"

namespace nmtd::soak {
namespace {

std::string read_tail(const std::filesystem::path& path, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

}  // namespace

std::vector<int> free_loopback_ports(std::size_t count) {
  // All sockets stay bound until every port is read, so the ports differ from each other.
  std::vector<int> fds;
  std::vector<int> ports;
  bool ok = true;
  for (std::size_t i = 0; i < count && ok; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
         ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    if (ok) ports.push_back(ntohs(addr.sin_port));
  }
  for (const int fd : fds) ::close(fd);
  if (ports.size() != count) throw IoError("cannot find free ports on 127.0.0.1");
  return ports;
}

SoakServer::SoakServer(ServerSettings s) : model_(s.model), output_(s.dir / "server-output.txt") {
  const auto nmtd = current_executable();
  if (model_.empty()) {
    // A small random-weight model: the harness measures the server, not the model.
    model_ = s.dir / "model";
    auto maker = ChildProcess::spawn(nmtd, {"make-test-model", "--out", model_.string(), "--force"},
                                     output_);
    if (const auto& e = maker.wait(); e.signaled || e.code != 0) {
      throw IoError("generating a model in " + model_.string() + " " + e.describe() + ":\n" +
                    output_tail());
    }
  }
  const auto ports = free_loopback_ports(2);
  port_ = ports[0];
  http_port_ = ports[1];
  std::vector<std::string> args{"serve",
                                "--model",
                                model_.string(),
                                "--port",
                                std::to_string(port_),
                                "--http-port",
                                std::to_string(http_port_),
                                "--workers",
                                std::to_string(s.workers),
                                "--state-dir",
                                (s.dir / "server-state").string()};
  // The soak chooses where the server listens and keeps its state; those flags are its own.
  bool own_config = false;
  for (const auto& a : s.extra_args) {
    for (const char* taken : {"--port", "--http-port", "--state-dir", "--workers", "--model",
                              "--model-path", "--host", "--idle-unload"}) {
      if (a == taken || a.rfind(std::string(taken) + "=", 0) == 0) {
        throw InvalidArgument("--serve-args must not set " + std::string(taken) +
                              ": the soak sets it for the server it starts");
      }
    }
    if (a == "--config" || a.rfind("--config=", 0) == 0) own_config = true;
  }
  if (s.cache_mib >= 0 && !own_config) {
    // The setting has no flag of its own (docs/configuration.md): a config file carries it.
    const auto config = s.dir / "server.toml";
    std::ofstream(config) << "[worker]\ncache_mib = " << s.cache_mib << "\n";
    args.push_back("--config");
    args.push_back(config.string());
  }
  if (s.idle_unload.count() > 0) {
    args.push_back("--idle-unload");
    args.push_back(std::to_string(s.idle_unload.count()));  // milliseconds
  }
  args.insert(args.end(), s.extra_args.begin(), s.extra_args.end());
  child_.emplace(ChildProcess::spawn(nmtd, args, output_));
  const auto until = std::chrono::steady_clock::now() + s.start_timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (const auto& e = child_->poll()) {
      throw IoError("nmtd serve " + e->describe() + " before serving:\n" + output_tail());
    }
    if (s.interrupt.stop_requested()) {
      child_->signal(SIGKILL);
      throw IoError("interrupted while nmtd serve was starting");
    }
    // A fresh channel each try: one that failed before the port opened waits out gRPC's
    // reconnect back-off.
    const ServerCalls probe(grpc_target());
    if (const auto st = probe.status(std::chrono::seconds(2));
        st && st->workers_ready() >= st->workers_wanted() && st->workers_wanted() > 0) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  child_->signal(SIGKILL);
  throw IoError("nmtd serve did not serve within " + std::to_string(s.start_timeout.count()) +
                " s:\n" + output_tail());
}

SoakServer::~SoakServer() {
  if (child_ && child_->running()) stop(std::chrono::seconds(30));
}

std::optional<ExitStatus> SoakServer::ended() {
  if (!child_) return std::nullopt;
  return child_->poll();
}

ExitStatus SoakServer::stop(std::chrono::seconds grace) {
  if (!child_->poll()) {
    child_->signal(SIGTERM);
    const auto until = std::chrono::steady_clock::now() + grace;
    while (!child_->poll() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!child_->poll()) child_->signal(SIGKILL);
  }
  return child_->wait();
}

std::string SoakServer::output_tail() const { return read_tail(output_, 4000); }

}  // namespace nmtd::soak
