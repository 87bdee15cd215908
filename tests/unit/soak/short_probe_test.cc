#include "soak/short_probe.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <string_view>

#include "common/utf8.h"

namespace nmtd::soak {
namespace {

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

TEST(ShortProbe, TextsAreShortValidAndNeverRepeat) {
  const Corpus& corpus = Corpus::embedded();
  std::mt19937_64 rng(7);
  std::set<std::string> seen;
  std::set<std::string> languages;
  for (uint64_t n = 0; n < 2000; ++n) {
    const TextSample t = short_probe_text(corpus, rng, n);
    const std::size_t length = code_points(t.text);
    ASSERT_NE(length, static_cast<std::size_t>(-1)) << "invalid UTF-8: " << t.text;
    EXPECT_LE(length, kShortProbeChars) << t.text;
    EXPECT_GE(length, 12u) << t.text;
    // The translation cache must never answer a probe: each text is new.
    EXPECT_TRUE(seen.insert(t.language + "\t" + t.text).second) << t.text;
    languages.insert(t.language);
  }
  EXPECT_GT(languages.size(), 5u) << "probes come in many languages, as players' texts do";
}

}  // namespace
}  // namespace nmtd::soak
