// parse_request_head() on its own: what RFC 9112 lets through, and the status of what it does
// not (the server tests send the smuggling shapes over a socket).
#include "front/http/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace nmtd::http {
namespace {

RequestHead parsed(const std::string& head) {
  auto r = parse_request_head(head);
  if (const auto* e = std::get_if<HeadError>(&r)) {
    ADD_FAILURE() << head << " -> " << e->status << " " << e->message;
    return {};
  }
  return std::get<RequestHead>(r);
}

int refused(const std::string& head) {
  auto r = parse_request_head(head);
  const auto* e = std::get_if<HeadError>(&r);
  return e == nullptr ? 0 : e->status;
}

TEST(RequestHead, FindsTheEndOfTheHead) {
  EXPECT_EQ(head_end("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), 27u);
  EXPECT_EQ(head_end("GET / HTTP/1.1\r\nHost: x\r\n"), std::string::npos);
  EXPECT_EQ(head_end("GET / HTTP/1.1\nHost: x\n\n"), 24u);  // found, then refused as bare LF
}

TEST(RequestHead, ReadsFramingAndConnection) {
  const auto get = parsed("GET /a%20b?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.path(), "/a b");
  EXPECT_EQ(get.framing, RequestHead::Framing::kNone);
  EXPECT_FALSE(get.client_closes);
  const auto post = parsed("POST / HTTP/1.1\r\nhost: x\r\ncontent-length:  12 \r\n\r\n");
  EXPECT_EQ(post.framing, RequestHead::Framing::kLength);
  EXPECT_EQ(post.content_length, 12u);
  const auto chunked = parsed(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nConnection: x, close\r\n"
      "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(chunked.framing, RequestHead::Framing::kChunked);
  EXPECT_TRUE(chunked.client_closes);
  EXPECT_TRUE(chunked.expects_continue);
  EXPECT_TRUE(parsed("GET / HTTP/1.0\r\n\r\n").client_closes);  // no Host needed on 1.0
  EXPECT_FALSE(parsed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").client_closes);
}

TEST(RequestHead, RefusesWhatCouldBeReadTwoWays) {
  EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            400);
  EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n"), 400);
  EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n"), 400);
  EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked,\r\n\r\n"), 501);
  EXPECT_EQ(refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n"), 400);
  EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01\r\n\r\n"), 400);
  EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n"), 400);
  EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n"), 400);
  EXPECT_EQ(refused("GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
  EXPECT_EQ(refused("GET / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n"), 400);
}

TEST(RequestHead, StatusesForWhatTheServerDoesNotDo) {
  EXPECT_EQ(refused("BREW / HTTP/1.1\r\nHost: x\r\n\r\n"), 501);
  EXPECT_EQ(refused("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
  EXPECT_EQ(refused("GET /" + std::string(kMaxRequestLineBytes, 'a') + " HTTP/1.1\r\n\r\n"), 414);
  EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(kMaxHeaderLineBytes, 'a') +
                    "\r\n\r\n"),
            431);
}

}  // namespace
}  // namespace nmtd::http
