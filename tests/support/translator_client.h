#pragma once
// Client-side helpers for the worker's integration tests.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "nmt/v1/translator.grpc.pb.h"
#include "support/run_process.h"
#include "support/worker_process.h"

namespace nmtd::testing {

inline nmt::v1::TranslateRequest make_request(std::vector<std::string> texts,
                                              const std::string& source = "eng_Latn",
                                              const std::string& target = "fra_Latn") {
  nmt::v1::TranslateRequest request;
  for (auto& t : texts) request.add_texts(std::move(t));
  request.set_source_language(source);
  request.set_target_language(target);
  return request;
}

struct CallOptions {
  std::chrono::milliseconds deadline{30000};
  std::map<std::string, std::string> metadata;
};

inline grpc::Status translate(nmt::v1::Translator::Stub& stub,
                              const nmt::v1::TranslateRequest& request,
                              nmt::v1::TranslateResponse& response,
                              const CallOptions& options = {}) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + options.deadline);
  for (const auto& [k, v] : options.metadata) ctx.AddMetadata(k, v);
  return stub.Translate(&ctx, request, &response);
}

// A Translate call with a hand-made payload, for what generated clients refuse to send (the C++
// library will not serialize a string field holding invalid UTF-8; other clients may).
inline grpc::Status translate_raw(const std::shared_ptr<grpc::Channel>& channel,
                                  const std::string& payload) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Slice slice(payload);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status result;
  stub.UnaryCall(&ctx, "/nmt.v1.Translator/Translate", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) {
                   std::lock_guard lock(mutex);
                   result = std::move(status);
                   done = true;
                   done_cv.notify_one();
                 });
  std::unique_lock lock(mutex);
  done_cv.wait(lock, [&] { return done; });
  return result;
}

inline std::string bytes_of(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// A unary call to `method` ("/nmt.v1.Translator/ListLanguages") with hand-made bytes; the
// answer's bytes in `response` when it is given.
inline grpc::Status call_raw(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& method, const std::string& payload,
                             std::string* response = nullptr) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Slice slice(payload);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer answer;
  const auto status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(),
      grpc::internal::RpcMethod(method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC), &ctx,
      request, &answer);
  if (response) *response = bytes_of(answer);
  return status;
}

// A bidi stream to `method` with hand-made messages: writes them all, closes its side, and
// collects every answer's bytes in `answers`.
inline grpc::Status stream_raw(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& method, const std::vector<std::string>& messages,
                               std::vector<std::string>& answers) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel.get(),
          grpc::internal::RpcMethod(method.c_str(), grpc::internal::RpcMethod::BIDI_STREAMING),
          &ctx));
  for (const auto& message : messages) {
    grpc::Slice slice(message);
    if (!stream->Write(grpc::ByteBuffer(&slice, 1))) break;
  }
  stream->WritesDone();
  grpc::ByteBuffer answer;
  while (stream->Read(&answer)) answers.push_back(bytes_of(answer));
  return stream->Finish();
}

// Sends [a request "One." (id m1), bytes that are no request, a request "Three." (id m3)] on
// one TranslateStream at `channel` (a worker or the front): every message must be answered, the
// bad one in band with INVALID_ARGUMENT, and the stream must go on and end OK.
inline void expect_stream_answers_unparsable_in_band(
    const std::shared_ptr<grpc::Channel>& channel) {
  auto first = make_request({"One."});
  first.set_request_id("m1");
  auto third = make_request({"Three."});
  third.set_request_id("m3");
  std::vector<std::string> answers;
  const auto status =
      stream_raw(channel, "/nmt.v1.Translator/TranslateStream",
                 {first.SerializeAsString(), "\xff\xff\xff", third.SerializeAsString()}, answers);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(answers.size(), 3u);
  nmt::v1::TranslateStreamResponse a;
  ASSERT_TRUE(a.ParseFromString(answers[0]));
  EXPECT_EQ(a.request_id(), "m1");
  EXPECT_EQ(a.response().translations_size(), 1);
  ASSERT_TRUE(a.ParseFromString(answers[1]));
  EXPECT_EQ(a.error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(a.error().message(), ::testing::HasSubstr("not a valid nmt.v1.TranslateRequest"));
  ASSERT_TRUE(a.ParseFromString(answers[2]));
  EXPECT_EQ(a.request_id(), "m3");
  EXPECT_EQ(a.response().translations_size(), 1);
}

// `request` serialized, with `placeholder` (same length) replaced by `bytes`.
inline std::string serialized_with(const nmt::v1::TranslateRequest& request,
                                   const std::string& placeholder, const std::string& bytes) {
  std::string payload = request.SerializeAsString();
  payload.replace(payload.find(placeholder), placeholder.size(), bytes);
  return payload;
}

inline nmt::v1::GetStatusResponse get_status(nmt::v1::Translator::Stub& stub) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  nmt::v1::GetStatusResponse response;
  const auto status = stub.GetStatus(&ctx, {}, &response);
  if (!status.ok()) throw std::runtime_error("GetStatus failed: " + status.error_message());
  return response;
}

// What `nmtd translate` prints for the same texts: the engine's answer, one process, no server.
inline std::vector<std::string> engine_translations(const std::vector<std::string>& texts,
                                                    const std::vector<std::string>& flags) {
  std::vector<std::string> args{"translate", "--model",   shared_test_model().string(),
                                "--source",  "eng_Latn",  "--target",
                                "fra_Latn",  "--threads", "1"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), texts.begin(), texts.end());
  const auto r = run_nmtd(args);
  if (r.exit_code != 0) throw std::runtime_error("nmtd translate failed: " + r.err);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < r.out.size()) {
    const auto end = r.out.find('\n', start);
    lines.push_back(r.out.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

}  // namespace nmtd::testing
