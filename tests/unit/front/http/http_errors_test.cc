// Every error answer is JSON {"error": ...} (LibreTranslate's shape), and none of them costs the
// server anything: a throwing handler, a body over the bound, garbage on the socket.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "front/http/http_server.h"
#include "unit/front/http/http_test_support.h"

namespace nmtd::http {
namespace {

using namespace std::chrono_literals;
using testing::CapturedLog;
using testing::RawConnection;

constexpr std::size_t kMaxBody = 4096;

class HttpErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerConfig config;
    config.max_body_bytes = kMaxBody;
    server_ = std::make_unique<HttpServer>(config, *log_.logger);
    server_->get("/ok", [](const HttpRequest&) { return HttpResponse{.body = "{}"}; });
    server_->post("/echo", [](const HttpRequest& r) { return HttpResponse{.body = r.body}; });
    server_->get("/throws", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("the handler's own words");
    });
    server_->get("/throws-int", [](const HttpRequest&) -> HttpResponse { throw 42; });
    server_->get("/bare-error", [](const HttpRequest&) { return HttpResponse{.status = 400}; });
    port_ = server_->start();
  }

  // The status, and the body's "error" member (which must exist, in JSON).
  std::pair<int, std::string> error_of(const httplib::Result& res) {
    EXPECT_TRUE(res) << httplib::to_string(res.error());
    if (!res) return {0, ""};
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    const auto j = nlohmann::json::parse(res->body);
    EXPECT_TRUE(j.is_object() && j.contains("error") && j["error"].is_string()) << res->body;
    return {res->status, j.value("error", "")};
  }

  CapturedLog log_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpErrors, UnknownPathIs404) {
  httplib::Client client("127.0.0.1", port_);
  EXPECT_EQ(error_of(client.Get("/nowhere")), std::make_pair(404, std::string("Not Found")));
  EXPECT_EQ(error_of(client.Post("/nowhere", "x", "text/plain")).first, 404);
}

TEST_F(HttpErrors, KnownPathWithAnotherMethodIs405WithAllow) {
  httplib::Client client("127.0.0.1", port_);
  const auto res = client.Post("/ok", "{}", "application/json");
  EXPECT_EQ(error_of(res).first, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  const auto del = client.Delete("/echo");
  EXPECT_EQ(error_of(del).first, 405);
  EXPECT_EQ(del->get_header_value("Allow"), "POST");
}

TEST_F(HttpErrors, BodyOverTheBoundIs413) {
  httplib::Client client("127.0.0.1", port_);
  const auto at_bound = client.Post("/echo", std::string(kMaxBody, 'a'), "text/plain");
  ASSERT_TRUE(at_bound);
  EXPECT_EQ(at_bound->status, 200);
  EXPECT_EQ(at_bound->body.size(), kMaxBody);
  const auto over = client.Post("/echo", std::string(kMaxBody + 1, 'a'), "text/plain");
  EXPECT_EQ(error_of(over).first, 413);
  // The client may go on: a new connection is made when the server closed the last one.
  const auto after = client.Get("/ok");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(HttpErrors, ChunkedBodyOverTheBoundIs413AndTheConnectionCloses) {
  RawConnection raw(port_);
  raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "1000\r\n" + std::string(0x1000, 'b') + "\r\n";
  for (int i = 0; i < 4; ++i) raw.send(chunk);  // 16 KiB in all, and never a last chunk
  const std::string reply = raw.read_until_close(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_NE(reply.find(R"({"error":)"), std::string::npos) << reply;
  EXPECT_TRUE(raw.closed_by_server(1s));
}

TEST_F(HttpErrors, DeclaredLengthOverTheBoundIsRefusedBeforeTheBodyIsSent) {
  RawConnection raw(port_);
  raw.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n"
      "Expect: 100-continue\r\n\r\n");
  const std::string reply = raw.read_until_close(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;  // no "100 Continue" first
  EXPECT_NE(reply.find("error"), std::string::npos);
}

TEST_F(HttpErrors, ThrowingHandlerIs500AndALogLineNotACrash) {
  httplib::Client client("127.0.0.1", port_);
  const auto [status, message] = error_of(client.Get("/throws"));
  EXPECT_EQ(status, 500);
  EXPECT_EQ(message, "Internal Server Error");  // the exception's text stays in the log
  EXPECT_EQ(error_of(client.Get("/throws-int")).first, 500);
  const auto ok = client.Get("/ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  const std::string text = log_.text();
  EXPECT_NE(text.find("GET /throws threw: the handler's own words"), std::string::npos) << text;
  EXPECT_NE(text.find("GET /throws-int threw an unknown exception"), std::string::npos) << text;
}

TEST_F(HttpErrors, ErrorStatusWithoutABodyGetsTheJsonShape) {
  httplib::Client client("127.0.0.1", port_);
  EXPECT_EQ(error_of(client.Get("/bare-error")), std::make_pair(400, std::string("Bad Request")));
}

TEST_F(HttpErrors, GarbageIs400AndClosesTheConnection) {
  RawConnection raw(port_);
  raw.send("THIS IS NOT HTTP\r\n\r\n");
  const std::string reply = raw.read_until_close(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find(R"({"error":"Bad Request: the request line is not METHOD TARGET VERSION"})"),
            std::string::npos)
      << reply;
  EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  EXPECT_TRUE(raw.closed_by_server(1s));
}

TEST_F(HttpErrors, EndlessRequestLineIsCutOffAtTheBound) {
  RawConnection raw(port_);
  // No newline ever: httplib 0.11.4 alone would buffer it without limit.
  const std::string block(64 * 1024, 'a');
  raw.send("GET /");
  for (int i = 0; i < 64 && raw.send(block); ++i) {
  }
  EXPECT_TRUE(raw.closed_by_server(5s));
  httplib::Client client("127.0.0.1", port_);
  const auto ok = client.Get("/ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpErrors, LongPathsAreOrdinary404s) {
  // std::regex would recurse once per character on a catch-all pattern; routing does not use one.
  httplib::Client client("127.0.0.1", port_);
  EXPECT_EQ(error_of(client.Get("/" + std::string(8000, 'p'))).first, 404);
  EXPECT_EQ(error_of(client.Post("/" + std::string(8000, 'p'), "x", "text/plain")).first, 404);
  const auto too_long = client.Get("/" + std::string(9000, 'p'));  // past httplib's URI bound
  EXPECT_EQ(error_of(too_long).first, 414);
}

}  // namespace
}  // namespace nmtd::http
