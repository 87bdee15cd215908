#include "common/printable.h"

#include <gtest/gtest.h>

namespace nmtd {
namespace {

TEST(Printable, KeepsPrintableUtf8AndEscapesEverythingElse) {
  EXPECT_EQ(printable("decoder/layer_0"), "decoder/layer_0");
  EXPECT_EQ(printable("\xe2\x96\x81"
                      "d caf\xc3\xa9"),
            "\xe2\x96\x81"
            "d caf\xc3\xa9");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x1b[2J\t\n\x7f"), "\\x1b[2J\\x09\\x0a\\x7f");
  EXPECT_EQ(printable("\xff\xc3"), "\\xff\\xc3");  // invalid and truncated UTF-8
  EXPECT_EQ(printable("\xc2\x85"), "\\xc2\\x85");  // a C1 control (NEL)
  EXPECT_EQ(printable("a\\x00"), "a\\\\x00");      // a literal backslash stays unambiguous
  EXPECT_EQ(printable(""), "");
}

}  // namespace
}  // namespace nmtd
