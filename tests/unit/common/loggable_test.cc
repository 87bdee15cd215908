#include "common/loggable.h"

#include <gtest/gtest.h>

#include <string>

namespace nmtd {
namespace {

TEST(Loggable, ControlCharactersBecomeVisibleEscapes) {
  EXPECT_EQ(loggable("evil\nFORGED\r\x1b[31m"), "evil\\x0aFORGED\\x0d\\x1b[31m");
  EXPECT_EQ(loggable(std::string("a\0b\x7f", 4)), "a\\x00b\\x7f");
  EXPECT_EQ(loggable("back\\slash"), "back\\x5cslash");  // an escape in a log line is ours
  EXPECT_EQ(loggable("\xc2\x9b"
                     "2J and \xe2\x80\xa8"),
            "\\u009b2J and \\u2028");  // C1 CSI, LS
}

TEST(Loggable, KeepsUtf8AndEscapesBytesThatAreNot) {
  EXPECT_EQ(loggable("caf\xc3\xa9 \xe6\x97\xa5"), "caf\xc3\xa9 \xe6\x97\xa5");
  EXPECT_EQ(loggable("id\xff\xfe"), "id\\xff\\xfe");
  EXPECT_EQ(loggable("\xc0\xaf"), "\\xc0\\xaf");
}

TEST(Loggable, CutsLongText) {
  EXPECT_EQ(loggable(std::string(300, 'a'), 10), std::string(10, 'a') + "...");
  EXPECT_EQ(loggable("short", 10), "short");
}

}  // namespace
}  // namespace nmtd
