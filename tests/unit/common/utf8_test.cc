#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace nmtd {
namespace {

TEST(Utf8, AcceptsEveryWellFormedLength) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("\xc3\xa9t\xc3\xa9"));         // é
  EXPECT_TRUE(valid_utf8("\xe6\x97\xa5\xe6\x9c\xac"));  // 日本
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x98\x80 end"));      // U+1F600
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));          // U+10FFFF, the last code point
}

TEST(Utf8, NamesTheOffsetOfTheFirstBadSequence) {
  EXPECT_EQ(first_invalid_utf8("ab\xff"), 2u);                          // never a UTF-8 byte
  EXPECT_EQ(first_invalid_utf8("abc\xe6\x97"), 3u);                     // truncated at the end
  EXPECT_EQ(first_invalid_utf8("\xc0\xaf"), 0u);                        // overlong '/'
  EXPECT_EQ(first_invalid_utf8("x\xed\xa0\x80"), 1u);                   // UTF-16 surrogate
  EXPECT_EQ(first_invalid_utf8("\xf4\x90\x80\x80"), 0u);                // past U+10FFFF
  EXPECT_EQ(first_invalid_utf8("ok\xc3(x"), 2u);                        // continuation byte missing
  EXPECT_EQ(first_invalid_utf8(std::string("a\0b", 3)), std::nullopt);  // NUL is valid
}

TEST(Utf8, ReplacesBadBytesAndCutsOnCharacterBoundaries) {
  EXPECT_EQ(to_valid_utf8("plain"), "plain");
  EXPECT_EQ(to_valid_utf8("a\xff\xfe"), "a\xef\xbf\xbd\xef\xbf\xbd");  // two U+FFFD
  EXPECT_EQ(to_valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");    // overlong: each byte
  EXPECT_EQ(to_valid_utf8("ab\xc3\xa9", 3), "ab");                     // é not cut in half
  EXPECT_EQ(to_valid_utf8("ab\xc3\xa9", 4), "ab\xc3\xa9");
  EXPECT_EQ(to_valid_utf8("ab\xff", 4), "ab");  // a replacement that does not fit is left out
  EXPECT_TRUE(valid_utf8(to_valid_utf8("\xe6\x97\xa5\xe6", 200)));
}

TEST(Utf8, TellsTextsOfOnlyWhitespace) {
  EXPECT_TRUE(only_whitespace(""));
  EXPECT_TRUE(only_whitespace(" \t\r\n\v\f"));
  EXPECT_TRUE(only_whitespace("\xc2\xa0\xe3\x80\x80\xe2\x80\xa8"));  // NBSP, U+3000, U+2028
  EXPECT_FALSE(only_whitespace(" a "));
  EXPECT_FALSE(only_whitespace("\xe2\x80\x8b"));  // zero-width space is not White_Space
  EXPECT_FALSE(only_whitespace(" \xff"));
}

}  // namespace
}  // namespace nmtd
