// docs/configuration.md and docs/nmtd.toml.example follow the settings table: the doc carries
// settings_markdown()'s output between two marker comments, and the example loads.
//
// To regenerate the doc's table after changing a setting (one command line):
//   build/test_front_config --gtest_also_run_disabled_tests
//       --gtest_filter=ConfigurationDoc.DISABLED_Regenerate
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "front/config/configuration.h"
#include "front/config/settings.h"

namespace nmtd::front {
namespace {

constexpr std::string_view kBegin = "<!-- settings-table:begin -->";
constexpr std::string_view kEnd = "<!-- settings-table:end -->";

std::filesystem::path repo_root() {
  return std::filesystem::path(NMTD_TEST_DATA).parent_path().parent_path();  // tests/data
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

// The place between the markers, or a test failure when they are missing or repeated.
std::optional<Markers> find_markers(const std::string& doc) {
  const auto begin = doc.find(kBegin);
  const auto end = doc.find(kEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin ||
      doc.find(kBegin, begin + 1) != std::string::npos ||
      doc.find(kEnd, end + 1) != std::string::npos) {
    ADD_FAILURE() << "docs/configuration.md needs exactly one " << kBegin << " followed by one "
                  << kEnd;
    return std::nullopt;
  }
  return Markers{begin + kBegin.size(), end};
}

std::string expected_between() { return "\n" + settings_markdown(); }

TEST(ConfigurationDoc, CarriesTheGeneratedSettingsTable) {
  const std::string doc = read(repo_root() / "docs/configuration.md");
  const auto markers = find_markers(doc);
  ASSERT_TRUE(markers);
  EXPECT_EQ(doc.substr(markers->begin, markers->end - markers->begin), expected_between())
      << "docs/configuration.md does not match the settings table. Regenerate it with\n"
         "  build/test_front_config --gtest_also_run_disabled_tests "
         "--gtest_filter=ConfigurationDoc.DISABLED_Regenerate\n";
}

// Run on purpose only (see the top of this file): rewrites the table in the source tree.
TEST(ConfigurationDoc, DISABLED_Regenerate) {
  const auto file = repo_root() / "docs/configuration.md";
  const std::string doc = read(file);
  const auto markers = find_markers(doc);
  ASSERT_TRUE(markers);
  std::ofstream(file, std::ios::binary)
      << doc.substr(0, markers->begin) << expected_between() << doc.substr(markers->end);
}

TEST(ExampleConfig, LoadsValidatesAndShowsEverySetting) {
  const auto file = repo_root() / "docs/nmtd.toml.example";
  FrontConfig c;
  ASSERT_NO_THROW(apply_toml_file(c, file));
  EXPECT_NO_THROW(validate(c));
  // An example that shows every setting is one a reader can copy from without the docs.
  const toml::table table = toml::parse_file(file.string());
  for (const Setting& s : settings())
    EXPECT_TRUE(table.at_path(s.name)) << s.name << " is missing from docs/nmtd.toml.example";
}

}  // namespace
}  // namespace nmtd::front
