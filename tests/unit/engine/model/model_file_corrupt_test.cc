// ModelFile on damaged and foreign input: every truncation, random bit flips, other file
// types, and each malformed field. All must end in ModelFormatError or IoError, never a
// crash, an out-of-bounds read (run under ASan) or a huge allocation.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <random>
#include <string>

#include "common/error.h"
#include "engine/convert/model_writer.h"
#include "engine/model/model_config.h"
#include "engine/model/model_file.h"
#include "engine/model/model_file_util.h"
#include "engine/model/vocabulary.h"
#include "model_test_util.h"

namespace nmtd {
namespace {

const std::filesystem::path kFloat32 =
    std::filesystem::path(NMTD_TEST_DATA) / "tiny-nllb-s1" / "ct2-float32" / "model.bin";

// A small but complete model: scalars of each width, tensors, a quantization scale, aliases.
std::string small_model(const TempDir& dir) {
  ModelWriter w;
  w.add_scalar_i8("decoder/pre_norm", 1);
  w.add_scalar_i16("decoder/num_heads", 2);
  w.add_scalar_f32("decoder/scale_embeddings", 2.0f);
  w.add("decoder/embeddings/weight", DType::kI8, {3, 2}, std::vector<std::byte>(6, std::byte{7}));
  w.add_f32("decoder/embeddings/weight_scale", {3}, {1, 2, 3});
  w.add("decoder/layer_norm/gamma", DType::kF16, {2}, std::vector<std::byte>(4));
  w.add_alias("decoder/projection/weight", "decoder/embeddings/weight");
  w.add_alias("encoder/embeddings_0/weight", "decoder/embeddings/weight");
  w.write(dir.path() / "small.bin");
  return read_bytes(dir.path() / "small.bin");
}

// Opens `bytes` as a model.bin. Returns true when it parsed; then touches every view so that
// a bad offset would show under ASan.
bool open_bytes(const TempDir& dir, std::string_view bytes, std::string* error = nullptr) {
  const auto path = dir.path() / "model.bin";
  write_bytes(path, bytes);
  try {
    const ModelFile m = ModelFile::open(path);
    for (const Variable& v : m.variables()) {
      const auto p = m.payload(v);
      volatile std::byte sink{};
      for (const std::byte b : p) sink = b;
      (void)sink;
      if (v.num_elements() == 1) (void)m.scalar(v);
    }
    for (const auto& [alias, target] : m.aliases()) {
      (void)m.find(alias);
      (void)m.find(alias + "_scale");
    }
    return true;
  } catch (const ModelFormatError& e) {
    if (error) *error = e.what();
    return false;
  }
}

TEST(ModelFileCorrupt, EveryTruncationOfASmallModelFails) {
  TempDir dir;
  const std::string full = small_model(dir);
  ASSERT_TRUE(open_bytes(dir, full));
  for (std::size_t len = 0; len < full.size(); ++len) {
    std::string error;
    EXPECT_FALSE(open_bytes(dir, std::string_view(full).substr(0, len), &error)) << len;
    EXPECT_NE(error.find("model.bin"), std::string::npos) << error;
    EXPECT_NE(error.find("offset"), std::string::npos) << error;
  }
}

TEST(ModelFileCorrupt, SampledTruncationsOfTheFixtureFail) {
  TempDir dir;
  const std::string full = read_bytes(kFloat32);
  ASSERT_EQ(full.size(), 1501561u);
  std::vector<std::size_t> lengths;
  for (std::size_t len = 0; len < 300; ++len) lengths.push_back(len);  // header + records
  for (std::size_t len = 300; len < full.size(); len += 24989) lengths.push_back(len);
  for (std::size_t k = 1; k <= 200; ++k) lengths.push_back(full.size() - k);  // alias section
  for (const std::size_t len : lengths) {
    std::string error;
    EXPECT_FALSE(open_bytes(dir, std::string_view(full).substr(0, len), &error)) << len;
  }
  std::string error;
  EXPECT_FALSE(open_bytes(dir, std::string_view(full).substr(0, 1000), &error));
  EXPECT_NE(error.find("truncated file"), std::string::npos) << error;
  EXPECT_NE(error.find("decoder/embeddings/weight"), std::string::npos) << error;
}

TEST(ModelFileCorrupt, RandomBitFlipsNeverCrash) {
  TempDir dir;
  const std::string full = small_model(dir);
  std::mt19937 rng(12345);
  int failures = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string bytes = full;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f)
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 << (rng() % 8));
    if (!open_bytes(dir, bytes)) ++failures;
  }
  EXPECT_GT(failures, 0);  // most flips in a header-heavy file are detected
}

TEST(ModelFileCorrupt, BitFlipsInTheFixtureHeadersNeverCrash) {
  TempDir dir;
  const std::string full = read_bytes(kFloat32);
  std::mt19937 rng(7);
  for (int i = 0; i < 150; ++i) {
    std::string bytes = full;
    // The first 240 bytes hold the header and the first six record headers.
    bytes[rng() % 240] ^= static_cast<char>(1 << (rng() % 8));
    open_bytes(dir, bytes);
  }
}

TEST(ModelFileCorrupt, ForeignFilesAreRejected) {
  TempDir dir;
  std::string error;
  EXPECT_FALSE(open_bytes(dir, "", &error));
  EXPECT_NE(error.find("binary version"), std::string::npos) << error;
  EXPECT_FALSE(open_bytes(dir, std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), &error));
  EXPECT_NE(error.find("unknown binary version"), std::string::npos) << error;
  EXPECT_FALSE(open_bytes(dir, std::string("\x7f"
                                           "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
                                           16)));
  EXPECT_FALSE(open_bytes(dir, "{\"add_source_bos\": false}"));
  EXPECT_THROW(ModelFile::open(dir.path()), IoError);  // a directory
  EXPECT_THROW(ModelFile::open(dir.path() / "missing.bin"), IoError);
}

// Hand-made headers that each break one rule; the message must say which.
struct BadCase {
  const char* what;
  std::string bytes;
  const char* expect;
};

std::vector<BadCase> bad_cases() {
  auto v6 = [] {
    ByteBuilder b;
    b.u32(6).str("TransformerSpec").u32(7);
    return b;
  };
  std::vector<BadCase> cases;
  cases.push_back({"version 8", ByteBuilder().u32(8).bytes, "unknown binary version 8"});
  cases.push_back({"version 0", ByteBuilder().u32(0).bytes, "unknown binary version 0"});
  cases.push_back({"unknown spec", ByteBuilder().u32(6).str("LlamaSpec").u32(1).u32(0).u32(0).bytes,
                   "unknown spec name \"LlamaSpec\" (known: \"\", \"TransformerBase\""});
  cases.push_back({"revision too new", ByteBuilder().u32(6).str("TransformerSpec").u32(8).bytes,
                   "spec revision 8 of TransformerSpec is too new"});
  cases.push_back({"zero-length spec", ByteBuilder().u32(6).u16(0).bytes, "zero-length string"});
  cases.push_back({"huge count", v6().u32(0xFFFFFFFFu).bytes, "num_variables is 4294967295"});
  cases.push_back({"huge alias count", v6().u32(0).u32(0x40000000u).bytes, "num_aliases"});
  cases.push_back({"zero-length name", v6().u32(1).u16(0).u8(0).u8(0).u32(1).u8(0).u32(0).bytes,
                   "zero-length string for the name of variable #0"});
  cases.push_back({"rank 9", v6().u32(1).str("x").u8(9).raw(std::string(60, '\1')).bytes,
                   "variable 'x' has rank 9 (expected at most 8)"});
  cases.push_back({"dtype 6", v6().u32(1).str("x").u8(0).u8(6).u32(1).u8(0).u32(0).bytes,
                   "variable 'x' has dtype code 6 (expected 0 to 5)"});
  // int4 (code 6) in nmtd's version 7: matrices only, ceil(cols / 2) bytes a row.
  auto v7 = [] {
    ByteBuilder b;
    b.u32(7).str("TransformerSpec").u32(7);
    return b;
  };
  cases.push_back({"dtype 7 in version 7", v7().u32(1).str("x").u8(0).u8(7).u32(1).u8(0).bytes,
                   "variable 'x' has dtype code 7 (expected 0 to 6)"});
  cases.push_back({"int4 scalar", v7().u32(1).str("x").u8(0).u8(6).u32(1).u8(0).u32(0).bytes,
                   "variable 'x' is int4 with shape [] (int4 variables are matrices"});
  cases.push_back(
      {"int4 payload size",
       v7().u32(1).str("x").u8(2).u32(3).u32(5).u8(6).u32(8).raw(std::string(8, 'a')).u32(0).bytes,
       "variable 'x' has an invalid payload size: 8 bytes stored, but shape [3, 5] of int4 needs "
       "9"});
  cases.push_back({"truncated int4 payload",
                   v7().u32(1).str("x").u8(2).u32(3).u32(5).u8(6).u32(9).raw("abcd").bytes,
                   "truncated file: reading the 9-byte payload of variable 'x' needs 9 bytes but "
                   "only 4 remain"});
  cases.push_back(
      {"payload size",
       v6().u32(1).str("x").u8(1).u32(3).u8(0).u32(11).raw(std::string(11, 'a')).u32(0).bytes,
       "variable 'x' has an invalid payload size: 11 bytes stored, but shape [3] of float32 needs "
       "12"});
  ByteBuilder overflow = v6().u32(1).str("x").u8(8);
  for (int i = 0; i < 8; ++i) overflow.u32(0xFFFFFFFFu);
  overflow.u8(0).u32(0);
  cases.push_back({"dims overflow", overflow.bytes, "product of its dimensions overflows"});
  cases.push_back({"truncated payload",
                   v6().u32(1).str("x").u8(1).u32(4).u8(0).u32(16).raw("abc").bytes,
                   "truncated file: reading the 16-byte payload of variable 'x' needs 16 bytes but "
                   "only 3 remain"});
  cases.push_back({"legacy item size",
                   ByteBuilder()
                       .u32(3)
                       .str("TransformerBase")
                       .u32(2)
                       .u32(1)
                       .str("x")
                       .u8(0)
                       .u8(3)
                       .u32(1)
                       .raw("abc")
                       .u32(0)
                       .bytes,
                   "variable 'x' has legacy item size 3 (expected 1, 2 or 4)"});
  cases.push_back({"legacy count",
                   ByteBuilder()
                       .u32(2)
                       .str("")
                       .u32(1)
                       .u32(1)
                       .str("x")
                       .u8(1)
                       .u32(2)
                       .u8(4)
                       .u32(3)
                       .raw(std::string(12, 'a'))
                       .bytes,
                   "invalid payload size: 12 bytes stored, but shape [2] of float32 needs 8"});
  return cases;
}

TEST(ModelFileCorrupt, EachMalformedFieldIsNamed) {
  TempDir dir;
  for (const BadCase& c : bad_cases()) {
    std::string error;
    EXPECT_FALSE(open_bytes(dir, c.bytes, &error)) << c.what;
    EXPECT_NE(error.find(c.expect), std::string::npos) << c.what << ": " << error;
    EXPECT_NE(error.find(dir.path().string()), std::string::npos) << c.what << ": " << error;
    EXPECT_NE(error.find("offset"), std::string::npos) << c.what << ": " << error;
  }
}

TEST(ModelFileCorrupt, NamesInErrorsAreEscaped) {
  // A NUL would end what() early and raw bytes would reach terminals and log parsers as is.
  TempDir dir;
  std::string error;
  const std::string spec("Llama\0\xff\x1b[2J", 11);
  EXPECT_FALSE(open_bytes(dir, ByteBuilder().u32(6).str(spec).u32(1).u32(0).u32(0).bytes, &error));
  EXPECT_NE(error.find("unknown spec name \"Llama\\x00\\xff\\x1b[2J\" (known:"), std::string::npos)
      << error;
  const std::string name("w\0eight\n", 8);
  ByteBuilder b;
  b.u32(6).str("TransformerSpec").u32(7).u32(1).str(name).u8(1).u32(4).u8(6).u32(0).u32(0);
  EXPECT_FALSE(open_bytes(dir, b.bytes, &error));
  EXPECT_NE(error.find("variable 'w\\x00eight\\x0a' has dtype code 6"), std::string::npos) << error;
}

TEST(ModelFileCorrupt, DuplicatesDanglingAliasesAndTrailingBytesAreTolerated) {
  TempDir dir;
  ByteBuilder b;
  b.u32(6).str("TransformerSpec").u32(7).u32(2);
  b.str("x").u8(0).u8(1).u32(1).u8(5);
  b.str("x").u8(0).u8(1).u32(1).u8(9);  // CTranslate2 keeps the first
  b.u32(3).str("a").str("missing").str("b").str("x").str("c").str("b");  // c -> b -> x
  b.raw("junk");
  write_bytes(dir.path() / "model.bin", b.bytes);
  const ModelFile m = ModelFile::open(dir.path() / "model.bin");
  ASSERT_EQ(m.variables().size(), 1u);
  EXPECT_EQ(m.scalar(m.get("x")), 5.0);
  EXPECT_EQ(m.duplicate_names(), std::vector<std::string>{"x"});
  EXPECT_EQ(m.find("a"), nullptr);
  EXPECT_EQ(m.dangling_aliases(), std::vector<std::string>{"a"});
  EXPECT_EQ(m.find("b"), m.find("x"));
  EXPECT_EQ(m.find("c"), m.find("x"));
  EXPECT_EQ(m.trailing_bytes(), 4u);
  EXPECT_EQ(m.aliases().size(), 3u);
}

// Runs `load` on another thread and expects it to throw `Expected` well within a few seconds. A
// reader that blocks on the FIFO is woken by opening its write end (then sees end of file), so
// the test reports the hang instead of hanging itself.
template <typename Expected>
void expect_refused_at_once(const std::filesystem::path& fifo, std::function<void()> load) {
  auto done = std::async(std::launch::async, std::move(load));
  if (done.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "loading hung on the FIFO " << fifo;
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) ::close(fd);
  }
  try {
    done.get();
    ADD_FAILURE() << fifo << " was read as if it were a file";
  } catch (const Expected& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

TEST(ModelFileCorrupt, AFifoInTheModelFolderIsRefusedWithoutWaiting) {
  TempDir dir;
  const auto model_bin = dir.path() / "model.bin";
  ASSERT_EQ(::mkfifo(model_bin.c_str(), 0600), 0);
  expect_refused_at_once<IoError>(model_bin, [&] { ModelFile::open(model_bin); });
  std::filesystem::remove(model_bin);

  small_model(dir);
  std::filesystem::rename(dir.path() / "small.bin", model_bin);
  const ModelFile m = ModelFile::open(model_bin);
  for (const char* name : {"config.json", "shared_vocabulary.json"}) {
    const auto fifo = dir.path() / name;
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    expect_refused_at_once<ModelFormatError>(fifo, [&] {
      ModelConfig::load(dir.path(), m);
      Vocabulary::load(dir.path(), "<unk>");
    });
    std::filesystem::remove(fifo);
    write_bytes(fifo, std::string(name) == "config.json"
                          ? R"({"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"})"
                          : R"(["<unk>"])");
  }
  EXPECT_THROW(read_text_file("/dev/zero"), IoError);  // a device never ends either
}

}  // namespace
}  // namespace nmtd
