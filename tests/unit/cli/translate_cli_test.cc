// The translate command as a user and the test suite drive it: plain text, stdin lines and
// the --jsonl machine mode, with bad input answered by clear errors and nothing else changing.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_process.h"

namespace nmtd {
namespace {

using nlohmann::json;
using testing::run_nmtd;

const std::string kFixture = std::string(NMTD_TEST_DATA) + "/tiny-nllb-s1";

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

json load_cases() {
  std::ifstream in(kFixture + "/cases.json");
  return json::parse(in);
}

TEST(TranslateCli, JsonlReproducesFixtureCasesInOrderAndSurvivesBadLines) {
  const json cases = load_cases();
  std::string input;
  std::vector<json> expected;
  int added = 0;
  for (const auto& c : cases["cases"]) {
    if (c["model"] != "ct2-float32" || added >= 6) continue;
    json req = c["options"];
    req["target"] = c["target"];
    if (added % 2 == 0) {
      req["tokens"] = c["source_tokens"];
    } else {
      req["text"] = c["text"];
      req["source"] = c["source"];
    }
    input += req.dump() + "\n";
    expected.push_back(c["expected"]);
    if (added == 2) {  // bad lines between good ones: each answered by an error, in place
      input += "{not json\n";
      input += R"({"text": "x", "source": "xxx_Zzzz", "target": "fra_Latn"})"
               "\n";
      input += R"({"text": "x", "source": "eng_Latn", "target": "fra_Latn", "beam_size": 0})"
               "\n";
      input += "\n";
      expected.insert(expected.end(), 4, json());
    }
    ++added;
  }
  const auto r = run_nmtd(
      {"translate", "--model", kFixture + "/ct2-float32", "--compute-type", "float32", "--jsonl"},
      input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), expected.size()) << r.out;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const json got = json::parse(out[i]);
    if (expected[i].is_null()) {
      ASSERT_TRUE(got.contains("error")) << out[i];
      EXPECT_FALSE(got["error"].get<std::string>().empty());
      continue;
    }
    ASSERT_TRUE(got.contains("hypotheses")) << out[i];
    const auto& want = expected[i]["hypotheses"][0];
    EXPECT_EQ(got["hypotheses"][0]["tokens"], want["tokens"]) << "line " << i;
    EXPECT_EQ(got["hypotheses"][0]["text"], want["text"]) << "line " << i;
    EXPECT_NEAR(got["hypotheses"][0]["score"].get<double>(), want["score"].get<double>(), 1e-4);
  }
}

TEST(TranslateCli, UnknownLanguageIsAClearErrorNamingTheWayToListCodes) {
  const auto r = run_nmtd({"translate", "--model", kFixture + "/ct2-int8", "--source", "english",
                           "--target", "fra_Latn", "hello"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown source language 'english'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--list-languages"), std::string::npos) << r.err;
}

TEST(TranslateCli, TextArgumentsAndStdinLinesGiveOneLineEach) {
  const auto args = std::vector<std::string>{
      "translate", "--model",  kFixture + "/ct2-int8",  "--source", "eng_Latn",
      "--target",  "deu_Latn", "--max-decoding-length", "12"};
  auto with_text = args;
  with_text.insert(with_text.end(), {"Hello world", "Good morning"});
  const auto a = run_nmtd(with_text);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(lines_of(a.out).size(), 2u);
  const auto b = run_nmtd(args, "Hello world\nGood morning\n");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
}

TEST(TranslateCli, ListLanguagesAndHelp) {
  const auto r = run_nmtd({"translate", "--model", kFixture + "/ct2-int8", "--list-languages"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), 202u);
  const auto h = run_nmtd({"translate", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("--jsonl"), std::string::npos);
}

TEST(TranslateCli, MissingModelDirectoryIsAClearError) {
  const auto r = run_nmtd({"translate", "--model", "/nonexistent/model", "--source", "eng_Latn",
                           "--target", "fra_Latn", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/model"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nmtd

namespace nmtd {
namespace {

TEST(TranslateCli, OversizedOptionsAreRefusedPerLineAndTheStreamGoesOn) {
  const std::string input =
      R"({"text": "Hello", "source": "eng_Latn", "target": "fra_Latn", "beam_size": 1073741824})"
      "\n"
      R"({"text": "Hello", "source": "eng_Latn", "target": "fra_Latn", "patience": 1e39})"
      "\n"
      R"({"text": "Hello", "source": "eng_Latn", "target": "fra_Latn", "max_decoding_length": 8})"
      "\n";
  const auto r =
      testing::run_nmtd({"translate", "--model", kFixture + "/ct2-int8", "--jsonl"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  EXPECT_NE(out[0].find("beam_size"), std::string::npos) << out[0];
  EXPECT_NE(out[1].find("patience"), std::string::npos) << out[1];
  EXPECT_NE(out[2].find("hypotheses"), std::string::npos) << out[2];
}

TEST(TranslateCli, DoubleDashEndsOptionsSoTextMayStartWithDashes) {
  const auto r = testing::run_nmtd({"translate", "--model", kFixture + "/ct2-int8", "--source",
                                    "eng_Latn", "--target", "fra_Latn", "--max-decoding-length",
                                    "8", "--", "--force quit", "-h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), 2u) << r.out;
}

TEST(TranslateCli, StdinLineWithAnErrorKeepsItsPlace) {
  const auto r =
      testing::run_nmtd({"translate", "--model", kFixture + "/ct2-int8", "--source", "eng_Latn",
                         "--target", "fra_Latn", "--max-decoding-length", "8"},
                        "Hello\n\xff\xfe broken\nWorld\n");
  EXPECT_EQ(r.exit_code, 1);
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  EXPECT_TRUE(out[1].empty());
  EXPECT_NE(r.err.find("UTF-8"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nmtd

namespace nmtd {
namespace {

TEST(TranslateCli, BatchedStdinLinesEqualOneAtATimeAndBlankLinesStayAsTheyAre) {
  const std::vector<std::string> args = {"translate",
                                         "--model",
                                         kFixture + "/ct2-float32",
                                         "--compute-type",
                                         "float32",
                                         "--source",
                                         "eng_Latn",
                                         "--target",
                                         "fra_Latn",
                                         "--max-decoding-length",
                                         "12",
                                         "--return-scores"};
  const std::string input =
      "Hello world.\n\nThe weather is nice today.\n   \nYes.\nWhere is the station?\nNo";
  auto one_at_a_time = args;
  one_at_a_time.insert(one_at_a_time.end(), {"--max-batch-size", "1"});
  const auto alone = testing::run_nmtd(one_at_a_time, input);
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  for (const char* type : {"examples", "tokens"}) {
    auto batched_args = args;
    batched_args.insert(batched_args.end(), {"--batch-type", type});
    const auto batched = testing::run_nmtd(batched_args, input);
    ASSERT_EQ(batched.exit_code, 0) << batched.err;
    const auto a = lines_of(alone.out), b = lines_of(batched.out);
    ASSERT_EQ(a.size(), 7u) << alone.out;
    ASSERT_EQ(b.size(), a.size()) << batched.out;
    for (std::size_t i = 0; i < a.size(); ++i) {
      // "score<TAB>text": the same text, the score within float rounding of a wider batch.
      const auto tab_a = a[i].find('\t'), tab_b = b[i].find('\t');
      ASSERT_NE(tab_b, std::string::npos) << b[i];
      EXPECT_EQ(b[i].substr(tab_b), a[i].substr(tab_a)) << type << " line " << i;
      EXPECT_NEAR(std::stod(b[i].substr(0, tab_b)), std::stod(a[i].substr(0, tab_a)), 1e-4);
    }
    EXPECT_EQ(b[1], "0.000000\t");  // a blank line comes back as it is
    EXPECT_EQ(b[3], "0.000000\t   ");
  }
}

TEST(TranslateCli, BadBatchFlagsAreClearErrors) {
  const std::vector<std::string> args = {"translate", "--model",  kFixture + "/ct2-int8",
                                         "--source",  "eng_Latn", "--target",
                                         "fra_Latn"};
  auto zero = args;
  zero.insert(zero.end(), {"--max-batch-size", "0", "x"});
  const auto r = testing::run_nmtd(zero);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--max-batch-size must be between 1 and 65536, got 0"), std::string::npos)
      << r.err;
  auto type = args;
  type.insert(type.end(), {"--batch-type", "sentences", "x"});
  const auto t = testing::run_nmtd(type);
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_NE(t.err.find("--batch-type must be examples or tokens, got 'sentences'"),
            std::string::npos)
      << t.err;
}

}  // namespace
}  // namespace nmtd
