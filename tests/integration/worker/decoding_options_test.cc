// target_prefixes, sampling and alternatives through the worker (its decode session): each
// text gets what `nmtd translate --jsonl` gives it with the same options (a batched translate
// call), and bad values are refused naming the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::vector<std::string> kTexts{"Hello world.", "How are you today?",
                                      "The cat sat on the mat."};

class DecodingOptionsRpc : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    worker_ = std::make_unique<WorkerProcess>(shared_test_model());
    ASSERT_TRUE(worker_->wait_serving()) << worker_->stderr_text();
  }
  static void TearDownTestSuite() {
    worker_->signal(SIGTERM);
    EXPECT_TRUE(worker_->wait_exit(std::chrono::seconds(30)));
    worker_.reset();
  }
  void SetUp() override { stub_ = nmt::v1::Translator::NewStub(worker_->channel()); }

  // `nmtd translate --jsonl` answers for the texts, each line with `options` and its prefix.
  static std::vector<json> engine(const json& options,
                                  const std::vector<std::vector<std::string>>& prefixes) {
    std::string lines;
    for (std::size_t i = 0; i < kTexts.size(); ++i) {
      json line = options;
      line["text"] = kTexts[i];
      line["source"] = "eng_Latn";
      line["target"] = "fra_Latn";
      if (!prefixes.empty()) line["target_prefix"] = prefixes[i];
      lines += line.dump() + "\n";
    }
    const auto r = run_nmtd(
        {"translate", "--model", shared_test_model().string(), "--jsonl", "--threads", "1"}, lines);
    if (r.exit_code != 0) throw std::runtime_error("nmtd translate failed: " + r.err);
    std::vector<json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }

  // The worker's answer against the engine's, text and score of every hypothesis.
  void expect_engine_answers(const nmt::v1::TranslateRequest& request, const json& options,
                             const std::vector<std::vector<std::string>>& prefixes) {
    nmt::v1::TranslateResponse response;
    const auto status = translate(*stub_, request, response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    const auto want = engine(options, prefixes);
    ASSERT_EQ(response.translations_size(), static_cast<int>(want.size()));
    for (std::size_t i = 0; i < want.size(); ++i) {
      const auto& got = response.translations(static_cast<int>(i));
      ASSERT_TRUE(want[i].contains("hypotheses")) << want[i].dump();
      const auto& hyps = want[i]["hypotheses"];
      ASSERT_EQ(got.hypotheses_size(), static_cast<int>(hyps.size())) << "text " << i;
      for (std::size_t h = 0; h < hyps.size(); ++h) {
        EXPECT_EQ(got.hypotheses(static_cast<int>(h)).text(), hyps[h]["text"]) << i << "/" << h;
        EXPECT_NEAR(got.hypotheses(static_cast<int>(h)).score(), hyps[h]["score"].get<double>(),
                    1e-5);
      }
    }
  }

  // Pieces of the model's own output, to force as prefixes.
  static std::vector<std::vector<std::string>> prefixes() {
    const auto plain = engine(json{{"beam_size", 1}}, {});
    std::vector<std::vector<std::string>> out;
    for (std::size_t i = 0; i < plain.size(); ++i) {
      const auto tokens = plain[i]["hypotheses"][0]["tokens"].get<std::vector<std::string>>();
      // Reversed pieces of its output (never the model's own start), of 0, 1 and 2 pieces.
      std::vector<std::string> p(tokens.rbegin(), tokens.rend() - 1);
      p.resize(std::min(p.size(), i));
      out.push_back(p);
    }
    return out;
  }

  static std::unique_ptr<WorkerProcess> worker_;
  std::unique_ptr<nmt::v1::Translator::Stub> stub_;
};

std::unique_ptr<WorkerProcess> DecodingOptionsRpc::worker_;

void add_prefixes(nmt::v1::TranslateRequest& request,
                  const std::vector<std::vector<std::string>>& prefixes) {
  for (const auto& p : prefixes) {
    auto* entry = request.add_target_prefixes();
    for (const auto& piece : p) entry->add_tokens(piece);
  }
}

TEST_F(DecodingOptionsRpc, TargetPrefixesEqualTheEngines) {
  const auto forced = prefixes();
  auto request = make_request(kTexts);
  add_prefixes(request, forced);
  request.mutable_options()->set_beam_size(2);
  request.mutable_options()->set_return_scores(true);
  expect_engine_answers(request, json{{"beam_size", 2}, {"return_scores", true}}, forced);
}

TEST_F(DecodingOptionsRpc, AlternativesEqualTheEngines) {
  const auto forced = prefixes();
  auto request = make_request(kTexts);
  add_prefixes(request, forced);
  auto* o = request.mutable_options();
  o->set_beam_size(1);
  o->set_num_hypotheses(3);
  o->set_return_alternatives(true);
  o->set_return_scores(true);
  expect_engine_answers(request,
                        json{{"beam_size", 1},
                             {"num_hypotheses", 3},
                             {"return_alternatives", true},
                             {"return_scores", true}},
                        forced);
}

TEST_F(DecodingOptionsRpc, SamplingWithASeedEqualsTheEngineAndRepeats) {
  auto request = make_request(kTexts);
  auto* o = request.mutable_options();
  o->set_beam_size(1);
  o->set_num_hypotheses(2);
  o->set_sampling_topk(0);
  o->set_sampling_temperature(1.5f);
  o->set_sampling_seed(42);
  o->set_return_scores(true);
  const json options{{"beam_size", 1},      {"num_hypotheses", 2},
                     {"sampling_topk", 0},  {"sampling_temperature", 1.5},
                     {"sampling_seed", 42}, {"return_scores", true}};
  expect_engine_answers(request, options, {});
  expect_engine_answers(request, options, {});
}

TEST_F(DecodingOptionsRpc, BadValuesAreRefusedNamingTheField) {
  const auto refused = [&](const nmt::v1::TranslateRequest& request) {
    nmt::v1::TranslateResponse response;
    const auto status = translate(*stub_, request, response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    return status.error_message();
  };
  auto request = make_request(kTexts);
  request.mutable_options()->set_sampling_topp(0.0f);
  EXPECT_THAT(refused(request), HasSubstr("sampling_topp"));
  request = make_request(kTexts);
  request.mutable_options()->set_sampling_temperature(0.0f);
  EXPECT_THAT(refused(request), HasSubstr("sampling_temperature"));
  request = make_request(kTexts);
  add_prefixes(request, {{"\xe2\x96\x81"
                          "a"}});
  EXPECT_THAT(refused(request), HasSubstr("target_prefixes has 1 entries for 3 texts"));
  request = make_request({"Hello."});
  add_prefixes(request, {{"a", "b", "c"}});
  request.mutable_options()->set_max_decoding_length(3);
  EXPECT_THAT(refused(request), HasSubstr("target_prefix"));
  request = make_request({"Hello."});
  request.mutable_options()->set_beam_size(2);
  request.mutable_options()->set_sampling_topk(3);
  EXPECT_THAT(refused(request), HasSubstr("beam_size"));
}

}  // namespace
}  // namespace nmtd::testing
