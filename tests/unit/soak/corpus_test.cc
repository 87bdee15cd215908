#include "soak/corpus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/utf8.h"

namespace nmtd::soak {
namespace {

using ::testing::HasSubstr;

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  while (!s.empty()) {
    const auto c = decode_utf8_char(s);
    if (c.length == 0) return static_cast<std::size_t>(-1);
    s.remove_prefix(c.length);
    ++n;
  }
  return n;
}

bool is_space_byte(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// The message parse() throws for `tsv`, or "" when it does not throw.
std::string parse_error(std::string_view tsv) {
  try {
    Corpus::parse(tsv);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

// The kind of the corpus line with this language and text.
std::string kind_of(const Corpus& corpus, const TextSample& sample) {
  for (const CorpusLine& line : corpus.lines()) {
    if (line.language == sample.language && line.text == sample.text) return line.kind;
  }
  return "";
}

TEST(SoakCorpus, EmbeddedCorpusHasManyLanguagesAndEveryKind) {
  const Corpus& corpus = Corpus::embedded();
  EXPECT_GE(corpus.lines().size(), 250u);
  const auto languages = corpus.languages();
  EXPECT_GE(languages.size(), 12u);
  EXPECT_TRUE(std::is_sorted(languages.begin(), languages.end()));

  // Codes that the language registry knows and that have an ISO 639-1 code (the LibreTranslate
  // API takes those).
  const std::set<std::string> allowed{"eng_Latn", "jpn_Jpan", "zho_Hans", "kor_Hang", "rus_Cyrl",
                                      "arb_Arab", "hin_Deva", "tha_Thai", "deu_Latn", "fra_Latn",
                                      "spa_Latn", "vie_Latn", "ukr_Cyrl", "ell_Grek", "heb_Hebr"};
  std::map<std::string, std::size_t> per_language;
  std::map<std::string, std::size_t> per_kind;
  for (const CorpusLine& line : corpus.lines()) {
    EXPECT_TRUE(allowed.contains(line.language)) << line.language;
    ++per_language[line.language];
    ++per_kind[line.kind];
    EXPECT_TRUE(valid_utf8(line.text)) << line.text;
    EXPECT_EQ(line.text.find('\t'), std::string::npos) << line.text;
    EXPECT_FALSE(is_space_byte(line.text.front()) || is_space_byte(line.text.back()));
    const std::size_t n = code_points(line.text);
    if (line.kind == "ui") {
      EXPECT_LE(n, 60u) << line.text;
    } else if (line.kind == "dialogue") {
      EXPECT_TRUE(n >= 20 && n <= 150) << n << ": " << line.text;
    } else {
      EXPECT_TRUE(n >= 80 && n <= 300) << n << ": " << line.text;
    }
  }
  for (const std::string& kind : Corpus::kinds()) EXPECT_GT(per_kind[kind], 0u) << kind;
  for (const char* big : {"eng_Latn", "jpn_Jpan", "zho_Hans"}) EXPECT_GE(per_language[big], 25u);
  for (const auto& [language, count] : per_language) EXPECT_GE(count, 10u) << language;

  // The scripts the brief asks for are all there.
  for (const char* script :
       {"_Latn", "_Jpan", "_Hans", "_Hang", "_Cyrl", "_Arab", "_Deva", "_Thai", "_Grek", "_Hebr"}) {
    EXPECT_TRUE(std::any_of(languages.begin(), languages.end(), [&](const std::string& l) {
      return l.ends_with(script);
    })) << script;
  }
  // Some lines carry numbers, quotes, emoji and newlines.
  const auto any_text = [&](auto pred) {
    return std::any_of(corpus.lines().begin(), corpus.lines().end(),
                       [&](const CorpusLine& l) { return pred(l.text); });
  };
  EXPECT_TRUE(any_text([](const std::string& t) { return t.find('\n') != std::string::npos; }));
  EXPECT_TRUE(any_text([](const std::string& t) { return t.find("🏆") != std::string::npos; }));
  EXPECT_TRUE(any_text([](const std::string& t) { return t.find('"') != std::string::npos; }));
  EXPECT_TRUE(any_text([](const std::string& t) { return t.find("12") != std::string::npos; }));
  EXPECT_FALSE(any_text([](const std::string& t) { return t.find("\\n") != std::string::npos; }));
}

TEST(SoakCorpus, EmbeddedIsParsedOnce) { EXPECT_EQ(&Corpus::embedded(), &Corpus::embedded()); }

TEST(SoakCorpus, ParsesCommentsBlankLinesEscapesAndCrLf) {
  const Corpus corpus = Corpus::parse(
      "# a comment\n"
      "\n"
      "   \n"
      "eng_Latn\tui\tSave game\r\n"
      "jpn_Jpan\tdialogue\t一行目\\n二行目\n"
      "  # an indented comment\n"
      "eng_Latn\tprose\tC:\\\\Games \\\\ saves  \n"
      "deu_Latn\tui\tOptionen");  // no final newline
  ASSERT_EQ(corpus.lines().size(), 4u);
  EXPECT_EQ(corpus.lines()[0].language, "eng_Latn");
  EXPECT_EQ(corpus.lines()[0].kind, "ui");
  EXPECT_EQ(corpus.lines()[0].text, "Save game");
  EXPECT_EQ(corpus.lines()[1].text, "一行目\n二行目");
  EXPECT_EQ(corpus.lines()[2].text, "C:\\Games \\ saves");
  EXPECT_EQ(corpus.lines()[3].text, "Optionen");
  EXPECT_EQ(corpus.languages(), (std::vector<std::string>{"deu_Latn", "eng_Latn", "jpn_Jpan"}));
}

TEST(SoakCorpus, EmptyInputIsAnEmptyCorpusWhoseGeneratorsThrow) {
  const Corpus corpus = Corpus::parse("# nothing\n\n");
  EXPECT_TRUE(corpus.lines().empty());
  EXPECT_TRUE(corpus.languages().empty());
  std::mt19937_64 rng(1);
  EXPECT_THROW(corpus.random_text(rng, 1, 10), InvalidArgument);
  EXPECT_THROW(corpus.desktop_line(rng), InvalidArgument);
  EXPECT_THROW(corpus.line_of_kind(rng, "ui"), InvalidArgument);
}

TEST(SoakCorpus, ParseErrorsNameTheLineAndTheFault) {
  const std::string ok = "# header\neng_Latn\tui\tSave\n";
  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\n"), HasSubstr("line 3"));
  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\n"), HasSubstr("3 tab-separated fields"));
  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\ta\tb\n"), HasSubstr("found 4"));
  EXPECT_THAT(parse_error(ok + "eng_Latn Save game\n"), HasSubstr("found 1"));

  EXPECT_THAT(parse_error(ok + "\neng_Latn\tmenu\tSave\n"), HasSubstr("line 4"));
  EXPECT_THAT(parse_error(ok + "eng_Latn\tmenu\tSave\n"), HasSubstr("unknown kind 'menu'"));

  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\tab\xff"
                               "cd\n"),
              HasSubstr("line 3"));
  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\tab\xff"
                               "cd\n"),
              HasSubstr("invalid UTF-8"));
  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\t\xe6\x97\n"), HasSubstr("invalid UTF-8"));

  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\t\n"), HasSubstr("line 3: empty text"));
  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\t   \n"), HasSubstr("empty text"));
  EXPECT_THAT(parse_error(ok + "\tui\tSave\n"), HasSubstr("line 3: empty language"));
  EXPECT_THAT(parse_error(ok + "english\tui\tSave\n"), HasSubstr("not an NLLB code"));
  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\tC:\\Games\n"), HasSubstr("unknown escape '\\G'"));
  EXPECT_THAT(parse_error(ok + "eng_Latn\tui\tSave\\\n"), HasSubstr("lone backslash"));
  EXPECT_EQ(parse_error(ok), "");
}

void expect_random_texts_within(const Corpus& corpus, std::size_t min_chars, std::size_t max_chars,
                                int draws) {
  std::mt19937_64 rng(42);
  std::set<std::string> languages;
  std::size_t shortest = max_chars;
  std::size_t longest = 0;
  for (int i = 0; i < draws; ++i) {
    const TextSample sample = corpus.random_text(rng, min_chars, max_chars);
    ASSERT_TRUE(valid_utf8(sample.text)) << sample.text;
    const std::size_t n = code_points(sample.text);
    ASSERT_GE(n, min_chars) << sample.text;
    ASSERT_LE(n, max_chars) << sample.text;
    ASSERT_FALSE(is_space_byte(sample.text.front())) << sample.text;
    ASSERT_FALSE(is_space_byte(sample.text.back())) << sample.text;
    languages.insert(sample.language);
    shortest = std::min(shortest, n);
    longest = std::max(longest, n);
  }
  if (draws < 500) return;
  EXPECT_EQ(languages.size(), corpus.languages().size());
  if (max_chars - min_chars >= 100) {
    // Lengths spread over the range.
    EXPECT_LT(shortest, min_chars + (max_chars - min_chars) / 10);
    EXPECT_GT(longest, max_chars - (max_chars - min_chars) / 10);
  }
}

TEST(SoakCorpus, RandomTextStaysWithinItsBounds) {
  const Corpus& corpus = Corpus::embedded();
  expect_random_texts_within(corpus, 10, 500, 2000);
  expect_random_texts_within(corpus, 1, 1, 2000);
  expect_random_texts_within(corpus, 2, 3, 2000);
  expect_random_texts_within(corpus, 300, 300, 500);
  expect_random_texts_within(corpus, 1000, 4000, 50);
}

TEST(SoakCorpus, RandomTextNeverEndsInWhitespaceEvenWhenTheCutFallsInIt) {
  // Every cut at an even length falls on a space or a newline.
  const Corpus corpus = Corpus::parse("eng_Latn\tui\ta b\\n\\nc d\n");
  std::mt19937_64 rng(3);
  for (std::size_t min = 1; min <= 9; ++min) {
    for (std::size_t max = min; max <= 9; ++max) {
      for (int i = 0; i < 20; ++i) {
        const std::string text = corpus.random_text(rng, min, max).text;
        const std::size_t n = code_points(text);
        ASSERT_TRUE(n >= min && n <= max) << min << ".." << max << ": '" << text << "'";
        ASSERT_FALSE(is_space_byte(text.front()) || is_space_byte(text.back())) << text;
      }
    }
  }
  // A cut that can be moved back is moved back rather than glueing words.
  EXPECT_EQ(corpus.random_text(rng, 1, 2).text, "a");
}

TEST(SoakCorpus, RandomTextJoinsCjkLinesWithoutSpaces) {
  const Corpus corpus = Corpus::parse(
      "jpn_Jpan\tui\t設定\njpn_Jpan\tui\t持ち物\n"
      "kor_Hang\tui\t설정\n");
  std::mt19937_64 rng(5);
  for (int i = 0; i < 200; ++i) {
    const TextSample sample = corpus.random_text(rng, 20, 40);
    if (sample.language == "jpn_Jpan") {
      EXPECT_EQ(sample.text.find(' '), std::string::npos) << sample.text;
    } else {
      EXPECT_NE(sample.text.find(' '), std::string::npos) << sample.text;
    }
  }
}

TEST(SoakCorpus, RandomTextIsDeterministicForASeed) {
  const Corpus& corpus = Corpus::embedded();
  std::mt19937_64 a(1234);
  std::mt19937_64 b(1234);
  std::mt19937_64 c(1235);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const TextSample x = corpus.random_text(a, 10, 500);
    const TextSample y = corpus.random_text(b, 10, 500);
    const TextSample z = corpus.random_text(c, 10, 500);
    EXPECT_EQ(x.language, y.language);
    EXPECT_EQ(x.text, y.text);
    differs = differs || x.text != z.text;
  }
  EXPECT_TRUE(differs);
}

TEST(SoakCorpus, RandomTextRefusesBadBounds) {
  std::mt19937_64 rng(1);
  EXPECT_THROW(Corpus::embedded().random_text(rng, 0, 10), InvalidArgument);
  EXPECT_THROW(Corpus::embedded().random_text(rng, 11, 10), InvalidArgument);
}

TEST(SoakCorpus, DesktopLinesRepeatAHotSet) {
  const Corpus& corpus = Corpus::embedded();
  std::mt19937_64 rng(7);
  std::map<std::string, int> counts;
  const int draws = 10000;
  for (int i = 0; i < draws; ++i) {
    const TextSample sample = corpus.desktop_line(rng);
    const std::string kind = kind_of(corpus, sample);
    ASSERT_TRUE(kind == "ui" || kind == "dialogue") << sample.text;
    ++counts[sample.language + "|" + sample.text];
  }
  const auto top = std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
    return a.second < b.second;
  });
  EXPECT_GT(top->second, draws / 20);
  EXPECT_GE(counts.size(), 50u);

  // The hottest line is rank 1 whatever the seed: the first language's first ui or dialogue line.
  const std::string first_language = corpus.languages().front();
  const auto first = std::find_if(
      corpus.lines().begin(), corpus.lines().end(),
      [&](const CorpusLine& l) { return l.language == first_language && l.kind != "prose"; });
  ASSERT_NE(first, corpus.lines().end());
  EXPECT_EQ(top->first, first->language + "|" + first->text);

  // The hot set spans languages: the ten hottest lines are in ten languages.
  std::vector<std::pair<int, std::string>> ranked;
  for (const auto& [key, count] : counts) ranked.emplace_back(count, key);
  std::sort(ranked.rbegin(), ranked.rend());
  std::set<std::string> hot_languages;
  for (std::size_t i = 0; i < 10; ++i) {
    hot_languages.insert(ranked[i].second.substr(0, ranked[i].second.find('|')));
  }
  EXPECT_EQ(hot_languages.size(), 10u);
}

TEST(SoakCorpus, DesktopLineExponentShapesTheSkew) {
  const Corpus& corpus = Corpus::embedded();
  const auto top_share = [&](double exponent) {
    std::mt19937_64 rng(11);
    std::map<std::string, int> counts;
    for (int i = 0; i < 5000; ++i) ++counts[corpus.desktop_line(rng, exponent).text];
    int top = 0;
    for (const auto& [text, count] : counts) top = std::max(top, count);
    return top / 5000.0;
  };
  EXPECT_LT(top_share(0.0), 0.03);  // uniform over 200+ lines (a few texts repeat across lines)
  EXPECT_GT(top_share(2.0), 0.5);
  std::mt19937_64 a(9);
  std::mt19937_64 b(9);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(corpus.desktop_line(a).text, corpus.desktop_line(b).text);
  EXPECT_THROW(corpus.desktop_line(a, -1.0), InvalidArgument);
  EXPECT_THROW(corpus.desktop_line(a, std::nan("")), InvalidArgument);
}

TEST(SoakCorpus, LineOfKindDrawsThatKindUniformly) {
  const Corpus& corpus = Corpus::embedded();
  std::mt19937_64 rng(13);
  for (const std::string& kind : Corpus::kinds()) {
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
      const TextSample sample = corpus.line_of_kind(rng, kind);
      EXPECT_EQ(kind_of(corpus, sample), kind);
      seen.insert(sample.language + "|" + sample.text);
    }
    const auto total = std::count_if(corpus.lines().begin(), corpus.lines().end(),
                                     [&](const CorpusLine& l) { return l.kind == kind; });
    EXPECT_GE(seen.size() * 10, static_cast<std::size_t>(total) * 9) << kind;
  }
  EXPECT_THROW(corpus.line_of_kind(rng, "menu"), InvalidArgument);
  EXPECT_THROW(Corpus::parse("eng_Latn\tui\tSave\n").line_of_kind(rng, "prose"), InvalidArgument);
}

}  // namespace
}  // namespace nmtd::soak
