// Properties over random and large inputs: split never throws on valid UTF-8, always
// round-trips, always respects the piece bound, and stays linear.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "common/error.h"
#include "text_split/text_split.h"

namespace nmtd::text_split {
namespace {

using testing::keeps_invariants;

// Letters of several scripts, spaces of several kinds, every line break, sentence punctuation,
// combining marks, ZWJ emoji parts and flags, so that random strings hit every rule.
const std::vector<std::string> kAlphabet = {"a",
                                            "b",
                                            "Z",
                                            "e",
                                            " ",
                                            " ",
                                            " ",
                                            "\t",
                                            ".",
                                            ".",
                                            "!",
                                            "?",
                                            ",",
                                            "\"",
                                            "'",
                                            "(",
                                            ")",
                                            "\n",
                                            "\r\n",
                                            "\r",
                                            "\v",
                                            "\f",
                                            "\xC2\x85",
                                            "\xE2\x80\xA8",
                                            "\xE2\x80\xA9",
                                            "\xC2\xA0",
                                            "\xE3\x80\x80",
                                            "\xCC\x81",
                                            "\xE2\x80\x8D",
                                            "\xF0\x9F\x91\xA8",
                                            "\xF0\x9F\x87\xAF",
                                            "日",
                                            "本",
                                            "。",
                                            "！",
                                            "？",
                                            "ก",
                                            "ไ",
                                            "ม",
                                            "่",
                                            "ع",
                                            "ل",
                                            "؟",
                                            "Я",
                                            "ё",
                                            "Dr.",
                                            "e.g.",
                                            "...",
                                            "0",
                                            "9",
                                            "-",
                                            "/",
                                            "\xEF\xBB\xBF"};

std::string random_text(std::mt19937& rng, std::size_t tokens) {
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string s;
  for (std::size_t i = 0; i < tokens; ++i) s += kAlphabet[pick(rng)];
  return s;
}

TEST(TextSplitFuzz, RandomTextsRoundTripWithinBound) {
  std::mt19937 rng(20240611);
  const char* languages[] = {"", "en", "ja", "th", "ar", "zh-Hant", "ru"};
  for (std::size_t max_piece : {4, 7, 16, 64, 1000}) {
    SplitOptions options;
    options.max_piece_bytes = max_piece;
    const Splitter splitter(options);
    for (int round = 0; round < 400; ++round) {
      const std::string text = random_text(rng, rng() % 300);
      const char* language = languages[rng() % std::size(languages)];
      SplitText s;
      ASSERT_NO_THROW(s = splitter.split(text, language)) << text;
      ASSERT_TRUE(keeps_invariants(s, text, max_piece)) << "language " << language;
    }
  }
}

TEST(TextSplitFuzz, LargeTextIsFastAndBounded) {
  std::string paragraph =
      "The quick brown fox jumps over the lazy dog. Dr. Smith said \"Hello!\" twice... "
      "素早い茶色の狐が怠け者の犬を飛び越えた。本当に？ ";
  std::string text;
  while (text.size() < 200 * 1024) {
    text += paragraph;
    if (text.size() % 7 == 0) text += "\r\n";
    if (text.size() % 5 == 0) text += "\n\n  ";
  }
  const Splitter splitter;
  const auto start = std::chrono::steady_clock::now();
  const SplitText s = splitter.split(text, "en");
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(keeps_invariants(s, text, splitter.options().max_piece_bytes));
  EXPECT_GT(s.pieces().size(), 1000u);
  EXPECT_LT(s.unique_pieces().texts.size(), 20u);  // the paragraph's few sentences
  std::printf("200 KB: %zu pieces in %.1f ms\n", s.pieces().size(), ms);
  EXPECT_LT(ms, 2000.0);  // generous for sanitizer builds; Release takes a few ms
}

TEST(TextSplitFuzz, HugeWordFallsBackToCharacters) {
  std::string word;
  while (word.size() < 10 * 1024) word += "abcé";
  const Splitter splitter;
  const SplitText s = splitter.split(word);
  EXPECT_TRUE(keeps_invariants(s, word, 1000));
  EXPECT_EQ(s.pieces().size(), 11u);
  for (std::size_t i = 1; i + 1 < s.separators().size(); ++i) {
    EXPECT_EQ(s.separators()[i], "");
    EXPECT_EQ(s.gap_kinds()[i], GapKind::kWrap);
  }
}

TEST(TextSplitFuzz, OneMegabyteWordStaysLinear) {
  // A quadratic cutter would rescan the rest of the word for every piece.
  SplitOptions options;
  options.max_piece_bytes = 100;
  const std::string word(options.max_text_bytes, 'x');
  const Splitter splitter(options);
  const auto start = std::chrono::steady_clock::now();
  const SplitText s = splitter.split(word);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(s.pieces().size(), word.size() / 100 + 1);
  EXPECT_EQ(s.join(s.pieces()), word);
  std::printf("1 MiB word: %zu pieces in %.1f ms\n", s.pieces().size(), ms);
  EXPECT_LT(ms, 5000.0);
}

TEST(TextSplitFuzz, OneSplitterServesManyThreads) {
  const Splitter splitter;
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      const char* languages[] = {"en", "ja", "th", "fra_Latn"};
      for (int i = 0; i < 200; ++i) {
        const std::string text = random_text(rng, rng() % 200);
        const SplitText s = splitter.split(text, languages[(t + i) % 4]);
        if (s.join(s.pieces()) != text) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace nmtd::text_split
