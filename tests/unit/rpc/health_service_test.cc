#include "rpc/health_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace nmtd::rpc {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class HealthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_ = "unix:" + (std::filesystem::temp_directory_path() /
                         ("nmtd-health-" + std::to_string(::getpid()) + ".sock"))
                            .string();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&health_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    stub_ = grpc::health::v1::Health::NewStub(
        grpc::CreateChannel(socket_, grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    health_.shutdown();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  grpc::Status check(const std::string& service, HealthCheckResponse& response) {
    grpc::ClientContext ctx;
    HealthCheckRequest request;
    request.set_service(service);
    return stub_->Check(&ctx, request, &response);
  }

  HealthService health_{{"svc.A"}};
  std::string socket_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
};

TEST_F(HealthServiceTest, StartsNotServingAndFollowsChanges) {
  HealthCheckResponse r;
  ASSERT_TRUE(check("", r).ok());
  EXPECT_EQ(r.status(), HealthCheckResponse::NOT_SERVING);
  health_.set_all(true);
  ASSERT_TRUE(check("svc.A", r).ok());
  EXPECT_EQ(r.status(), HealthCheckResponse::SERVING);
  EXPECT_EQ(check("svc.B", r).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(HealthServiceTest, WatchStreamsEveryChangeAndEndsAtShutdown) {
  grpc::ClientContext ctx;
  HealthCheckRequest request;
  request.set_service("svc.A");
  auto reader = stub_->Watch(&ctx, request);
  HealthCheckResponse r;
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.status(), HealthCheckResponse::NOT_SERVING);
  health_.set_all(true);
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.status(), HealthCheckResponse::SERVING);
  health_.set_all(true);  // no change, nothing sent
  health_.set_all(false);
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.status(), HealthCheckResponse::NOT_SERVING);
  health_.shutdown();
  while (reader->Read(&r)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(HealthServiceTest, UnknownServiceIsWatchedAsUnknown) {
  grpc::ClientContext ctx;
  HealthCheckRequest request;
  request.set_service("nope");
  auto reader = stub_->Watch(&ctx, request);
  HealthCheckResponse r;
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  ctx.TryCancel();
}

TEST_F(HealthServiceTest, ManyWatchersComeAndGo) {
  for (int round = 0; round < 20; ++round) {
    grpc::ClientContext ctx;
    auto reader = stub_->Watch(&ctx, HealthCheckRequest());
    HealthCheckResponse r;
    ASSERT_TRUE(reader->Read(&r));
    health_.set_all(round % 2 == 0);
    ctx.TryCancel();
  }
  HealthCheckResponse r;
  EXPECT_TRUE(check("", r).ok());
}

}  // namespace
}  // namespace nmtd::rpc
