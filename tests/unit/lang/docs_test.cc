// docs/languages.md carries languages_markdown()'s output between two marker comments, so the
// doc is generated from the registry, never written twice.
//
// To regenerate the doc's table after changing the registry (one command line):
//   build/test_lang --gtest_also_run_disabled_tests --gtest_filter=LanguagesDoc.DISABLED_Regenerate
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <vector>

#include "lang/languages.h"

namespace nmtd::lang {
namespace {

constexpr std::string_view kBegin = "<!-- languages-table:begin -->";
constexpr std::string_view kEnd = "<!-- languages-table:end -->";

std::filesystem::path doc_path() {
  // NMTD_TEST_DATA is tests/data in the source tree.
  return std::filesystem::path(NMTD_TEST_DATA).parent_path().parent_path() / "docs/languages.md";
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Markers {
  std::size_t begin;  // first byte after the begin marker
  std::size_t end;    // first byte of the end marker
};

std::optional<Markers> find_markers(const std::string& doc) {
  const auto begin = doc.find(kBegin);
  const auto end = doc.find(kEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin ||
      doc.find(kBegin, begin + 1) != std::string::npos ||
      doc.find(kEnd, end + 1) != std::string::npos) {
    ADD_FAILURE() << "docs/languages.md needs exactly one " << kBegin << " followed by one "
                  << kEnd;
    return std::nullopt;
  }
  return Markers{begin + kBegin.size(), end};
}

std::string expected_between() { return "\n" + languages_markdown(); }

TEST(LanguagesDoc, CarriesTheGeneratedTable) {
  const std::string doc = read(doc_path());
  const auto markers = find_markers(doc);
  ASSERT_TRUE(markers);
  EXPECT_EQ(doc.substr(markers->begin, markers->end - markers->begin), expected_between())
      << "docs/languages.md does not match the registry. Regenerate it with\n"
         "  build/test_lang --gtest_also_run_disabled_tests "
         "--gtest_filter=LanguagesDoc.DISABLED_Regenerate\n";
}

TEST(LanguagesDoc, HasOneRowPerLanguage) {
  const std::string md = languages_markdown();
  EXPECT_EQ(std::count(md.begin(), md.end(), '\n'), 2 + 202);
  for (const auto& info : all_languages())
    EXPECT_NE(md.find("| `" + std::string(info.code) + "` |"), std::string::npos) << info.code;
}

// What a reader copies from the doc works: every row's tag and "also accepted" codes resolve to
// that row's NLLB code.
TEST(LanguagesDoc, EveryCodeItListsResolvesToItsRow) {
  std::istringstream md(languages_markdown());
  std::string line;
  int rows = 0;
  while (std::getline(md, line)) {
    if (line.rfind("| `", 0) != 0) continue;  // header and rule lines
    std::vector<std::string> cells;
    for (std::size_t at = 1, bar; (bar = line.find(" |", at)) != std::string::npos; at = bar + 2)
      cells.push_back(line.substr(at + 1, bar - at - 1));
    ASSERT_EQ(cells.size(), 9u) << line;
    const std::string code = cells[0].substr(1, cells[0].size() - 2);
    ++rows;
    std::vector<std::string> listed = {cells[3], cells[4], cells[5]};  // tag, ISO 639-1, 639-3
    std::istringstream also(cells[8]);
    for (std::string item; std::getline(also, item, ',');) listed.push_back(item);
    for (std::size_t i = 0; i < listed.size(); ++i) {
      std::string item = listed[i];
      item.erase(0, item.find_first_not_of(" `"));
      item.erase(item.find_last_not_of(" `") + 1);
      if (item.empty()) continue;
      const auto r = resolve(item);
      ASSERT_TRUE(r) << item << ": " << r.error;
      if (i == 1 || i == 2)  // ISO codes of a two-script language name its default row
        EXPECT_EQ(r.language->iso639_3, code.substr(0, 3)) << item;
      else
        EXPECT_EQ(r.language->code, code) << item;
    }
  }
  EXPECT_EQ(rows, 202);
}

// Run on purpose only (see the top of this file): rewrites the table in the source tree.
TEST(LanguagesDoc, DISABLED_Regenerate) {
  const auto file = doc_path();
  const std::string doc = read(file);
  const auto markers = find_markers(doc);
  ASSERT_TRUE(markers);
  std::ofstream(file, std::ios::binary)
      << doc.substr(0, markers->begin) << expected_between() << doc.substr(markers->end);
}

}  // namespace
}  // namespace nmtd::lang
