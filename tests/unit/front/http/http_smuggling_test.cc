// Request heads that could frame a request two ways (RFC 9112's smuggling shapes) are refused
// with 400 and the connection closes: whatever follows on it never runs as a request.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "front/http/http_server.h"
#include "unit/front/http/http_test_support.h"

namespace nmtd::http {
namespace {

using namespace std::chrono_literals;
using testing::CapturedLog;
using testing::RawConnection;

// What a smuggler puts behind the first request, hoping it runs as a second one.
constexpr const char* kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

class HttpSmuggling : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(HttpServerConfig{}, *log_.logger);
    server_->post("/echo", [this](const HttpRequest& r) {
      ++echoes_;
      return HttpResponse{.body = r.body};
    });
    server_->get("/smuggled", [this](const HttpRequest&) {
      ++smuggled_;
      return HttpResponse{.body = "{}"};
    });
    port_ = server_->start();
  }

  // Sends `request` and then kSmuggled on one connection; expects `status`, Connection: close,
  // the connection closed, and nothing run.
  void expect_refused(const std::string& request, int status = 400) {
    RawConnection raw(port_);
    raw.send(request + kSmuggled);
    const std::string reply = raw.read_until_close(5s);
    EXPECT_EQ(reply.rfind("HTTP/1.1 " + std::to_string(status), 0), 0u) << reply;
    EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
    EXPECT_NE(reply.find(R"({"error":)"), std::string::npos) << reply;
    // One answer, and nothing after it.
    const std::size_t head_end = reply.find("\r\n\r\n");
    const std::size_t length_at = reply.find("Content-Length: ");
    ASSERT_TRUE(head_end != std::string::npos && length_at != std::string::npos) << reply;
    EXPECT_EQ(reply.size(), head_end + 4 + std::stoul(reply.substr(length_at + 16))) << reply;
    EXPECT_TRUE(raw.closed_by_server(1s));
    EXPECT_EQ(echoes_.load(), 0);
    EXPECT_EQ(smuggled_.load(), 0);
  }

  CapturedLog log_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> echoes_{0};
  std::atomic<int> smuggled_{0};
};

TEST_F(HttpSmuggling, ContentLengthWithChunkedIsRefused) {
  expect_refused(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n");
}

TEST_F(HttpSmuggling, TwoDifferentContentLengthsAreRefused) {
  expect_refused("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: " +
                 std::to_string(std::string(kSmuggled).size()) + "\r\n\r\n");
}

TEST_F(HttpSmuggling, WhitespaceBeforeTheColonIsRefused) {
  expect_refused(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding : chunked\r\n\r\n"
      "0\r\n\r\n");
}

TEST_F(HttpSmuggling, ObsFoldIsRefused) {
  expect_refused(
      "POST /echo HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\n{}");
}

TEST_F(HttpSmuggling, AFinalCodingOtherThanChunkedIsRefused) {
  expect_refused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n");
  expect_refused(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
  expect_refused(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);
}

TEST_F(HttpSmuggling, NoHostIsRefused) { expect_refused("GET /smuggled HTTP/1.1\r\n\r\n"); }

TEST_F(HttpSmuggling, TwoHostsAreRefused) {
  expect_refused("GET /smuggled HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n");
}

TEST_F(HttpSmuggling, BareLineFeedsAreRefused) {
  expect_refused("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\n\r\n0\r\n\r\n");
}

TEST_F(HttpSmuggling, ChunkedAloneIsServedAndThenTheConnectionCloses) {
  RawConnection raw(port_);
  raw.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
  const std::string reply = raw.read_until_close(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  EXPECT_EQ(echoes_.load(), 1);
}

// httplib 0.11.4 alone would serve each of these with a body cut short or read its own way.
TEST_F(HttpSmuggling, ChunkDataLongerThanItsSizeIsRefusedNotTruncated) {
  expect_refused(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX\r\n0\r\n\r\n");
}

TEST_F(HttpSmuggling, ChunkSizesOutsideTheGrammarAreRefused) {
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const char* size : {"0x2", "+2", " 2", "2 x", "-2"}) {
    SCOPED_TRACE(size);
    expect_refused(head + size + "\r\n{}\r\n0\r\n\r\n");
  }
  // Past 64 bits, and bare line feeds after a chunk's size and data.
  expect_refused(head + "10000000000000002\r\n{}\r\n0\r\n\r\n");
  expect_refused(head + "2\n{}\n0\n\n");
}

TEST_F(HttpSmuggling, ChunksWithExtensionsAreReadWhole) {
  RawConnection raw(port_);
  raw.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3 ;a=b\r\n{\"k\r\n000A\r\n\":\"value\"}\r\n0;last\r\n\r\n");
  const std::string reply = raw.read_until_close(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_TRUE(reply.ends_with(R"({"k":"value"})")) << reply;
}

TEST_F(HttpSmuggling, RepeatedEqualContentLengthsAreOneLength) {
  RawConnection raw(port_);
  raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}");
  const std::string reply = raw.read_response(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_EQ(echoes_.load(), 1);
}

}  // namespace
}  // namespace nmtd::http
