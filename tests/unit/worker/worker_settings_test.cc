// The worker's settings table: consistent rows, and docs/worker.md carrying its generated
// Markdown table between two marker comments, as docs/configuration.md carries the front's.
//
// To regenerate the doc's table after changing a setting (one command line):
//   build/test_worker --gtest_also_run_disabled_tests
//   --gtest_filter=WorkerSettingsDoc.DISABLED_Regenerate
#include "worker/worker_settings.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>

namespace nmtd::worker {
namespace {

constexpr std::string_view kBegin = "<!-- worker-settings-table:begin -->";
constexpr std::string_view kEnd = "<!-- worker-settings-table:end -->";

std::filesystem::path doc_path() {
  return std::filesystem::path(NMTD_TEST_DATA).parent_path().parent_path() / "docs/worker.md";
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Markers {
  std::size_t begin;
  std::size_t end;
};

std::optional<Markers> find_markers(const std::string& doc) {
  const auto begin = doc.find(kBegin);
  const auto end = doc.find(kEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin ||
      doc.find(kBegin, begin + 1) != std::string::npos ||
      doc.find(kEnd, end + 1) != std::string::npos) {
    ADD_FAILURE() << "docs/worker.md needs exactly one " << kBegin << " followed by one " << kEnd;
    return std::nullopt;
  }
  return Markers{begin + kBegin.size(), end};
}

std::string expected_between() { return "\n" + worker_settings().markdown(); }

TEST(WorkerSettingsDoc, CarriesTheGeneratedSettingsTable) {
  const std::string doc = read(doc_path());
  const auto markers = find_markers(doc);
  ASSERT_TRUE(markers);
  EXPECT_EQ(doc.substr(markers->begin, markers->end - markers->begin), expected_between())
      << "docs/worker.md does not match the worker's settings table. Regenerate it with\n"
         "  build/test_worker --gtest_also_run_disabled_tests "
         "--gtest_filter=WorkerSettingsDoc.DISABLED_Regenerate\n";
}

// Run on purpose only (see the top of this file): rewrites the table in the source tree.
TEST(WorkerSettingsDoc, DISABLED_Regenerate) {
  const std::string doc = read(doc_path());
  const auto markers = find_markers(doc);
  ASSERT_TRUE(markers);
  std::ofstream(doc_path(), std::ios::binary)
      << doc.substr(0, markers->begin) << expected_between() << doc.substr(markers->end);
}

TEST(WorkerSettingsTable, RowsAreConsistent) {
  using settings::SettingKind;
  std::set<std::string_view> names, flags;
  std::set<std::string> variables;
  std::set<const void*> members;
  WorkerConfig c;
  for (const auto& s : worker_settings().settings()) {
    SCOPED_TRACE(std::string(s.name));
    EXPECT_TRUE(names.insert(s.name).second);
    EXPECT_TRUE(variables.insert(worker_settings().environment_name(s)).second);
    if (!s.flag.empty()) {
      EXPECT_TRUE(flags.insert(s.flag).second);
    }
    EXPECT_FALSE(s.doc.empty());
    EXPECT_EQ(worker_settings().find(s.name), &s);
    // Two rows writing one member would make one of them a setting that does nothing.
    const void* member = std::visit([&](auto field) -> const void* { return &field(c); }, s.field);
    EXPECT_TRUE(members.insert(member).second);
    EXPECT_EQ(s.kind == SettingKind::kMillis, s.name.ends_with("_ms"));
    EXPECT_EQ(s.kind == SettingKind::kMicros, s.name.ends_with("_us"));
    if (std::holds_alternative<std::size_t& (*)(WorkerConfig&)>(s.field)) {
      EXPECT_GE(s.min, 0);  // stored unsigned
    }
    if (std::holds_alternative<int& (*)(WorkerConfig&)>(s.field)) {
      EXPECT_LE(s.max, 2147483647.0);  // stored in an int
    }
    if (s.kind != SettingKind::kString && s.kind != SettingKind::kPath &&
        s.kind != SettingKind::kBool) {
      EXPECT_LE(s.min, s.max);
    }
  }
  EXPECT_EQ(worker_settings().environment_name(*worker_settings().find("limits.max_text_bytes")),
            "NMTD_WORKER_LIMITS_MAX_TEXT_BYTES");
}

TEST(WorkerSettingsTable, DefaultsAreWithinTheirBoundsAndDescribeReadsBack) {
  const WorkerConfig defaults;
  EXPECT_NO_THROW(worker_settings().check_values(defaults));
  const std::string toml = worker_settings().describe(defaults, "nmtd worker");
  const auto file = std::filesystem::temp_directory_path() /
                    ("nmtd-worker-describe-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(file) << toml;
  WorkerConfig read_back;
  read_back.threads = 7;  // a value the file must put back to the default
  worker_settings().apply_toml_file(read_back, file);
  std::filesystem::remove(file);
  EXPECT_EQ(worker_settings().describe(read_back, "nmtd worker"), toml);
}

}  // namespace
}  // namespace nmtd::worker
