// An error answer keeps a kept-alive connection open, unless the request's framing is broken;
// and whenever the server closes it after an answer, that answer says Connection: close.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "front/http/http_server.h"
#include "unit/front/http/http_test_support.h"

namespace nmtd::http {
namespace {

using namespace std::chrono_literals;
using testing::CapturedLog;
using testing::RawConnection;

constexpr std::size_t kMaxBody = 4096;

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class HttpKeepAlive : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerConfig config;
    config.max_body_bytes = kMaxBody;
    server_ = std::make_unique<HttpServer>(config, *log_.logger);
    server_->get("/languages", [](const HttpRequest&) { return HttpResponse{.body = "[]"}; });
    const auto json_handler = [](const HttpRequest& r) {
      const auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (j.is_discarded()) return HttpResponse::error(400, "Invalid request: malformed JSON");
      return HttpResponse{.body = j.dump()};
    };
    server_->post("/translate", json_handler);
    server_->post("/detect", json_handler);
    port_ = server_->start();
  }

  // Sends `request` on `raw` and returns the status of its answer (-1 when none came), which
  // must keep the connection.
  int exchange(RawConnection& raw, const std::string& request) {
    if (!raw.send(request)) return -1;
    const std::string reply = raw.read_response(5s);
    EXPECT_EQ(reply.find("Connection: close"), std::string::npos) << reply;
    return reply.size() > 12 ? std::stoi(reply.substr(9, 3)) : -1;
  }

  CapturedLog log_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpKeepAlive, MalformedJsonAnswers400AndKeepsTheConnection) {
  RawConnection raw(port_);
  EXPECT_EQ(exchange(raw, "GET /languages HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
  EXPECT_EQ(exchange(raw, post("/translate", R"({"q": "hi"})")), 200);
  EXPECT_EQ(exchange(raw, post("/translate", R"({"q": )")), 400);
  EXPECT_EQ(exchange(raw, post("/detect", R"({"q": "hi"})")), 200);
}

TEST_F(HttpKeepAlive, AnErrorBeforeTheBodyIsReadKeepsTheConnection) {
  RawConnection raw(port_);
  EXPECT_EQ(exchange(raw, post("/nowhere", R"({"q": "hi"})")), 404);
  EXPECT_EQ(exchange(raw, post("/languages", R"({"q": "hi"})")), 405);
  // A GET with a body (LibreTranslate's Python client sends one).
  EXPECT_EQ(exchange(raw, "GET /languages HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"),
            200);
  EXPECT_EQ(exchange(raw, post("/detect", R"({"q": "hi"})")), 200);
}

TEST_F(HttpKeepAlive, PipelinedRequestsAreAllAnswered) {
  RawConnection raw(port_);
  raw.send(post("/translate", R"({"q": )") + post("/detect", "{}") +
           "GET /languages HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(raw.read_response(5s).rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(raw.read_response(5s).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(raw.read_response(5s).rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(HttpKeepAlive, ABodyOverTheBoundSaysConnectionClose) {
  RawConnection raw(port_);
  raw.send(post("/translate", std::string(kMaxBody + 1, 'a')));
  const std::string reply = raw.read_until_close(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("Keep-Alive"), std::string::npos) << reply;
  EXPECT_TRUE(raw.closed_by_server(1s));
}

TEST_F(HttpKeepAlive, AMalformedChunkedBodySaysConnectionClose) {
  RawConnection raw(port_);
  raw.send("POST /translate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  const std::string reply = raw.read_until_close(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  EXPECT_TRUE(raw.closed_by_server(1s));
}

}  // namespace
}  // namespace nmtd::http
