// Starting and stopping: a port in use fails loudly, stop() lets a running request finish and
// answer, and nothing is left behind.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "common/error.h"
#include "front/http/http_server.h"
#include "unit/front/http/http_test_support.h"

namespace nmtd::http {
namespace {

using namespace std::chrono_literals;
using testing::CapturedLog;

HttpServerConfig on_port(int port) {
  HttpServerConfig c;
  c.port = port;
  return c;
}

TEST(HttpLifecycle, PortInUseFailsLoudly) {
  CapturedLog log;
  HttpServer first(HttpServerConfig{}, *log.logger);
  first.get("/x", [](const HttpRequest&) { return HttpResponse{.body = "first"}; });
  const int port = first.start();
  HttpServer second(on_port(port), *log.logger);
  try {
    second.start();
    FAIL() << "a second server started on port " << port;
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot listen on 127.0.0.1:" + std::to_string(port) + ": "),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
  }
  // The port was not shared: the first server still gets every connection.
  for (int i = 0; i < 5; ++i) {
    httplib::Client client("127.0.0.1", port);
    const auto res = client.Get("/x");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "first");
  }
}

TEST(HttpLifecycle, PortHeldByAPlainListeningSocketFails) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  CapturedLog log;
  HttpServer server(on_port(ntohs(addr.sin_port)), *log.logger);
  EXPECT_THROW(server.start(), IoError);
  ::close(fd);
}

TEST(HttpLifecycle, UnresolvableHostFails) {
  CapturedLog log;
  HttpServerConfig c;
  c.host = "no-such-host.invalid";
  HttpServer server(c, *log.logger);
  EXPECT_THROW(server.start(), IoError);
}

TEST(HttpLifecycle, ARestartedServerGetsTheSamePortAtOnce) {
  CapturedLog log;
  int port = 0;
  {
    HttpServer first(HttpServerConfig{}, *log.logger);
    first.get("/x", [](const HttpRequest&) { return HttpResponse{.body = "1"}; });
    port = first.start();
    httplib::Client client("127.0.0.1", port);
    ASSERT_TRUE(client.Get("/x"));  // leaves a connection in TIME_WAIT on the server's side
  }
  HttpServer second(on_port(port), *log.logger);
  second.get("/x", [](const HttpRequest&) { return HttpResponse{.body = "2"}; });
  EXPECT_EQ(second.start(), port);
  httplib::Client client("127.0.0.1", port);
  const auto res = client.Get("/x");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "2");
}

TEST(HttpLifecycle, StopLetsARunningRequestFinishAndAnswer) {
  CapturedLog log;
  HttpServer server(HttpServerConfig{}, *log.logger);
  std::promise<void> entered;
  std::atomic<bool> finished{false};
  server.get("/slow", [&](const HttpRequest&) {
    entered.set_value();
    std::this_thread::sleep_for(500ms);
    finished = true;
    return HttpResponse{.body = R"({"done":true})"};
  });
  const int port = server.start();

  auto reply = std::async(std::launch::async, [port] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10s);
    return client.Get("/slow");
  });
  entered.get_future().wait();
  const auto before = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_TRUE(finished);  // stop() waited for the handler
  EXPECT_GE(std::chrono::steady_clock::now() - before, 200ms);
  const auto res = reply.get();
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"done":true})");

  // Stopped means stopped: nothing listens any more, and stop() again is a no-op.
  httplib::Client late("127.0.0.1", port);
  late.set_connection_timeout(1s);
  EXPECT_FALSE(late.Get("/slow"));
  server.stop();
}

TEST(HttpLifecycle, StopEndsIdleKeepAliveConnectionsPromptly) {
  CapturedLog log;
  HttpServerConfig c;
  c.idle_timeout = 60s;  // stop() must not wait for it
  HttpServer server(c, *log.logger);
  server.get("/x", [](const HttpRequest&) { return HttpResponse{}; });
  const int port = server.start();
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  ASSERT_TRUE(client.Get("/x"));
  testing::RawConnection silent(port);  // never sends a byte
  std::this_thread::sleep_for(100ms);
  const auto before = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  EXPECT_TRUE(silent.closed_by_server(1s));
}

TEST(HttpLifecycle, ItsSocketsAreNotInheritedByChildProcesses) {
  // The front starts workers: a listening or client socket inherited by one would keep the
  // port or the connection alive after the front is gone.
  CapturedLog log;
  HttpServer server(HttpServerConfig{}, *log.logger);
  server.get("/x", [](const HttpRequest&) { return HttpResponse{}; });
  const int port = server.start();
  testing::RawConnection raw(port);                // itself close-on-exec
  raw.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");  // keep-alive: the server's socket stays
  EXPECT_FALSE(raw.closed_by_server(200ms));
  int sockets = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (ec || !target.starts_with("socket:")) continue;
    const int fd = std::stoi(entry.path().filename().string());
    ++sockets;
    EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0) << "socket fd " << fd << " is inheritable";
  }
  EXPECT_GE(sockets, 3);  // listening, accepted, and the test's own
}

TEST(HttpLifecycle, StartStopLeavesNoDescriptorOrThreadBehind) {
  CapturedLog log;
  const int fds_before = testing::open_fds();
  for (int round = 0; round < 3; ++round) {
    HttpServer server(HttpServerConfig{}, *log.logger);
    server.get("/x", [](const HttpRequest&) { return HttpResponse{}; });
    const int port = server.start();
    httplib::Client client("127.0.0.1", port);
    ASSERT_TRUE(client.Get("/x"));
  }
  EXPECT_EQ(testing::open_fds(), fds_before);
}

}  // namespace
}  // namespace nmtd::http
