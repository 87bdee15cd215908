// nmtd score: CTranslate2's score_batch on the command line, and its bad input answered by
// errors that name the field, in place, with the other lines scored.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_process.h"

namespace nmtd {
namespace {

using nlohmann::json;
using testing::run_nmtd;

const std::string kModel = std::string(NMTD_TEST_DATA) + "/tiny-nllb-s1/ct2-float32";

std::vector<json> results(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) v.push_back(json::parse(line));
  return v;
}

const json kSource = {"eng_Latn", "ot", "\xe2\x96\x81\xe0\xa4\x95", "),", "</s>"};
const json kTarget = {"fra_Latn", "\xe2\x96\x81\xd0\xbf\xd1\x80\xd0\xbe", "min"};

TEST(ScoreCli, MatchesScoreBatchWithOffsetAndTruncationAndSurvivesBadLines) {
  std::string in;
  in += json{{"tokens", kSource}, {"target_tokens", kTarget}}.dump() + "\n";
  in += json{{"tokens", kSource}, {"target_tokens", json::array()}}.dump() + "\n";
  in += json{{"tokens", kSource}, {"target_tokens", {"fra_Latn", "notapiece"}}}.dump() + "\n";
  in += json{{"text", "Hello"}, {"source", "eng_Latn"}, {"target_text", "x"}, {"target", "xx"}}
            .dump() +
        "\n";
  in +=
      json{{"text", "Hello"}, {"source", "eng_Latn"}, {"target_text", " "}, {"target", "fra_Latn"}}
          .dump() +
      "\n";
  in +=
      json{{"tokens", kSource}, {"target_tokens", kTarget}, {"offset", 1}, {"max_input_length", 3}}
          .dump() +
      "\n";
  const auto r = run_nmtd({"score", "--model", kModel, "--jsonl"}, in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = results(r.out);
  ASSERT_EQ(got.size(), 6u) << r.out;
  // ctranslate2 4.x's score_batch on this fixture, float32.
  EXPECT_EQ(got[0]["tokens"], json({"fra_Latn", kTarget[1], "min", "</s>"})) << got[0];
  const std::vector<double> want = {-20.681350708007812, -14.254782676696777, -14.14455795288086,
                                    -0.02945232391357422};
  ASSERT_EQ(got[0]["log_probs"].size(), want.size()) << got[0];
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[0]["log_probs"][i].get<double>(), want[i], 1e-4) << i;
  EXPECT_NE(got[1].value("error", "").find("'target_tokens' is empty"), std::string::npos)
      << got[1];
  EXPECT_NE(got[2].value("error", "").find("'target_tokens' item 1 ('notapiece') is not a piece"),
            std::string::npos)
      << got[2];
  EXPECT_NE(got[3].value("error", "").find("unknown target language 'xx'"), std::string::npos)
      << got[3];
  EXPECT_NE(got[4].value("error", "").find("'target_text' is empty"), std::string::npos) << got[4];
  // offset 1 drops the language token; max_input_length 3 keeps [fra_Latn, ▁про, </s>].
  EXPECT_EQ(got[5]["tokens"], json({kTarget[1], "</s>"})) << got[5];
  ASSERT_EQ(got[5]["log_probs"].size(), 2u) << got[5];
  EXPECT_NEAR(got[5]["log_probs"][0].get<double>(), -11.397095680236816, 1e-4);
  EXPECT_NEAR(got[5]["log_probs"][1].get<double>(), -6.818526268005371, 1e-4);
}

TEST(ScoreCli, NeedsJsonlAndAModel) {
  EXPECT_EQ(run_nmtd({"score", "--model", kModel}).exit_code, 2);
  const auto h = run_nmtd({"score", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("target_tokens"), std::string::npos) << h.out;
}

}  // namespace
}  // namespace nmtd
