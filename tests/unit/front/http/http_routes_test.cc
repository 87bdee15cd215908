// Routing and what handlers see: methods, paths, query and form fields, headers, bodies, and
// what the client gets back.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "common/error.h"
#include "front/http/http_server.h"
#include "unit/front/http/http_test_support.h"

namespace nmtd::http {
namespace {

using testing::CapturedLog;

HttpResponse echo(const HttpRequest& r) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [k, v] : r.params) params[k] = v;
  HttpResponse out;
  out.body =
      nlohmann::json{{"method", r.method},      {"path", r.path},
                     {"body", r.body},          {"params", params},
                     {"remote", r.remote_addr}, {"agent", r.header("uSeR-aGeNt").value_or("")}}
          .dump();
  out.headers.emplace_back("X-Echo", "yes");
  return out;
}

class HttpRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(HttpServerConfig{}, *log_.logger);
    server_->get("/healthz", [](const HttpRequest&) {
      return HttpResponse{.content_type = "text/plain", .body = "ok\n"};
    });
    server_->get("/echo", echo);
    server_->post("/echo", echo);
    server_->route("PUT", "/echo", echo);
    server_->route("DELETE", "/echo", echo);
    server_->post("/v1/a.b-c_d~e", echo);  // regex characters in a path are literal
    port_ = server_->start();
    ASSERT_GT(port_, 0);
  }

  nlohmann::json json_of(const httplib::Result& res) { return nlohmann::json::parse(res->body); }

  CapturedLog log_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpRoutes, GetAnswersWithTheHandlersResponse) {
  httplib::Client client("127.0.0.1", port_);
  const auto res = client.Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ok\n");
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain");
}

TEST_F(HttpRoutes, HandlersSeeQueryHeadersAndPeer) {
  httplib::Client client("127.0.0.1", port_);
  const auto res = client.Get("/echo?q=hello%20world&source=en", {{"User-Agent", "nmtd-test"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("X-Echo"), "yes");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const auto j = json_of(res);
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["path"], "/echo");
  EXPECT_EQ(j["params"]["q"], "hello world");
  EXPECT_EQ(j["params"]["source"], "en");
  EXPECT_EQ(j["agent"], "nmtd-test");  // looked up in another case
  EXPECT_EQ(j["remote"], "127.0.0.1");
}

TEST_F(HttpRoutes, PostBodiesAndForms) {
  httplib::Client client("127.0.0.1", port_);
  const auto json = client.Post("/echo", R"({"q":"Hello"})", "application/json");
  ASSERT_TRUE(json);
  EXPECT_EQ(json_of(json)["body"], R"({"q":"Hello"})");

  // Forms larger than httplib's own 8 KiB limit for them are fine up to max_body_bytes.
  const std::string long_text(20000, 'x');
  const auto form = client.Post("/echo", httplib::Params{{"q", "a b&c=d"}, {"long", long_text}});
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  EXPECT_EQ(json_of(form)["params"]["q"], "a b&c=d");
  EXPECT_EQ(json_of(form)["params"]["long"], long_text);
  EXPECT_EQ(json_of(form)["body"], "");

  const auto multipart = client.Post(
      "/echo", httplib::MultipartFormDataItems{{"q", "bonjour", "", ""}, {"target", "en", "", ""}});
  ASSERT_TRUE(multipart);
  EXPECT_EQ(json_of(multipart)["params"]["q"], "bonjour");
  EXPECT_EQ(json_of(multipart)["params"]["target"], "en");
}

TEST_F(HttpRoutes, OtherMethodsAndHead) {
  httplib::Client client("127.0.0.1", port_);
  const auto put = client.Put("/echo", "payload", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(json_of(put)["method"], "PUT");
  EXPECT_EQ(json_of(put)["body"], "payload");
  const auto del = client.Delete("/echo");
  ASSERT_TRUE(del);
  EXPECT_EQ(json_of(del)["method"], "DELETE");
  EXPECT_EQ(json_of(del)["body"], "");
  const auto head = client.Head("/healthz");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
}

TEST_F(HttpRoutes, PostWithoutALengthHasAnEmptyBody) {
  // RFC 9112: no Content-Length and no Transfer-Encoding means no body (httplib 0.11.4 on its
  // own would wait for the client to close).
  testing::RawConnection raw(port_);
  raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string reply = raw.read_until_close(std::chrono::seconds(5));
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find(R"("body":"")"), std::string::npos) << reply;
}

TEST_F(HttpRoutes, PathsAreMatchedExactly) {
  httplib::Client client("127.0.0.1", port_);
  const auto exact = client.Post("/v1/a.b-c_d~e", "x", "text/plain");
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->status, 200);
  for (const char* other : {"/v1/aXb-c_d~e", "/v1/a.b-c_d~e/", "/v1/a.b-c_d~eX", "/echo/"}) {
    const auto res = client.Post(other, "x", "text/plain");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << other;
  }
}

TEST_F(HttpRoutes, ClientTextCannotForgeLogLines) {
  httplib::Client client("127.0.0.1", port_);
  ASSERT_TRUE(client.Get("/evil%0A[error]%20forged"));
  server_->stop();
  const std::string text = log_.text();
  EXPECT_NE(text.find("GET /evil\\x0a[error] forged -> 404"), std::string::npos) << text;
  EXPECT_EQ(text.find("\n[error] forged"), std::string::npos) << text;
}

TEST_F(HttpRoutes, KeepAliveServesManyRequestsOnOneConnection) {
  httplib::Client client("127.0.0.1", port_);
  client.set_keep_alive(true);
  for (int i = 0; i < 20; ++i) {
    const auto res = client.Get("/echo?i=" + std::to_string(i));
    ASSERT_TRUE(res);
    EXPECT_EQ(json_of(res)["params"]["i"], std::to_string(i));
  }
  // Counted once the answer is out, so possibly just after the client has it.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server_->stats().requests < 20u && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(server_->stats().requests, 20u);
}

TEST_F(HttpRoutes, PipelinedRequestsAreAnsweredInOrder) {
  testing::RawConnection raw(port_);
  raw.send(
      "GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /echo?n=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string reply = raw.read_until_close(std::chrono::seconds(5));
  const auto first = reply.find(R"("n":"1")");
  const auto second = reply.find(R"("n":"2")");
  ASSERT_NE(first, std::string::npos) << reply;
  ASSERT_NE(second, std::string::npos) << reply;
  EXPECT_LT(first, second);
}

TEST_F(HttpRoutes, RequestsAreLoggedAtDebugWithStatusAndDuration) {
  httplib::Client client("127.0.0.1", port_);
  ASSERT_TRUE(client.Get("/healthz"));
  ASSERT_TRUE(client.Get("/nowhere"));
  server_->stop();
  const std::string text = log_.text();
  EXPECT_NE(text.find("GET /healthz -> 200 in "), std::string::npos) << text;
  EXPECT_NE(text.find("GET /nowhere -> 404 in "), std::string::npos) << text;
  EXPECT_NE(text.find(" ms"), std::string::npos) << text;
}

TEST(HttpRouteTable, RefusesBadRoutesAndLateOnes) {
  CapturedLog log;
  HttpServer server(HttpServerConfig{}, *log.logger);
  const Handler h = [](const HttpRequest&) { return HttpResponse{}; };
  EXPECT_THROW(server.get("healthz", h), InvalidArgument);
  EXPECT_THROW(server.get("", h), InvalidArgument);
  EXPECT_THROW(server.route("HEAD", "/x", h), InvalidArgument);
  EXPECT_THROW(server.get("/x", Handler{}), InvalidArgument);
  server.get("/x", h);
  EXPECT_THROW(server.get("/x", h), InvalidArgument);
  server.post("/x", h);  // another method on the same path is fine
  server.start();
  EXPECT_THROW(server.get("/y", h), Error);
  EXPECT_THROW(server.start(), Error);
}

TEST(HttpConfig, RefusesConfigurationsThatCannotWork) {
  CapturedLog log;
  const auto make = [&](auto change) {
    HttpServerConfig c;
    change(c);
    HttpServer s(c, *log.logger);
  };
  EXPECT_THROW(make([](HttpServerConfig& c) { c.threads = 0; }), InvalidArgument);
  EXPECT_THROW(make([](HttpServerConfig& c) { c.port = 70000; }), InvalidArgument);
  EXPECT_THROW(make([](HttpServerConfig& c) { c.port = -1; }), InvalidArgument);
  EXPECT_THROW(make([](HttpServerConfig& c) { c.read_timeout = {}; }), InvalidArgument);
  EXPECT_THROW(make([](HttpServerConfig& c) { c.max_body_bytes = 0; }), InvalidArgument);
  EXPECT_NO_THROW(make([](HttpServerConfig& c) { c.max_pending_connections = 0; }));
}

}  // namespace
}  // namespace nmtd::http
