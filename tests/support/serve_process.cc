#include "support/serve_process.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace nmtd::testing {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

std::vector<std::string> serve_arguments(const std::filesystem::path& dir,
                                         const std::filesystem::path& model, int port,
                                         int http_port, std::vector<std::string> extra,
                                         const std::string& toml) {
  std::vector<std::string> args{"serve",
                                "--model",
                                model.string(),
                                "--port",
                                std::to_string(port),
                                "--http-port",
                                std::to_string(http_port),
                                "--state-dir",
                                (dir / "state").string(),
                                "--runtime-dir",
                                (dir / "run").string(),
                                "--threads",
                                "1"};
  if (!toml.empty()) {
    std::ofstream(dir / "nmtd.toml") << toml;
    args.push_back("--config");
    args.push_back((dir / "nmtd.toml").string());
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

ServeProcess::ServeProcess(const std::filesystem::path& model, std::vector<std::string> extra_args,
                           const std::string& toml, int port)
    : dir_("serve"),
      port_(port > 0 ? port : free_port()),
      http_port_(free_port()),
      child_(serve_arguments(dir_.path(), model, port_, http_port_, std::move(extra_args), toml),
             dir_.path() / "stderr.txt", dir_.path() / "stdout.txt") {}

std::shared_ptr<grpc::Channel> ServeProcess::channel() const {
  return grpc::CreateChannel(target(), grpc::InsecureChannelCredentials());
}

std::unique_ptr<nmt::v1::Translator::Stub> ServeProcess::stub() const {
  return nmt::v1::Translator::NewStub(channel());
}

bool ServeProcess::wait_serving(std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    // A new channel each time: one that failed to connect before the port opened would wait
    // out gRPC's reconnect back-off (seconds) before trying again.
    if (check_health(channel()) == grpc::health::v1::HealthCheckResponse::SERVING) return true;
    if (::kill(pid(), 0) != 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

nmt::v1::GetStatusResponse ServeProcess::status() const {
  auto s = stub();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  nmt::v1::GetStatusResponse response;
  const auto st = s->GetStatus(&ctx, {}, &response);
  if (!st.ok()) throw std::runtime_error("GetStatus failed: " + st.error_message());
  return response;
}

bool ServeProcess::wait_workers_ready(int ready, std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    try {
      if (status().workers_ready() == ready) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::vector<pid_t> ServeProcess::worker_pids() const {
  std::vector<pid_t> pids;
  const auto now = status();
  for (const auto& w : now.workers()) {
    if (w.accepting()) pids.push_back(w.pid());
  }
  return pids;
}

std::string ServeProcess::stderr_text() const { return read_file(dir_.path() / "stderr.txt"); }

std::string ServeProcess::http_get(const std::string& path, int* status) const {
  httplib::Client client("127.0.0.1", http_port_);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(10));
  auto result = client.Get(path);
  if (!result) {
    *status = 0;
    return "";
  }
  *status = result->status;
  return result->body;
}

}  // namespace nmtd::testing
