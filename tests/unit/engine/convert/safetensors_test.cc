// Malformed safetensors files must give a clear ModelFormatError, never a crash or a read
// outside the file.
#include "engine/convert/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

#include "common/error.h"
#include "unit/engine/convert/convert_test_util.h"

namespace nmtd::convtest {
namespace {

std::string with_header(const std::string& json, const std::string& data = "") {
  std::string out(8, '\0');
  const uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  return out + json + data;
}

// Opens `bytes` as a safetensors file; returns the error message ("" when it opened).
std::string open_error(const std::string& bytes) {
  TempDir tmp;
  write_file(tmp / "model.safetensors", bytes);
  try {
    SafetensorsFile f(tmp / "model.safetensors");
  } catch (const ModelFormatError& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& bytes, const std::string& fragment) {
  const std::string msg = open_error(bytes);
  EXPECT_NE(msg.find(fragment), std::string::npos) << "message: '" << msg << "'";
  EXPECT_NE(msg.find("model.safetensors"), std::string::npos) << msg;
}

TEST(Safetensors, ReadsTensorsAndConvertsHalfTypes) {
  const uint16_t h[2] = {0x3c00, 0xc000};   // float16 1, -2
  const uint16_t bf[2] = {0x3f80, 0x4040};  // bfloat16 1, 3
  std::string d16(4, '\0'), dbf(4, '\0');
  std::memcpy(d16.data(), h, 4);
  std::memcpy(dbf.data(), bf, 4);
  TempDir tmp;
  write_file(tmp / "model.safetensors",
             make_safetensors({{"a", "F16", {2}, d16}, {"b", "BF16", {1, 2}, dbf}}));
  const SafetensorsFile f(tmp / "model.safetensors");
  ASSERT_EQ(f.tensors().size(), 2u);  // __metadata__ is not a tensor
  float out[2];
  SafetensorsCheckpoint::read_rows_f32(*f.find("a"), 0, 2, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
  SafetensorsCheckpoint::read_rows_f32(*f.find("b"), 0, 1, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 3.0f);
}

TEST(Safetensors, TruncatedHeader) { expect_error("abc", "too short"); }

TEST(Safetensors, HeaderLengthBeyondFile) {
  std::string b = with_header("{}");
  const uint64_t huge = 1ull << 40;
  std::memcpy(b.data(), &huge, 8);
  expect_error(b, "exceeds the file size");
}

TEST(Safetensors, BadJson) {
  expect_error(with_header("{\"a\": "), "not valid JSON");
  expect_error(with_header("[1, 2]"), "not a JSON object");
  expect_error(with_header("{\"a\": 3}"), "not an object");
}

TEST(Safetensors, OffsetsOutOfRange) {
  expect_error(with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234"),
               "outside");
  expect_error(with_header(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "1234"),
               "outside");
  expect_error(with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "1234"),
               "need 8");
  expect_error(with_header(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", "1234"),
               "data_offsets");
  expect_error(with_header(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", "1234"),
               "data_offsets");
}

TEST(Safetensors, BadDtypeOrShape) {
  expect_error(with_header(R"({"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", "1234"),
               "unknown dtype \"F33\"");
  expect_error(with_header(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", "1234"), "dtype");
  expect_error(with_header(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "1234"),
               "shape");
  expect_error(with_header(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],)"
                           R"("data_offsets":[0,4]}})",
                           "1234"),
               "too large");
}

TEST(Safetensors, NonFloatTensorCannotBeRead) {
  TempDir tmp;
  write_file(tmp / "model.safetensors", make_safetensors({{"ids", "I64", {1}, std::string(8, 0)}}));
  const SafetensorsFile f(tmp / "model.safetensors");
  float out[1];
  try {
    SafetensorsCheckpoint::read_rows_f32(*f.find("ids"), 0, 1, out);
    FAIL() << "no error";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("I64"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ids"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, BadIndex) {
  TempDir tmp;
  write_file(tmp / "model-1.safetensors", make_safetensors({{"a", "F32", {1}, "abcd"}}));
  auto index_error = [&](const std::string& json) -> std::string {
    write_file(tmp / "model.safetensors.index.json", json);
    try {
      SafetensorsCheckpoint::open(tmp.path());
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(index_error("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(index_error("{}").find("weight_map"), std::string::npos);
  EXPECT_NE(index_error(R"({"weight_map":{"b":"model-1.safetensors"}})").find("does not hold"),
            std::string::npos);
  EXPECT_NE(index_error(R"({"weight_map":{"a":"../model-1.safetensors"}})").find("not a file"),
            std::string::npos);
  EXPECT_NE(index_error(R"({"weight_map":{"a":"missing.safetensors"}})").find("missing"),
            std::string::npos);
  EXPECT_EQ(index_error(R"({"weight_map":{"a":"model-1.safetensors"}})"), "");
  TempDir empty;
  EXPECT_THROW(SafetensorsCheckpoint::open(empty.path()), ModelFormatError);
}

TEST(Safetensors, MissingTensorNamesTensorAndFile) {
  const auto ck = SafetensorsCheckpoint::open(kFixture / "hf");
  try {
    ck.get("model.encoder.layers.7.fc1.weight");
    FAIL() << "no error";
  } catch (const ModelFormatError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("model.encoder.layers.7.fc1.weight"), std::string::npos) << m;
    EXPECT_NE(m.find("model.safetensors"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace nmtd::convtest
