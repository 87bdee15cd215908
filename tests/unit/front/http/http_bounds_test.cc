// The connection bound: busy threads and a full queue answer 503 at once, idle and slow clients
// hold threads only for a bounded time and make way for waiting ones, and once they are gone the
// server answers again with no descriptor left behind.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "front/http/http_server.h"
#include "unit/front/http/http_test_support.h"

namespace nmtd::http {
namespace {

using namespace std::chrono_literals;
using testing::CapturedLog;
using testing::RawConnection;

constexpr const char* kRequest = "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

// Holds handlers until released, so that tests decide when threads are busy.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait_for(lock, 20s, [this] { return open_; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  int waiters() {
    std::lock_guard lock(mutex_);
    return waiting_;
  }
  bool wait_for_waiters(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return waiting_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

template <typename F>
bool eventually(F condition, std::chrono::milliseconds within = 5s) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class HttpBounds : public ::testing::Test {
 protected:
  void start(HttpServerConfig config) {
    fds_before_ = testing::open_fds();
    server_ = std::make_unique<HttpServer>(config, *log_.logger);
    server_->get("/ok", [](const HttpRequest&) { return HttpResponse{.body = R"({"ok":true})"}; });
    server_->post("/body", [](const HttpRequest& r) { return HttpResponse{.body = r.body}; });
    server_->get("/block", [this](const HttpRequest&) {
      gate_.wait();
      return HttpResponse{.body = R"({"blocked":false})"};
    });
    port_ = server_->start();
  }

  void TearDown() override {
    gate_.open();
    server_.reset();
    EXPECT_EQ(testing::open_fds(), fds_before_) << "descriptors leaked";
  }

  int get_ok_status() {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(5s);
    const auto res = client.Get("/ok");
    return res ? res->status : -1;
  }

  CapturedLog log_;
  Gate gate_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  int fds_before_ = 0;
};

TEST_F(HttpBounds, BusyThreadsAndAFullQueueAnswer503AtOnce) {
  HttpServerConfig c;
  c.threads = 2;
  c.max_pending_connections = 2;
  start(c);

  std::vector<std::future<httplib::Result>> blocked;
  for (int i = 0; i < 2; ++i) {
    blocked.push_back(std::async(std::launch::async, [this] {
      httplib::Client client("127.0.0.1", port_);
      client.set_read_timeout(20s);
      return client.Get("/block");
    }));
  }
  ASSERT_TRUE(gate_.wait_for_waiters(2));  // both threads are in the handler

  std::vector<std::unique_ptr<RawConnection>> queued;
  for (int i = 0; i < 2; ++i) {
    queued.push_back(std::make_unique<RawConnection>(port_));
    queued.back()->send(kRequest);
  }
  ASSERT_TRUE(eventually([&] { return server_->stats().queued_connections == 2; }));

  for (int i = 0; i < 4; ++i) {
    RawConnection extra(port_);
    extra.send(kRequest);
    const auto before = std::chrono::steady_clock::now();
    const std::string reply = extra.read_until_close(5s);
    EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
    EXPECT_EQ(reply.rfind("HTTP/1.1 503", 0), 0u) << reply;
    EXPECT_NE(reply.find(R"({"error":"Service Unavailable: the server is busy"})"),
              std::string::npos)
        << reply;
    EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  }
  EXPECT_EQ(server_->stats().refused_connections, 4u);
  EXPECT_EQ(server_->stats().queued_connections, 2);

  gate_.open();
  for (auto& f : blocked) {
    const auto res = f.get();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  for (auto& q : queued) {  // the waiting ones are served, not dropped
    const std::string reply = q->read_until_close(5s);
    EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  }
  EXPECT_NE(log_.text().find("refusing connections (every thread is busy)"), std::string::npos);
}

TEST_F(HttpBounds, NoQueueMeansRefusingAsSoonAsEveryThreadIsBusy) {
  HttpServerConfig c;
  c.threads = 1;
  c.max_pending_connections = 0;
  start(c);
  EXPECT_EQ(get_ok_status(), 200);  // a free thread takes a connection with no queue at all
  // The thread is free again only once it has closed that connection, a moment after the
  // client has its answer: until then even this one may be refused.
  std::future<httplib::Result> blocked;
  for (int attempt = 0; attempt < 100; ++attempt) {
    blocked = std::async(std::launch::async, [this] {
      httplib::Client client("127.0.0.1", port_);
      return client.Get("/block");
    });
    ASSERT_TRUE(eventually(
        [&] { return gate_.waiters() == 1 || blocked.wait_for(0s) == std::future_status::ready; }));
    if (gate_.waiters() == 1) break;  // else refused: try again
  }
  ASSERT_TRUE(gate_.wait_for_waiters(1));
  EXPECT_EQ(get_ok_status(), 503);
  gate_.open();
  ASSERT_TRUE(blocked.get());
  EXPECT_TRUE(eventually([&] { return get_ok_status() == 200; }));
}

TEST_F(HttpBounds, ManyIdleConnectionsDoNotStopTheServerOnceTheyGoAway) {
  HttpServerConfig c;
  c.threads = 2;
  c.max_pending_connections = 4;
  c.idle_timeout = 60s;  // what frees the server below is the clients leaving, not a timeout
  c.max_connections_per_address = 8;
  start(c);
  {
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 40; ++i) idle.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(eventually([&] { return server_->stats().refused_connections == 32; }));
    // Never more open than the limit, whatever the clients do.
    EXPECT_EQ(server_->stats().open_connections, 8);
  }
  // Their places come free as soon as the server sees them close.
  EXPECT_TRUE(eventually([&] { return get_ok_status() == 200; }, 3s));
  EXPECT_TRUE(eventually([&] {
    const HttpServerStats s = server_->stats();
    return s.open_connections == 0 && s.queued_connections == 0;
  }));
}

TEST_F(HttpBounds, IdleConnectionsHoldNoThread) {
  HttpServerConfig c;
  c.threads = 1;
  c.idle_timeout = 60s;
  c.header_timeout = 60s;
  start(c);
  RawConnection silent(port_);  // never sends
  RawConnection partial(port_);
  partial.send("GET /ok HTTP/1.1\r\nHo");  // nor finishes its head
  std::this_thread::sleep_for(50ms);
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(get_ok_status(), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);

  // Nor does a keep-alive connection between requests.
  httplib::Client keep("127.0.0.1", port_);
  keep.set_keep_alive(true);
  ASSERT_TRUE(keep.Get("/ok"));
  EXPECT_EQ(get_ok_status(), 200);
  EXPECT_EQ(keep.Get("/ok")->status, 200);
}

// Sends one byte every ~100 ms (up to 50) until the server closes: what it answered, and
// whether it closed.
std::pair<std::string, bool> trickle_until_closed(RawConnection& slow) {
  std::string reply;
  bool closed = false;
  for (int i = 0; i < 50 && !closed; ++i) {
    slow.send("X");
    reply += slow.read_until_close(100ms);
    closed = slow.closed_by_server(0ms);
  }
  return {reply, closed};
}

TEST_F(HttpBounds, ATricklingHeadIsCutOffByTheHeaderDeadline) {
  HttpServerConfig c;
  c.threads = 1;
  c.read_timeout = 5s;       // each byte comes well within this...
  c.header_timeout = 500ms;  // ...but the whole head does not
  start(c);
  RawConnection slow(port_);
  slow.send("GET /ok HTTP/1.1\r\n");
  const auto before = std::chrono::steady_clock::now();
  const auto [reply, closed] = trickle_until_closed(slow);
  EXPECT_TRUE(closed);
  EXPECT_EQ(reply.rfind("HTTP/1.1 408", 0), 0u) << reply;
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
  EXPECT_EQ(get_ok_status(), 200);
}

TEST_F(HttpBounds, ATricklingBodyIsCutOffByTheRequestDeadline) {
  HttpServerConfig c;
  c.threads = 1;
  c.read_timeout = 5s;        // each byte comes well within this...
  c.request_timeout = 500ms;  // ...but the whole body does not
  start(c);
  RawConnection slow(port_);
  slow.send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
  const auto before = std::chrono::steady_clock::now();
  const auto [reply, closed] = trickle_until_closed(slow);
  EXPECT_TRUE(closed);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
}

TEST_F(HttpBounds, StoppingWithQueuedConnectionsAnswersThemAndLeaksNothing) {
  HttpServerConfig c;
  c.threads = 1;
  c.max_pending_connections = 8;
  start(c);
  auto blocked = std::async(std::launch::async, [this] {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(20s);
    return client.Get("/block");
  });
  ASSERT_TRUE(gate_.wait_for_waiters(1));
  std::vector<std::unique_ptr<RawConnection>> queued;
  for (int i = 0; i < 5; ++i) {
    queued.push_back(std::make_unique<RawConnection>(port_));
    queued.back()->send(kRequest);
  }
  ASSERT_TRUE(eventually([&] { return server_->stats().queued_connections == 5; }));
  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  std::this_thread::sleep_for(100ms);
  gate_.open();
  stopped.get();
  ASSERT_TRUE(blocked.get());
  for (auto& q : queued) {
    const std::string reply = q->read_until_close(5s);
    EXPECT_EQ(reply.rfind("HTTP/1.1 503", 0), 0u) << reply;
    EXPECT_NE(reply.find("stopping"), std::string::npos) << reply;
  }
}

}  // namespace
}  // namespace nmtd::http
