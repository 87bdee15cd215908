// The engine's vocabulary layout takes its language tokens from the one language table
// (src/lang/): every language token the tokenizer may meet is a row of it, in the same place.
#include <gtest/gtest.h>

#include "engine/text/nllb_vocab_builder.h"
#include "lang/languages.h"

namespace nmtd {
namespace {

TEST(NllbVocabularyLanguages, AreTheTablesCodesInItsOrder) {
  // SentencePiece's first three pieces (<unk>, <s>, </s>) are replaced by fairseq's specials.
  const std::vector<std::string> pieces = {"<unk>", "<s>", "</s>",
                                           "\xe2\x96\x81"
                                           "a",
                                           "b"};
  const auto size = nllb_vocabulary_min_size(pieces.size());
  const auto tokens = build_nllb_vocabulary(pieces, {}, size);
  ASSERT_EQ(tokens.size(), static_cast<std::size_t>(size));
  const std::size_t first = 4 + pieces.size() - 3;
  for (std::size_t i = 0; i < lang::kNllbLanguageCount; ++i) {
    const std::string& token = tokens[first + i];
    EXPECT_TRUE(lang::is_nllb_code(token)) << token;
    const lang::LanguageInfo* info = lang::find_language(token);
    ASSERT_NE(info, nullptr) << token;
    EXPECT_EQ(info->index, i) << token;
  }
  EXPECT_EQ(tokens[first + lang::kNllbLanguageCount], "<mask>");
  EXPECT_FALSE(lang::is_nllb_code(tokens[first - 1]));
}

}  // namespace
}  // namespace nmtd
