// Slow and numerous clients (a slowloris attack: connections that each send a header byte now
// and then) cost a descriptor each, never a thread: health, readiness and metrics answer at
// once meanwhile, and one address cannot take every connection.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "front/http/http_server.h"
#include "unit/front/http/http_test_support.h"

namespace nmtd::http {
namespace {

using namespace std::chrono_literals;
using testing::CapturedLog;
using testing::RawConnection;

class HttpSlowClients : public ::testing::Test {
 protected:
  void start(HttpServerConfig config) {
    server_ = std::make_unique<HttpServer>(config, *log_.logger);
    server_->get(
        "/readyz", [](const HttpRequest&) { return HttpResponse{.body = R"({"status":"ready"})"}; },
        Lane::kControl);
    server_->get("/block", [this](const HttpRequest&) {
      std::unique_lock lock(mutex_);
      ++blocked_;
      changed_.notify_all();
      changed_.wait_for(lock, 20s, [this] { return released_; });
      return HttpResponse{.body = "{}"};
    });
    port_ = server_->start();
  }

  void TearDown() override {
    release();
    server_.reset();
  }

  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

  bool wait_for_blocked(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return blocked_ >= n; });
  }

  // One GET /readyz on a new connection: its status (-1 when none) and how long it took.
  std::pair<int, std::chrono::steady_clock::duration> timed_readyz() {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5s);
    client.set_read_timeout(5s);
    const auto before = std::chrono::steady_clock::now();
    const auto res = client.Get("/readyz");
    return {res ? res->status : -1, std::chrono::steady_clock::now() - before};
  }

  CapturedLog log_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  int blocked_ = 0;
  bool released_ = false;
};

TEST_F(HttpSlowClients, TwoHundredSlowConnectionsLeaveReadyzAnswering) {
  constexpr int kSlow = 200;
  // Each connection is two descriptors in this process (client and server side).
  ASSERT_TRUE(testing::ensure_fd_limit(2 * kSlow + 256)) << "cannot raise the descriptor limit";
  HttpServerConfig c;                    // the defaults: 4 threads, 64 requests may wait
  c.max_connections_per_address = 1000;  // every client here is 127.0.0.1
  start(c);

  const std::string head = "GET /readyz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port_));
    slow.back()->send(head);
  }
  // A header byte more on each, as a slowloris client sends them.
  for (int round = 0; round < 3; ++round) {
    for (auto& s : slow) EXPECT_TRUE(s->send("a"));
    std::this_thread::sleep_for(20ms);
  }
  // Every one accepted and held by the server (a loaded machine may take a moment).
  for (int i = 0; i < 500 && server_->stats().open_connections < kSlow; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(server_->stats().open_connections, kSlow);

  // Five probes, judged by their median: one descheduled test thread on a loaded CI machine
  // is not the server's delay, but a server that makes probes wait shows in every one.
  std::vector<std::chrono::steady_clock::duration> took;
  for (int i = 0; i < 5; ++i) {
    const auto [status, t] = timed_readyz();
    EXPECT_EQ(status, 200);
    took.push_back(t);
  }
  std::sort(took.begin(), took.end());
  EXPECT_LT(took[2], 100ms) << std::chrono::duration<double, std::milli>(took[2]).count()
                            << " ms (median of 5)";

  // The slow ones are still open and are served once their heads end.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(slow[i]->send("\r\n\r\n"));
    EXPECT_EQ(slow[i]->read_response(5s).rfind("HTTP/1.1 200", 0), 0u);
  }
}

TEST_F(HttpSlowClients, ControlRoutesAnswerWhileEveryRequestThreadIsBusy) {
  HttpServerConfig c;
  c.threads = 1;
  c.max_pending_connections = 0;
  start(c);
  auto blocked = std::async(std::launch::async, [this] {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(20s);
    return client.Get("/block");
  });
  ASSERT_TRUE(wait_for_blocked(1));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(timed_readyz().first, 200);
  release();
  ASSERT_TRUE(blocked.get());
}

TEST_F(HttpSlowClients, OneAddressGetsNoMoreThanItsConnections) {
  HttpServerConfig c;
  c.max_connections_per_address = 3;
  start(c);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<RawConnection>(port_));
  // Whether the server has taken them all shows in its count.
  for (int i = 0; i < 200 && server_->stats().open_connections < 3; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  RawConnection over(port_);
  over.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string reply = over.read_until_close(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 429", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("too many connections from 127.0.0.1"), std::string::npos) << reply;

  held.pop_back();  // a place comes free once the server sees the close
  int status = -1;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = timed_readyz().first;
    if (status != 200) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace nmtd::http
