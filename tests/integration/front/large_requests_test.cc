// Requests larger than a worker's queue, within the documented limits, through the
// client-compatible APIs: admitted in pieces as the queue frees and answered in full; and
// cancelled requests that leave the workers' queue at once rather than keep later ones out.
// The worker's queue is made as small as the settings allow, so that a few hundred texts take
// several waves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "baketa/translation/v1/translation.grpc.pb.h"
#include "support/serve_process.h"

namespace nmtd::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
namespace pb = baketa::translation::v1;

constexpr char kSmallQueue[] = R"(
[worker]
queue_capacity = 64
)";

class LargeRequests : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    serve_ = std::make_unique<ServeProcess>(
        shared_test_model(), std::vector<std::string>{"--workers", "1"}, kSmallQueue);
    ASSERT_TRUE(serve_->wait_serving()) << serve_->stderr_text();
  }
  static void TearDownTestSuite() { serve_.reset(); }
  void SetUp() override { stub_ = pb::TranslationService::NewStub(serve_->channel()); }

  static pb::TranslateRequest request(const std::string& text, const std::string& id) {
    pb::TranslateRequest r;
    r.set_request_id(id);
    r.set_source_text(text);
    r.mutable_source_language()->set_code("en");
    r.mutable_target_language()->set_code("fr");
    return r;
  }
  // `count` distinct short sentences in one text: each is a piece of its own.
  static std::string sentences(int count, const std::string& tag) {
    std::string text;
    for (int i = 0; i < count; ++i) text += "Go " + tag + std::to_string(i) + ". ";
    return text;
  }
  // One sentence of about 990 bytes (one piece, the longest there is), different per `seed`:
  // slow enough to translate that a worker's queue holds such texts for a while.
  static std::string long_sentence(int seed) {
    static const char* const words[] = {"river",  "stone", "light", "garden", "window", "morning",
                                        "yellow", "paper", "quiet", "market", "winter", "bridge"};
    std::string text = "Number " + std::to_string(seed);
    unsigned state = static_cast<unsigned>(seed) * 2654435761u + 1;
    while (text.size() < 980) {
      state = state * 1664525u + 1013904223u;
      text += " ";
      text += words[(state >> 16) % 12];
    }
    return text;
  }
  // Texts the worker is translating or holding for this front, as the front counts them.
  static int outstanding() {
    const auto status = serve_->status();
    int n = 0;
    for (const auto& w : status.workers()) n += w.outstanding();
    return n;
  }
  template <typename Condition>
  static bool wait_for(Condition condition, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (condition()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return condition();
  }

  static std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<pb::TranslationService::Stub> stub_;
};
std::unique_ptr<ServeProcess> LargeRequests::serve_;

TEST_F(LargeRequests, LibreTranslateListOfManyMoreStringsThanTheQueueIsAnsweredInFull) {
  json q = json::array();
  for (int i = 0; i < 300; ++i) q.push_back("String number " + std::to_string(i) + ".");
  const auto retries_before = serve_->status().retries();
  auto large = std::async(std::launch::async, [&] {
    httplib::Client c("127.0.0.1", serve_->http_port());
    c.set_read_timeout(std::chrono::seconds(60));
    return c.Post("/translate", json{{"q", q}, {"source", "en"}, {"target", "fr"}}.dump(),
                  "application/json");
  });
  // Meanwhile small requests find room: the large one holds at most half the queue.
  ASSERT_TRUE(wait_for([] { return outstanding() > 0; }, 10s));
  for (int i = 0; i < 3; ++i) {
    pb::TranslateResponse out;
    grpc::ClientContext ctx;
    const auto status =
        stub_->Translate(&ctx, request("Small one " + std::to_string(i) + ".", "s"), &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  const auto r = large.get();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto body = json::parse(r->body);
  ASSERT_TRUE(body["translatedText"].is_array());
  EXPECT_EQ(body["translatedText"].size(), 300u);
  // No call of either was refused by a full queue.
  EXPECT_EQ(serve_->status().retries(), retries_before);
}

// Several large requests at once share the half of the queues one of them may take: small
// requests still find the other half, and none of the large ones is refused by a full queue.
TEST_F(LargeRequests, SeveralLargeRequestsAtOnceLeaveRoomForSmallOnes) {
  const auto retries_before = serve_->status().retries();
  std::vector<std::future<httplib::Result>> large;
  for (int r = 0; r < 3; ++r) {
    json q = json::array();
    for (int i = 0; i < 120; ++i)
      q.push_back("Request " + std::to_string(r) + " string " + std::to_string(i) + ".");
    large.push_back(std::async(std::launch::async, [this, q] {
      httplib::Client c("127.0.0.1", serve_->http_port());
      c.set_read_timeout(std::chrono::seconds(60));
      return c.Post("/translate", json{{"q", q}, {"source", "en"}, {"target", "fr"}}.dump(),
                    "application/json");
    }));
  }
  ASSERT_TRUE(wait_for([] { return outstanding() > 0; }, 10s));
  for (int i = 0; i < 3; ++i) {
    pb::TranslateResponse out;
    grpc::ClientContext ctx;
    const auto status =
        stub_->Translate(&ctx, request("Small two " + std::to_string(i) + ".", "s"), &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  for (auto& f : large) {
    const auto r = f.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }
  EXPECT_EQ(serve_->status().retries(), retries_before);
}

TEST_F(LargeRequests, BaketaTextOfSixHundredSentencesIsAnsweredInFull) {
  const std::string text = sentences(600, "a");
  ASSERT_LE(text.size(), 10'000u);  // within max_text_chars
  pb::TranslateResponse out;
  grpc::ClientContext ctx;  // like the client: no deadline (the server applies its default)
  const auto status = stub_->Translate(&ctx, request(text, "long"), &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(out.is_success());
  EXPECT_FALSE(out.translated_text().empty());
}

TEST_F(LargeRequests, CancelledBatchesLeaveTheQueueAndDoNotKeepTheNextOneOut) {
  for (int b = 0; b < 10; ++b) {
    pb::BatchTranslateRequest batch;
    batch.set_batch_id("cancelled-" + std::to_string(b));
    for (int i = 0; i < 32; ++i) *batch.add_requests() = request(long_sentence(b * 32 + i), "c");
    pb::BatchTranslateResponse out;
    grpc::ClientContext ctx;
    std::mutex mutex;
    std::condition_variable answered;
    std::optional<grpc::Status> result;
    stub_->async()->TranslateBatch(&ctx, &batch, &out, [&](grpc::Status s) {
      std::lock_guard lock(mutex);
      result = s;
      answered.notify_all();
    });
    // Cancel once its texts are at the worker.
    EXPECT_TRUE(wait_for([] { return outstanding() > 0; }, 10s)) << "batch " << b;
    ctx.TryCancel();
    std::unique_lock lock(mutex);
    ASSERT_TRUE(answered.wait_for(lock, 10s, [&] { return result.has_value(); }));
    EXPECT_EQ(result->error_code(), grpc::StatusCode::CANCELLED) << result->error_message();
  }
  // At once, with the worker still busy with what it took before the cancellations.
  const auto retries_before = serve_->status().retries();
  pb::BatchTranslateRequest next;
  next.set_batch_id("after");
  for (int i = 0; i < 8; ++i)
    *next.add_requests() = request(sentences(2, "z" + std::to_string(i)), "n");
  pb::BatchTranslateResponse out;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 30s);
  const auto status = stub_->TranslateBatch(&ctx, next, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.success_count(), 8);
  // Admitted at once. The worker learns of a cancellation a few milliseconds after the front,
  // so the first try may still find the queue full; texts still waiting there for the engine
  // would refuse it again and again (the backoff doubles) until their translation freed room.
  EXPECT_LE(serve_->status().retries(), retries_before + 1) << serve_->stderr_text();
  // The worker saw the cancellations (its figures reach the front with its next health check).
  EXPECT_TRUE(wait_for([] { return serve_->status().texts_cancelled() > 0; }, 5s));
  // The front cancelled its calls to the worker: none is left in flight (the next batch's
  // calls were answered).
  EXPECT_TRUE(wait_for([] { return outstanding() == 0; }, 2s)) << outstanding();
}

// The HTTP server watches the connection while the handler waits for the workers: a client that
// gives up (a timeout, a closed tab) takes its texts out of the queue as a cancelled gRPC call
// does.
TEST_F(LargeRequests, LibreTranslateRequestWhoseClientHangsUpLeavesTheQueue) {
  json q = json::array();
  for (int i = 0; i < 200; ++i) q.push_back(long_sentence(5000 + i));
  const std::string body = json{{"q", q}, {"source", "en"}, {"target", "fr"}}.dump();
  const std::string request =
      "POST /translate HTTP/1.1\r\nHost: test\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  const auto cancelled_before = serve_->status().texts_cancelled();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(serve_->http_port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  ASSERT_TRUE(wait_for([] { return outstanding() > 0; }, 10s));
  ::close(fd);
  // Two hundred long sentences take the worker far longer than this to translate.
  EXPECT_TRUE(wait_for([] { return outstanding() == 0; }, 2s)) << outstanding();
  EXPECT_TRUE(wait_for([&] { return serve_->status().texts_cancelled() > cancelled_before; }, 5s));
}

}  // namespace
}  // namespace nmtd::testing
