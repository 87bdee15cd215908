// settings::Registry over a config of its own: the member types the front's table does not
// use (bool, float, size_t) and the messages that name each source.
#include "settings/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

namespace nmtd::settings {
namespace {

using ::testing::HasSubstr;

struct Sample {
  bool on = false;
  float ratio = 0.5f;
  std::size_t bytes = 10;
  std::string word = "a";
};

const Registry<Sample>& sample_settings() {
  using K = SettingKind;
  static const Registry<Sample> registry(
      {
          {.name = "on",
           .kind = K::kBool,
           .field = +[](Sample& s) -> bool& { return s.on; },
           .flag = "--on",
           .doc = "a switch"},
          {.name = "group.ratio",
           .kind = K::kReal,
           .field = +[](Sample& s) -> float& { return s.ratio; },
           .min = 0,
           .max = 1,
           .doc = "a float"},
          {.name = "group.bytes",
           .kind = K::kInteger,
           .field = +[](Sample& s) -> std::size_t& { return s.bytes; },
           .min = 1,
           .max = 1e12,
           .doc = "a size"},
          {.name = "word",
           .kind = K::kString,
           .field = +[](Sample& s) -> std::string& { return s.word; },
           .choices = {"a", "b"},
           .doc = "a choice"},
      },
      "SAMPLE_", "docs/sample.md");
  return registry;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(Registry, StoresEachMemberTypeFromEachSource) {
  Sample s;
  const auto file = std::filesystem::temp_directory_path() /
                    ("nmtd-settings-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(file) << "on = true\n[group]\nratio = 0.25\nbytes = 5000000000\n";
  sample_settings().apply_toml_file(s, file);
  std::filesystem::remove(file);
  EXPECT_TRUE(s.on);
  EXPECT_FLOAT_EQ(s.ratio, 0.25f);
  EXPECT_EQ(s.bytes, 5'000'000'000u);
  sample_settings().apply_environment(s, {{"SAMPLE_ON", "false"}, {"SAMPLE_GROUP_RATIO", "1"}});
  EXPECT_FALSE(s.on);
  EXPECT_FLOAT_EQ(s.ratio, 1.0f);
  sample_settings().set(s, "word", "b", "flag --word");
  EXPECT_EQ(s.word, "b");
  EXPECT_EQ(sample_settings().describe(s, "sample"),
            "# sample (every setting: docs/sample.md)\non = false\nword = \"b\"\n\n[group]\n"
            "ratio = 1\nbytes = 5000000000\n");
}

TEST(Registry, ErrorsNameTheSettingAndTheSource) {
  Sample s;
  EXPECT_EQ(error_of([&] {
              sample_settings().apply_environment(s, {{"SAMPLE_ON", "yes"}});
            }),
            "environment variable SAMPLE_ON: \"on\" must be true or false, got \"yes\"");
  EXPECT_EQ(error_of([&] { sample_settings().set(s, "group.bytes", "0", "flag --bytes"); }),
            "flag --bytes: \"group.bytes\" must be an integer in [1, 1000000000000], got \"0\"");
  EXPECT_EQ(error_of([&] { sample_settings().set(s, "word", "c", "flag --word"); }),
            "flag --word: \"word\" must be one of \"a\", \"b\", got \"c\"");
  EXPECT_EQ(error_of([&] { sample_settings().set(s, "nope", "1", "flag --nope"); }),
            "unknown setting \"nope\" (every setting: docs/sample.md)");
  s.ratio = 2;
  EXPECT_THAT(error_of([&] { sample_settings().check_values(s); }),
              HasSubstr("\"group.ratio\" must be a number in [0, 1], got 2"));
}

TEST(Registry, MarkdownShowsSwitchesAndDefaults) {
  const std::string table = sample_settings().markdown();
  EXPECT_THAT(table, HasSubstr("| `on` | boolean | `false` | `SAMPLE_ON` | `--on` | a switch |"));
  EXPECT_THAT(table, HasSubstr("| `group.bytes` | integer [1, 1000000000000] | `10` | "
                               "`SAMPLE_GROUP_BYTES` |  | a size |"));
}

}  // namespace
}  // namespace nmtd::settings
