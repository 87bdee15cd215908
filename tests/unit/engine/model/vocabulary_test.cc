// Vocabulary: the fixture's shared_vocabulary.json, JSON and TXT edge cases, file
// selection, and a writer that matches Python's json.dump byte for byte.
#include "engine/model/vocabulary.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "engine/model/model_file_util.h"
#include "model_test_util.h"

namespace nmtd {
namespace {

const std::filesystem::path kFloat32 =
    std::filesystem::path(NMTD_TEST_DATA) / "tiny-nllb-s1" / "ct2-float32";

TEST(Vocabulary, LoadsTheFixtureLayout) {
  const Vocabulary v = Vocabulary::load(kFloat32, "<unk>");
  ASSERT_EQ(v.size(), 2204u);
  EXPECT_EQ(v.to_token(0), "<s>");
  EXPECT_EQ(v.to_token(1), "<pad>");
  EXPECT_EQ(v.to_token(2), "</s>");
  EXPECT_EQ(v.unk_id(), 3);
  EXPECT_EQ(v.to_token(6),
            "\xe2\x96\x81"
            "d");  // "\u2581d" in the file
  EXPECT_EQ(v.find("ace_Arab"), 2001);
  EXPECT_EQ(v.find("zul_Latn"), 2202);
  EXPECT_EQ(v.to_id("<mask>"), 2203);
  EXPECT_EQ(v.to_id("no such token"), 3);
  EXPECT_EQ(v.find("no such token"), -1);
  EXPECT_THROW(v.to_token(2204), InvalidArgument);
  EXPECT_THROW(v.to_token(-1), InvalidArgument);
}

TEST(Vocabulary, SaveJsonReproducesTheFixtureFile) {
  const Vocabulary v = Vocabulary::load(kFloat32, "<unk>");
  TempDir dir;
  Vocabulary::save_json(dir.path() / "shared_vocabulary.json", v.tokens());
  EXPECT_TRUE(read_bytes(dir.path() / "shared_vocabulary.json") ==
              read_bytes(kFloat32 / "shared_vocabulary.json"));
}

TEST(Vocabulary, SaveJsonEscapesLikePython) {
  // Expected text produced by Python 3: json.dumps(tokens, indent=2).
  const std::vector<std::string> tokens = {"a\"b",
                                           "back\\slash",
                                           "\n\r\t\b\f",
                                           std::string("\0\x01\x1f\x7f", 4),
                                           "/",
                                           "\xc3\xa9\xe2\x96\x81",
                                           "\xf0\x9f\x98\x80",
                                           "\xe2\x80\xa8",
                                           "\xe6\x97\xa5\xe6\x9c\xac"};
  const std::string expected =
      "[\n  \"a\\\"b\",\n  \"back\\\\slash\",\n  \"\\n\\r\\t\\b\\f\",\n"
      "  \"\\u0000\\u0001\\u001f\\u007f\",\n  \"/\",\n  \"\\u00e9\\u2581\",\n"
      "  \"\\ud83d\\ude00\",\n  \"\\u2028\",\n  \"\\u65e5\\u672c\"\n]";
  TempDir dir;
  Vocabulary::save_json(dir.path() / "v.json", tokens);
  EXPECT_EQ(read_bytes(dir.path() / "v.json"), expected);
  // And the reader decodes it back, surrogate pair included.
  EXPECT_EQ(Vocabulary::parse_json(expected, "v.json"), tokens);
  Vocabulary::save_json(dir.path() / "empty.json", {});
  EXPECT_EQ(read_bytes(dir.path() / "empty.json"), "[]");
  EXPECT_THROW(Vocabulary::save_json(dir.path() / "bad.json", {"ok", "\xff"}), InvalidArgument);
}

TEST(Vocabulary, TxtLineRules) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Vocabulary::parse_txt(""), V{});
  EXPECT_EQ(Vocabulary::parse_txt("a\nb\n"), (V{"a", "b"}));        // final newline: no token
  EXPECT_EQ(Vocabulary::parse_txt("a\nb"), (V{"a", "b"}));          // no final newline
  EXPECT_EQ(Vocabulary::parse_txt("a\n\nb\n"), (V{"a", "", "b"}));  // empty token kept
  EXPECT_EQ(Vocabulary::parse_txt("\n"), (V{""}));
  EXPECT_EQ(Vocabulary::parse_txt("a\r\nb\r\n"), (V{"a", "b"}));  // CRLF file
  EXPECT_EQ(Vocabulary::parse_txt("a\r\nb\n"), (V{"a\r", "b"}));  // not every line: kept
  EXPECT_EQ(Vocabulary::parse_txt("a\r\n\r\n"), (V{"a", ""}));
  EXPECT_EQ(Vocabulary::parse_txt("a\r\n\n"), (V{"a\r", ""}));  // an empty line has no \r
  EXPECT_EQ(Vocabulary::parse_txt("\xe2\x96\x81x\n"), (V{"\xe2\x96\x81x"}));
}

TEST(Vocabulary, JsonErrorsNameTheFile) {
  for (const char* bad : {"", "{}", "[1]", "[\"a\", null]", "[\"a\"", "[\"\\ud800\"]"}) {
    try {
      Vocabulary::parse_json(bad, "/m/shared_vocabulary.json");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const ModelFormatError& e) {
      EXPECT_NE(std::string(e.what()).find("/m/shared_vocabulary.json"), std::string::npos);
    }
  }
}

TEST(Vocabulary, DuplicatesAndUnk) {
  const Vocabulary v({"a", "b", "a", "c"}, "<unk>");
  EXPECT_EQ(v.size(), 5u);    // unk appended
  EXPECT_EQ(v.find("a"), 0);  // the first occurrence wins
  EXPECT_EQ(v.to_token(2), "a");
  EXPECT_EQ(v.unk_id(), 4);
  EXPECT_EQ(v.to_token(4), "<unk>");
  const Vocabulary w({"<unk>", "x"}, "<unk>");
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(w.unk_id(), 0);
  const Vocabulary e({}, "<unk>");
  EXPECT_EQ(e.size(), 1u);
}

TEST(Vocabulary, FileSelection) {
  TempDir dir;
  const auto& d = dir.path();
  try {
    Vocabulary::load(d, "<unk>");
    ADD_FAILURE() << "no vocabulary accepted";
  } catch (const ModelFormatError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(d.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("shared_vocabulary.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("target_vocabulary.txt"), std::string::npos) << msg;
  }
  EXPECT_THROW(Vocabulary::load(d / "missing", "<unk>"), ModelFormatError);
  write_bytes(d / "source_vocabulary.txt", "s1\ns2\n");
  write_bytes(d / "target_vocabulary.txt", "t1\nt2\n<unk>\n");
  EXPECT_EQ(Vocabulary::load(d, "<unk>").to_token(0), "t1");  // separate files: the target
  write_bytes(d / "shared_vocabulary.txt", "x\r\ny\r\n");
  EXPECT_EQ(Vocabulary::load(d, "<unk>").tokens(), (std::vector<std::string>{"x", "y", "<unk>"}));
  write_bytes(d / "shared_vocabulary.json", "[\"j\", \"<unk>\"]");  // JSON wins over TXT
  EXPECT_EQ(Vocabulary::load(d, "<unk>").size(), 2u);
  write_bytes(d / "shared_vocabulary.json", "[\"j\", 3]");
  EXPECT_THROW(Vocabulary::load(d, "<unk>"), ModelFormatError);
}

TEST(ModelFileUtil, PythonFloatRepr) {
  EXPECT_EQ(python_float_repr(1e-5), "1e-05");
  EXPECT_EQ(python_float_repr(1e-6), "1e-06");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(123.0), "123.0");
  EXPECT_EQ(python_float_repr(1.5), "1.5");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float_repr(0.1), "0.1");
  EXPECT_EQ(python_float_repr(2.5e-07), "2.5e-07");
  EXPECT_EQ(python_float_repr(-0.5), "-0.5");
}

}  // namespace
}  // namespace nmtd
