// Every case of the CTranslate2 4.8.1 reference fixture(s) in tests/data must be reproduced:
// identical tokens and text, scores within 1e-4 (float32 compute) or 1e-2 (int8).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/translator.h"

namespace nmtd {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

TranslationOptions options_of(const json& o) {
  TranslationOptions t;
  auto& d = t.decoding;
  d.beam_size = o.value("beam_size", 2);
  d.patience = o.value("patience", 1.0f);
  d.length_penalty = o.value("length_penalty", 1.0f);
  d.max_decoding_length = o.value("max_decoding_length", 256);
  d.min_decoding_length = o.value("min_decoding_length", 1);
  d.repetition_penalty = o.value("repetition_penalty", 1.0f);
  d.no_repeat_ngram_size = o.value("no_repeat_ngram_size", 0);
  d.num_hypotheses = o.value("num_hypotheses", 1);
  d.return_scores = o.value("return_scores", false);
  d.disable_unk = o.value("disable_unk", false);
  t.max_input_length = o.value("max_input_length", 1024);
  return t;
}

struct FixtureSet {
  fs::path dir;
  json cases;
};

std::vector<FixtureSet> fixture_sets() {
  std::vector<FixtureSet> out;
  for (const auto& entry : fs::directory_iterator(NMTD_TEST_DATA)) {
    const fs::path file = entry.path() / "cases.json";
    if (!fs::exists(file)) continue;
    std::ifstream in(file);
    out.push_back({entry.path(), json::parse(in)});
  }
  return out;
}

class FixtureCases : public ::testing::Test {
 protected:
  Translator& translator(const fs::path& dir, const std::string& compute) {
    const std::string key = dir.string() + "|" + compute;
    auto& slot = translators_[key];
    if (!slot) {
      TranslatorConfig c;
      c.compute_type = parse_compute_type(compute);
      c.num_threads = 2;
      slot = std::make_unique<Translator>(dir, c);
    }
    return *slot;
  }

  static double tolerance(const std::string& compute) { return compute == "int8" ? 1e-2 : 1e-4; }

  static void expect_same(const json& expected, const TranslationResult& got,
                          const std::string& compute, const std::string& label) {
    const auto& hyps = expected.at("hypotheses");
    ASSERT_EQ(got.hypotheses.size(), hyps.size()) << label;
    for (std::size_t h = 0; h < hyps.size(); ++h) {
      EXPECT_EQ(got.hypotheses[h].tokens, hyps[h].at("tokens").get<std::vector<std::string>>())
          << label << " hypothesis " << h;
      EXPECT_EQ(got.hypotheses[h].text, hyps[h].at("text").get<std::string>()) << label;
      if (hyps[h].contains("score")) {
        // With length_penalty 0 a score is a raw sum of ~40 log-probs (|score| ~ 50): the
        // tolerance scales with it, as float32 rounding does.
        const double want = hyps[h]["score"].get<double>();
        EXPECT_NEAR(got.hypotheses[h].score, want, tolerance(compute) * std::max(1.0, std::fabs(want)))
            << label << " hypothesis " << h;
      }
    }
  }

  std::map<std::string, std::unique_ptr<Translator>> translators_;
};

TEST_F(FixtureCases, SingleCasesFromTokensAndFromText) {
  const auto sets = fixture_sets();
  ASSERT_FALSE(sets.empty()) << "no fixture with cases.json under " << NMTD_TEST_DATA;
  int checked = 0;
  for (const auto& set : sets) {
    for (const auto& c : set.cases.at("cases")) {
      const std::string id = set.dir.filename().string() + "/" + c.at("id").get<std::string>();
      const std::string compute = c.at("compute_type");
      Translator& t = translator(set.dir / c.at("model").get<std::string>(), compute);
      const TranslationOptions options = options_of(c.at("options"));
      const auto source = c.at("source_tokens").get<std::vector<std::string>>();
      const auto prefix = c.at("target_prefix").get<std::vector<std::string>>();
      const auto from_tokens = t.translate_tokens({source}, {prefix}, options);
      expect_same(c.at("expected"), from_tokens.at(0), compute, id + " (tokens)");
      const auto from_text =
          t.translate_text({c.at("text").get<std::string>()}, c.at("source"), c.at("target"), options);
      expect_same(c.at("expected"), from_text.at(0), compute, id + " (text)");
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST_F(FixtureCases, BatchGroupsInOneCall) {
  for (const auto& set : fixture_sets()) {
    if (!set.cases.contains("batches")) continue;
    for (const auto& b : set.cases.at("batches")) {
      const std::string compute = b.at("compute_type");
      Translator& t = translator(set.dir / b.at("model").get<std::string>(), compute);
      std::vector<std::vector<std::string>> sources, prefixes;
      for (const auto& item : b.at("batch")) {
        sources.push_back(item.at("source_tokens").get<std::vector<std::string>>());
        prefixes.push_back(item.at("target_prefix").get<std::vector<std::string>>());
      }
      const auto results = t.translate_tokens(sources, prefixes, options_of(b.at("options")));
      ASSERT_EQ(results.size(), b.at("expected").size());
      for (std::size_t i = 0; i < results.size(); ++i)
        expect_same(b.at("expected")[i], results[i], compute,
                    b.at("id").get<std::string>() + "[" + std::to_string(i) + "]");
    }
  }
}

}  // namespace
}  // namespace nmtd
