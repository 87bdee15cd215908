// The one language table (src/lang/) is what the engine's vocabulary layout, every API's codes
// and detection read: these checks keep it consistent, so that a row added or edited cannot
// give two languages one name or leave a language unreachable by its own codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "lang/languages.h"

namespace nmtd::lang {
namespace {

// Whether `text` is letters of the given cases, in order: 'a' a lowercase ASCII letter, 'A' an
// uppercase one, anything else itself. (No std::regex: GCC 12 warns inside it under ASan.)
bool has_shape(std::string_view text, std::string_view shape) {
  if (text.size() != shape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool ok = shape[i] == 'a'   ? (c >= 'a' && c <= 'z')
                    : shape[i] == 'A' ? (c >= 'A' && c <= 'Z')
                                      : c == shape[i];
    if (!ok) return false;
  }
  return true;
}

TEST(LanguageTable, HasEveryNllbCodeOnceInTheVocabularyOrder) {
  ASSERT_EQ(all_languages().size(), kNllbLanguageCount);
  ASSERT_EQ(nllb_codes().size(), kNllbLanguageCount);
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < kNllbLanguageCount; ++i) {
    const LanguageInfo& info = all_languages()[i];
    EXPECT_EQ(info.code, nllb_codes()[i]);
    EXPECT_EQ(info.index, i);
    EXPECT_TRUE(seen.insert(info.code).second) << info.code << " twice";
    EXPECT_TRUE(has_shape(info.code, "aaa_Aaaa")) << info.code;
    EXPECT_EQ(std::string(info.code), std::string(info.iso639_3) + "_" + std::string(info.script));
    EXPECT_FALSE(info.english_name.empty()) << info.code;
  }
  // The ends of NLLB's list, as its vocabulary has them (fairseq's FAIRSEQ_LANGUAGE_CODES).
  EXPECT_EQ(nllb_codes().front(), "ace_Arab");
  EXPECT_EQ(nllb_codes()[46], "eng_Latn");
  EXPECT_EQ(nllb_codes().back(), "zul_Latn");
}

TEST(LanguageTable, IsNllbCodeTakesExactlyTheModelsTokens) {
  for (const auto code : nllb_codes()) EXPECT_TRUE(is_nllb_code(code)) << code;
  // The registry resolves these; the vocabulary has no such tokens.
  for (const std::string_view other : {"eng_latn", "ENG_Latn", "en", "eng", "eng-Latn", ""})
    EXPECT_FALSE(is_nllb_code(other)) << other;
}

TEST(LanguageTable, EveryCodeOfARowLeadsBackToIt) {
  for (const LanguageInfo& info : all_languages()) {
    const std::string code(info.code);
    const std::string script(info.script);
    EXPECT_EQ(find_language(code), &info) << code;
    EXPECT_EQ(find_language(info.tag), &info) << code << " shown as " << info.tag;
    EXPECT_EQ(find_language(std::string(info.iso639_3) + "-" + script), &info) << code;
    if (!info.iso639_1.empty()) {
      EXPECT_TRUE(has_shape(info.iso639_1, "aa")) << code;
      EXPECT_EQ(find_language(std::string(info.iso639_1) + "-" + script), &info) << code;
      // A bare ISO 639-1 code may be shared by scripts; it leads to a row that carries it.
      const LanguageInfo* bare = find_language(info.iso639_1);
      ASSERT_NE(bare, nullptr) << code;
      EXPECT_EQ(bare->iso639_1, info.iso639_1) << code;
    }
    for (const auto alias : info.aliases) {
      const LanguageInfo* found = find_language(alias);
      ASSERT_NE(found, nullptr) << code << " alias " << alias;
      // A tag alias ("zh-TW") names its row; a bare one ("chi") may name the script default.
      if (alias.find('-') != std::string_view::npos) {
        EXPECT_EQ(found, &info) << code << " alias " << alias;
      } else {
        // Shared by rows (az: azj_Latn, azb_Arab): it leads to one that carries it too.
        const bool carries =
            found->iso639_1 == alias || found->iso639_3 == alias ||
            std::find(found->aliases.begin(), found->aliases.end(), alias) != found->aliases.end();
        EXPECT_TRUE(carries) << code << " alias " << alias << " -> " << found->code;
      }
    }
  }
}

TEST(LanguageTable, ShownTagsAreDistinct) {
  std::set<std::string> tags;
  for (const LanguageInfo& info : all_languages())
    EXPECT_TRUE(tags.insert(info.tag).second) << info.tag << " shown for two languages";
}

}  // namespace
}  // namespace nmtd::lang
