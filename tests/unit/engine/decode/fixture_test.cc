// Score normalization checked against CTranslate2's own numbers: logits-check.json (from the
// tiny-nllb-s1 fixture) lists, for 3 greedy cases, every step's token and log-prob under
// CT2. A model that yields those exact log-probs must give CT2's score.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/decode/decoding.h"
#include "unit/engine/decode/toy_model.h"

namespace nmtd::testing {
namespace {

constexpr int64_t kVocab = 64;
constexpr int32_t kToken = 10;  // stands for each step's expected token (or </s>)

// Logits whose log-softmax gives `lp` to `token` and spreads the rest evenly (each below
// the token, so greedy picks it). Rows are built once per step from the JSON.
std::vector<float> row_with_log_prob(double lp, int32_t token) {
  const double rest = (1.0 - std::exp(lp)) / (kVocab - 1);
  std::vector<float> row(kVocab, static_cast<float>(std::log(rest)));
  row[token] = static_cast<float>(lp);
  return row;
}

TEST(Fixture, GreedyScoresMatchCTranslate2) {
  std::ifstream file(std::string(NMTD_TEST_DATA) + "/tiny-nllb-s1/logits-check.json");
  ASSERT_TRUE(file) << "missing logits-check.json";
  const auto doc = nlohmann::json::parse(file);
  for (const auto& check : doc.at("checks")) {
    const auto& steps = check.at("steps");
    std::vector<std::vector<float>> table;
    bool ended = false;
    for (std::size_t s = 0; s < steps.size(); ++s) {
      ended = steps[s].at("token") == "</s>";
      const double lp = steps[s].at("logprob").get<double>();
      if (s > 0) {
        ASSERT_GT(lp, std::log(1.0 / kVocab)) << "the spread would win";
      }
      table.push_back(row_with_log_prob(lp, ended ? 2 : kToken));
    }
    DecodeInput in;
    in.prefix = {20};  // step 0 is the forced language token
    DecodingOptions o;
    o.beam_size = 1;
    o.min_decoding_length = 0;
    // A case that did not end with </s> stopped at max_decoding_length.
    o.max_decoding_length = ended ? 1024 : static_cast<int>(steps.size());
    o.return_scores = true;
    ToyModel model(kVocab, table_logits(table), 1);
    const auto r = decode(model, std::span(&in, 1), DecodeVocab{}, o)[0][0];
    EXPECT_EQ(r.ids.size(), steps.size() - (ended ? 1 : 0));
    EXPECT_NEAR(r.score, check.at("score").get<double>(), 1e-5) << check.at("case");
  }
}

}  // namespace
}  // namespace nmtd::testing
