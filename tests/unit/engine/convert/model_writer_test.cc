// ModelWriter: exact bytes of a small binary-version-6 file, sorting, aliases, and the
// checks on what is added.
#include "engine/convert/model_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/error.h"
#include "unit/engine/model/model_test_util.h"

namespace nmtd {
namespace {

TEST(ModelWriter, WritesExactVersion6Layout) {
  TempDir dir;
  ModelWriter w("TransformerSpec", 7);
  w.add_scalar_i8("b/flag", 1);
  w.add_f32("a/w", {2}, {1.0f, -2.0f});
  w.add_alias("c/alias", "a/w");
  const auto path = dir.path() / "model.bin";
  w.write(path);

  ByteBuilder e;
  e.u32(6).str("TransformerSpec").u32(7).u32(2);
  e.str("a/w").u8(1).u32(2).u8(0).u32(8).f32(1.0f).f32(-2.0f);
  e.str("b/flag").u8(0).u8(1).u32(1).u8(1);
  e.u32(1).str("c/alias").str("a/w");
  EXPECT_EQ(read_bytes(path), e.bytes);
}

TEST(ModelWriter, SortsNamesBytewiseAndAliasesByName) {
  TempDir dir;
  ModelWriter w;
  w.add_scalar_i8("b", 0);
  w.add_scalar_i8("B", 0);  // 'B' (0x42) sorts before 'a' (0x61), as in Python
  w.add_scalar_i8("a", 0);
  w.add_alias("z", "a");
  w.add_alias("y", "a");
  w.write(dir.path() / "m.bin");
  ByteBuilder e;
  e.u32(6).str("TransformerSpec").u32(7).u32(3);
  for (const char* n : {"B", "a", "b"}) e.str(n).u8(0).u8(1).u32(1).u8(0);
  e.u32(2).str("y").str("a").str("z").str("a");
  EXPECT_EQ(read_bytes(dir.path() / "m.bin"), e.bytes);
}

TEST(ModelWriter, AliasDuplicatesPointsEveryCopyAtTheFirstName) {
  ModelWriter w;
  w.add_f32("c", {2}, {1, 2});
  w.add_f32("a", {2}, {1, 2});
  w.add_f32("b", {2}, {1, 2});
  w.add_f32("d", {1, 2}, {1, 2});  // same bytes, other shape: kept
  w.add("e", DType::kI32, {2}, std::vector<std::byte>(8));
  w.add_f32("f", {2}, {0, 0});  // same bytes as e, other dtype: kept
  w.add_scalar_f32("s1", 3);
  w.add_scalar_f32("s2", 3);  // scalars are never aliased
  w.alias_duplicates();
  EXPECT_TRUE(w.has("a"));
  EXPECT_FALSE(w.has("b"));
  EXPECT_FALSE(w.has("c"));
  EXPECT_TRUE(w.has("d"));
  EXPECT_TRUE(w.has("e"));
  EXPECT_TRUE(w.has("f"));
  EXPECT_TRUE(w.has("s1"));
  EXPECT_TRUE(w.has("s2"));
  TempDir dir;
  w.write(dir.path() / "m.bin");
  const auto bytes = read_bytes(dir.path() / "m.bin");
  ByteBuilder tail;
  tail.u32(2).str("b").str("a").str("c").str("a");
  ASSERT_GE(bytes.size(), tail.bytes.size());
  EXPECT_EQ(bytes.substr(bytes.size() - tail.bytes.size()), tail.bytes);
}

TEST(ModelWriter, RejectsInconsistentInput) {
  ModelWriter w;
  EXPECT_THROW(w.add("x", DType::kF32, {3}, std::vector<std::byte>(8)), InvalidArgument);
  EXPECT_THROW(w.add("", DType::kI8, {}, std::vector<std::byte>(1)), InvalidArgument);
  EXPECT_THROW(w.add("x", DType::kI8, {-1}, {}), InvalidArgument);
  EXPECT_THROW(w.add("x", DType::kI8, std::vector<int64_t>(9, 1), std::vector<std::byte>(1)),
               InvalidArgument);
  EXPECT_THROW(w.add("x", DType::kF32, {1 << 30, 4}, {}), InvalidArgument);  // >= 4 GiB
  w.add_scalar_i8("x", 1);
  EXPECT_THROW(w.add_scalar_i8("x", 2), InvalidArgument);
  EXPECT_THROW(w.add_alias("x", "y"), InvalidArgument);
  w.add_alias("y", "x");
  EXPECT_THROW(w.add_alias("y", "x"), InvalidArgument);
  EXPECT_THROW(w.add_scalar_i8("y", 2), InvalidArgument);
}

TEST(ModelWriter, WriteIsAtomicAndLeavesNoTemporaryFile) {
  TempDir dir;
  const auto path = dir.path() / "model.bin";
  { std::ofstream(path) << "old"; }
  ModelWriter w;
  w.add_scalar_i8("x", 1);
  w.write(path);
  EXPECT_NE(read_bytes(path), "old");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);
  EXPECT_THROW(w.write(dir.path() / "no-such-dir" / "model.bin"), IoError);
}

}  // namespace
}  // namespace nmtd
