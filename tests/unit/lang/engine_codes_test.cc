// The engine's vocabulary layout (src/engine/text/languages.cc) lists the NLLB codes in the
// model's order; the registry must list exactly the same codes in the same order, or a code
// the APIs accept would not be a token the model knows.
//
// test_lang links only nmtd_lang, so the engine's one source file with that list is compiled in
// here rather than linking the whole engine.
#include <gtest/gtest.h>

#include "engine/text/languages.cc"  // NOLINT(bugprone-suspicious-include)
#include "lang/languages.h"

namespace nmtd::lang {
namespace {

TEST(EngineCodes, AreTheRegistrysInTheSameOrder) {
  const auto engine = nmtd::nllb_language_codes();
  const auto ours = nllb_codes();
  ASSERT_EQ(engine.size(), ours.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(engine[i], ours[i]) << "at vocabulary position " << i;
    EXPECT_EQ(all_languages()[i].code, ours[i]);
    EXPECT_EQ(all_languages()[i].index, i);
  }
}

}  // namespace
}  // namespace nmtd::lang
