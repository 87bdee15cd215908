#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "check.h"
#include "common/error.h"
#include "text_split/text_split.h"

namespace nmtd::text_split {
namespace {

using testing::keeps_invariants;
using Strings = std::vector<std::string>;

SplitText split_checked(std::string_view text, std::string_view language = {},
                        std::size_t max_piece = 1000) {
  SplitOptions options;
  options.max_piece_bytes = max_piece;
  SplitText s = split(text, options, language);
  EXPECT_TRUE(keeps_invariants(s, text, max_piece));
  return s;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  });
  return s;
}

TEST(TextSplit, PlainSentences) {
  const SplitText s = split_checked("Hello world. How are you? I am fine!", "en");
  EXPECT_EQ(s.pieces(), (Strings{"Hello world.", "How are you?", "I am fine!"}));
  EXPECT_EQ(s.separators(), (Strings{"", " ", " ", ""}));
  EXPECT_EQ(s.gap_kinds()[1], GapKind::kSentence);
}

TEST(TextSplit, AbbreviationsDoNotEndSentences) {
  const SplitText s =
      split_checked("I met Dr. Smith and Mr. Jones, e.g. at home. Then we left.", "eng_Latn");
  EXPECT_EQ(s.pieces(), (Strings{"I met Dr. Smith and Mr. Jones, e.g. at home.", "Then we left."}));
}

TEST(TextSplit, QuotesAndEllipsis) {
  const SplitText s = split_checked("He said \"Stop!\" Then... he left. Wait... What?", "en");
  EXPECT_EQ(s.pieces(), (Strings{"He said \"Stop!\"", "Then... he left.", "Wait...", "What?"}));
}

TEST(TextSplit, LineBreaksAreKeptExactly) {
  const std::string text =
      "One.\r\nTwo.\rThree.\n\nFour.\xE2\x80\xA8"
      "Five.\xE2\x80\xA9Six.";
  const SplitText s = split_checked(text);
  EXPECT_EQ(s.pieces(), (Strings{"One.", "Two.", "Three.", "Four.", "Five.", "Six."}));
  EXPECT_EQ(s.separators()[1], "\r\n");
  EXPECT_EQ(s.separators()[2], "\r");
  EXPECT_EQ(s.separators()[3], "\n\n");
  for (std::size_t i = 1; i < 6; ++i) EXPECT_EQ(s.gap_kinds()[i], GapKind::kLine);
}

TEST(TextSplit, BlankAndWhitespaceLinesAreSeparatorsOnly) {
  const SplitText s = split_checked("\n \t \n  Title  \n\n\t- item one\t\n   \n");
  EXPECT_EQ(s.pieces(), (Strings{"Title", "- item one"}));
  EXPECT_EQ(s.separators(), (Strings{"\n \t \n  ", "  \n\n\t", "\t\n   \n"}));
}

TEST(TextSplit, EmptyAndWhitespaceOnlyTexts) {
  for (std::string_view text : {"", " ", "\n", "\r\n\r\n", " \t\xE3\x80\x80\xC2\xA0 "}) {
    const SplitText s = split_checked(text);
    EXPECT_TRUE(s.pieces().empty());
    EXPECT_EQ(s.join({}), text);
  }
}

TEST(TextSplit, UiLabelKeepsPadding) {
  const SplitText s = split_checked("   Start Game   ");
  EXPECT_EQ(s.pieces(), (Strings{"Start Game"}));
  EXPECT_EQ(s.join({"Jeu"}), "   Jeu   ");
}

TEST(TextSplit, JapaneseAndChineseWithoutSpaces) {
  const SplitText ja = split_checked("こんにちは。元気ですか？はい！ありがとう", "jpn_Jpan");
  EXPECT_EQ(ja.pieces(), (Strings{"こんにちは。", "元気ですか？", "はい！", "ありがとう"}));
  EXPECT_EQ(ja.separators(), (Strings{"", "", "", "", ""}));
  const SplitText zh = split_checked("你好。你今天好吗？我很好！", "zh-Hans");
  EXPECT_EQ(zh.pieces(), (Strings{"你好。", "你今天好吗？", "我很好！"}));
}

TEST(TextSplit, SentenceSpacingForTheTarget) {
  const SplitText ja = split_checked("はい。いいえ。\nまた", "ja");
  const Strings en = {"Yes.", "No.", "Again"};
  EXPECT_EQ(ja.join(en), "Yes.No.\nAgain");
  EXPECT_EQ(ja.join(en, SentenceSpacing::kSpace), "Yes. No.\nAgain");
  const SplitText eng = split_checked("  Yes.  No.\nAgain", "en");
  const Strings jp = {"はい。", "いいえ。", "また"};
  EXPECT_EQ(eng.join(jp), "  はい。  いいえ。\nまた");
  EXPECT_EQ(eng.join(jp, SentenceSpacing::kNone), "  はい。いいえ。\nまた");  // layout stays
  EXPECT_EQ(eng.join(jp, SentenceSpacing::kSpace), "  はい。  いいえ。\nまた");
}

TEST(TextSplit, ThaiLongSentenceCutsAtWords) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "สวัสดีครับวันนี้อากาศดีมาก";
  const SplitText s = split_checked(text, "th", 120);
  ASSERT_GT(s.pieces().size(), 5u);
  // Cut at dictionary word boundaries: every piece ends where a word ends.
  for (const std::string& p : s.pieces()) {
    EXPECT_TRUE(p.ends_with("ครับ") || p.ends_with("มาก") || p.ends_with("ดี") || p.ends_with("วัน") ||
                p.ends_with("นี้") || p.ends_with("อากาศ") || p.ends_with("สวัสดี"))
        << p;
  }
}

TEST(TextSplit, ArabicAndMixedScripts) {
  const SplitText ar = split_checked("مرحبا بالعالم. كيف حالك؟ أنا بخير!", "ar");
  EXPECT_EQ(ar.pieces(), (Strings{"مرحبا بالعالم.", "كيف حالك؟", "أنا بخير!"}));
  const SplitText mixed = split_checked("Press [A] to 開始。 Ура! Готово.\tΤέλος.");
  EXPECT_EQ(mixed.pieces(), (Strings{"Press [A] to 開始。", "Ура!", "Готово.", "Τέλος."}));
}

TEST(TextSplit, LongSentenceCutsAtWordsWithinBound) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "lorem ipsum dolor, ";
  text += "end.";
  const SplitText s = split_checked(text, "en", 64);
  ASSERT_GT(s.pieces().size(), 10u);
  for (std::size_t i = 1; i + 1 < s.separators().size(); ++i) {
    EXPECT_EQ(s.separators()[i], " ");
    EXPECT_EQ(s.gap_kinds()[i], GapKind::kWrap);
  }
}

TEST(TextSplit, EmojiAndCombiningMarksStayWhole) {
  const std::string family =
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  const std::string e_acute = "e\xCC\x81";  // e + combining acute
  for (const std::string& unit :
       {family, e_acute, std::string("\xF0\x9F\x87\xAF\xF0\x9F\x87\xB5")}) {
    std::string word;
    while (word.size() < 300) word += unit;
    const SplitText s = split_checked(word, {}, 40);
    for (const std::string& p : s.pieces()) {
      EXPECT_EQ(p.size() % unit.size(), 0u) << "a grapheme was cut";
      EXPECT_TRUE(p.starts_with(unit));
    }
  }
}

TEST(TextSplit, GraphemeLongerThanBoundIsCutAtCodePoints) {
  std::string zalgo = "a";
  for (int i = 0; i < 100; ++i) zalgo += "\xCC\x81";
  const SplitText s = split_checked(zalgo, {}, 16);
  EXPECT_GT(s.pieces().size(), 10u);
}

TEST(TextSplit, JoinKeepsLayoutWithFakeTranslations) {
  const std::string text = "  Title\r\n\r\nFirst one. Second one!\n\t- item\t\n";
  const SplitText s = split_checked(text, "en");
  Strings translated;
  for (const std::string& p : s.pieces()) translated.push_back(upper(p));
  EXPECT_EQ(s.join(translated), "  TITLE\r\n\r\nFIRST ONE. SECOND ONE!\n\t- ITEM\t\n");
  EXPECT_THROW(s.join({"x"}), std::invalid_argument);
}

TEST(TextSplit, RepeatedPiecesAreTranslatedOnce) {
  const SplitText s = split_checked("OK\nCancel\nOK\n  OK  \nCancel. OK.", "en");
  const UniquePieces u = s.unique_pieces();
  EXPECT_EQ(u.texts, (Strings{"OK", "Cancel", "Cancel.", "OK."}));
  EXPECT_EQ(u.text_of_piece, (std::vector<std::size_t>{0, 1, 0, 0, 2, 3}));
  const Strings back = u.expand({"D'accord", "Annuler", "Annuler.", "D'accord."});
  EXPECT_EQ(s.join(back), "D'accord\nAnnuler\nD'accord\n  D'accord  \nAnnuler. D'accord.");
  EXPECT_THROW(u.expand({"x"}), std::invalid_argument);
}

TEST(TextSplit, InvalidUtf8IsRefused) {
  try {
    split("ok \xC3\x28 bad", SplitOptions{});
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "text is not valid UTF-8 (at byte 3)");
  }
  EXPECT_THROW(split("\xED\xA0\x80", SplitOptions{}), InvalidArgument);  // a surrogate
  EXPECT_THROW(split("\xC0\xAF", SplitOptions{}), InvalidArgument);      // overlong
}

TEST(TextSplit, OverLimitIsRefusedNamingTheLimit) {
  SplitOptions options;
  options.max_text_bytes = 100;
  EXPECT_NO_THROW(split(std::string(100, 'a'), options));
  try {
    split(std::string(101, 'a'), options);
    FAIL() << "no exception";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "text is 101 bytes, over the limit of 100 bytes (max_text_bytes)");
  }
}

TEST(TextSplit, PieceBoundBelowOneCodePointIsRefused) {
  SplitOptions options;
  options.max_piece_bytes = 3;
  EXPECT_THROW(Splitter{options}, InvalidArgument);
  EXPECT_THROW(split("abc", options), InvalidArgument);
}

TEST(TextSplit, UnknownLanguageHintFallsBackToRootRules) {
  const Splitter splitter;
  for (std::string_view hint : {"", "xx", "not a tag!!", "zzz_Zzzz", "ja"}) {
    const SplitText s = splitter.split("One. Two.", hint);
    EXPECT_EQ(s.pieces(), (Strings{"One.", "Two."})) << hint;
  }
}

}  // namespace
}  // namespace nmtd::text_split
