// A handler can tell, while it works, whether its client is still there (HttpRequest::
// client_gone): long translations are given up when nobody will read them.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "front/http/http_server.h"
#include "unit/front/http/http_test_support.h"

namespace nmtd::http {
namespace {

using namespace std::chrono_literals;
using testing::CapturedLog;
using testing::RawConnection;

// The handler waits (boundedly) for its client to hang up and reports what it saw.
class HttpClientGone : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(HttpServerConfig{}, *log_.logger);
    server_->post("/wait", [this](const HttpRequest& r) {
      {
        std::lock_guard lock(mutex_);
        started_ = true;
        mark_seen_ = r.header("NMTD-Connection-Fd").has_value();
      }
      changed_.notify_all();
      bool gone = false;
      const auto until =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(patience_ms_.load());
      while (r.client_gone && !(gone = r.client_gone()) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(5ms);
      {
        std::lock_guard lock(mutex_);
        gone_ = gone;
      }
      changed_.notify_all();
      return HttpResponse{.body = gone ? "gone" : "here"};
    });
    port_ = server_->start();
  }

  bool wait(const std::function<bool()>& condition) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, condition);
  }

  CapturedLog log_;
  std::atomic<int> patience_ms_{5000};  // how long the handler waits for a hang-up
  std::mutex mutex_;
  std::condition_variable changed_;
  bool started_ = false;
  bool mark_seen_ = false;
  std::optional<bool> gone_;
  // Last: stopped (its handler done with the members above) before they go.
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpClientGone, AHandlerSeesItsClientHangUp) {
  RawConnection raw(port_);
  ASSERT_TRUE(raw.send("POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
  ASSERT_TRUE(wait([&] { return started_; }));
  raw.close();
  ASSERT_TRUE(wait([&] { return gone_.has_value(); }));
  EXPECT_TRUE(*gone_);
}

TEST_F(HttpClientGone, AClientStillWaitingIsNotGoneAndCannotForgeTheMark) {
  patience_ms_ = 300;
  RawConnection raw(port_);
  // A pipelined request behind it is unread input, not a hang-up; a header naming another
  // socket is the client's own and is dropped.
  ASSERT_TRUE(raw.send(
      "POST /wait HTTP/1.1\r\nHost: x\r\nNMTD-Connection-Fd: 0\r\nContent-Length: 2\r\n\r\n{}"
      "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(wait([&] { return started_; }));
  const std::string reply = raw.read_response(10s);
  EXPECT_NE(reply.find("200 OK"), std::string::npos) << reply;
  EXPECT_NE(reply.find("here"), std::string::npos) << reply;
  std::lock_guard lock(mutex_);
  EXPECT_FALSE(mark_seen_);
}

}  // namespace
}  // namespace nmtd::http
