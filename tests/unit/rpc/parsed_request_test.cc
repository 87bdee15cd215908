#include "rpc/parsed_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "baketa/translation/v1/translation.pb.h"
#include "nmt/v1/translator.pb.h"

namespace nmtd::rpc {
namespace {

using ::testing::HasSubstr;
namespace pb = baketa::translation::v1;

// Through the traits gRPC uses, from bytes as they come off the wire.
template <class Message>
Parsed<Message> parse(const std::string& bytes) {
  grpc::Slice slice(bytes);
  grpc::ByteBuffer buffer(&slice, 1);
  Parsed<Message> parsed;
  EXPECT_TRUE(grpc::SerializationTraits<Parsed<Message>>::Deserialize(&buffer, &parsed).ok());
  return parsed;
}

TEST(ParsedRequest, AMessageThatParsesIsKept) {
  nmt::v1::TranslateRequest request;
  request.add_texts("Hello");
  request.set_source_language("eng_Latn");
  const auto parsed = parse<nmt::v1::TranslateRequest>(request.SerializeAsString());
  EXPECT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.message.texts(0), "Hello");
}

TEST(ParsedRequest, BytesThatAreNotWireFormatSaySo) {
  const auto parsed = parse<nmt::v1::TranslateRequest>("\xff\xff\xff");
  EXPECT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error, "its 3 bytes are not protobuf wire format");
  const auto status = unparsable_status(*nmt::v1::TranslateRequest::descriptor(), parsed.error);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "the request is not a valid nmt.v1.TranslateRequest: its 3 bytes are not protobuf "
            "wire format");
}

TEST(ParsedRequest, InvalidUtf8InAProto3StringNamesTheField) {
  pb::BatchTranslateRequest batch;
  batch.add_requests()->set_source_text("fine");
  batch.add_requests()->mutable_source_language()->set_code("en@@");
  std::string bytes = batch.SerializeAsString();
  bytes.replace(bytes.find("@@"), 2, "\xff\xfe");
  const auto parsed = parse<pb::BatchTranslateRequest>(bytes);
  EXPECT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error,
            "field `requests[1].source_language.code` is not valid UTF-8 (first bad byte at "
            "offset 2)");
}

TEST(ParsedRequest, MethodsAreFoundByTheirFullNames) {
  EXPECT_EQ(method_index("nmt.v1.Translator.Translate"), 0);
  EXPECT_EQ(method_index("nmt.v1.Translator.GetStatus"), 3);
  EXPECT_EQ(method_index("baketa.translation.v1.TranslationService.IsReady"), 3);
}

}  // namespace
}  // namespace nmtd::rpc
