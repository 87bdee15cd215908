// target_prefix, sampling and alternatives through a decode session: each request keeps its
// own search, so each gets exactly what it gets decoded alone by translate_tokens, beside
// requests with other options joining and leaving at other steps; a sampling request's draws
// change nothing for its neighbours.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/decode_session.h"
#include "engine/translator.h"

namespace nmtd {
namespace {

const std::string kModel = std::string(NMTD_TEST_DATA) + "/gen-s11/model-float32";
const std::vector<std::string> kTexts = {
    "Open the door slowly, then look inside.",
    "The file could not be opened because another program is using it right now.",
    "Guten Morgen, wie geht es dir heute?",
    "Press any key",
    "A short one.",
};

TranslationOptions base(int beam, int hypotheses) {
  TranslationOptions o;
  o.decoding.beam_size = beam;
  o.decoding.num_hypotheses = hypotheses;
  o.decoding.max_decoding_length = 16;
  o.decoding.return_scores = true;
  return o;
}

struct Case {
  DecodeSession::Request request;
  TranslationOptions options;
};

void expect_same(const TranslationResult& got, const TranslationResult& alone,
                 const std::string& what) {
  ASSERT_EQ(got.hypotheses.size(), alone.hypotheses.size()) << what;
  for (std::size_t h = 0; h < alone.hypotheses.size(); ++h) {
    EXPECT_EQ(got.hypotheses[h].tokens, alone.hypotheses[h].tokens) << what << " hyp " << h;
    EXPECT_EQ(got.hypotheses[h].score, alone.hypotheses[h].score) << what << " hyp " << h;
  }
}

// Runs the cases through one session, one newcomer every other step, and checks each
// against its result alone.
void expect_alone_results(Translator& t, std::vector<Case>& cases, const TranslationOptions& opened,
                          int64_t max_rows) {
  std::vector<TranslationResult> want;
  for (auto& c : cases) {
    c.request.options = &c.options;
    want.push_back(t.translate_tokens({c.request.source}, {c.request.target_prefix}, c.options)[0]);
  }
  const auto session = t.open_session(opened, max_rows);
  std::map<DecodeSession::RequestId, std::size_t> which;
  std::map<std::size_t, TranslationResult> got;
  std::size_t next = 0;
  for (int steps = 0; next < cases.size() || session->running() > 0; ++steps) {
    if (next < cases.size() && session->room() > 0 && steps % 2 == 0) {
      which[session->add({cases[next].request})[0]] = next;
      ++next;
    }
    session->step();
    for (auto& f : session->take_finished()) got[which.at(f.id)] = std::move(f.result);
    ASSERT_LT(steps, 1000);
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    ASSERT_EQ(got.count(i), 1u) << "case " << i;
    expect_same(got[i], want[i], "case " + std::to_string(i));
  }
}

class SessionOptions : public ::testing::Test {
 protected:
  SessionOptions() : t_(kModel) {}
  DecodeSession::Request request(std::size_t i, std::vector<std::string> prefix = {}) {
    std::vector<std::string> target{i % 2 == 0 ? "fra_Latn" : "deu_Latn"};
    target.insert(target.end(), prefix.begin(), prefix.end());
    return {t_.tokenizer().source_tokens(kTexts[i % kTexts.size()], "eng_Latn"), target};
  }
  Translator t_;
};

TEST_F(SessionOptions, OneRowRequestsWithPrefixesSamplingAndAlternatives) {
  const auto pieces = t_.tokenizer().pieces("Bonjour le monde");
  TranslationOptions sampled = base(1, 1);
  sampled.decoding.sampling_topk = 0;
  sampled.decoding.sampling_temperature = 1.3f;
  sampled.decoding.sampling_seed = 3;
  TranslationOptions alternative = base(1, 1);
  alternative.decoding.return_alternatives = true;
  std::vector<Case> cases{
      {request(0), base(1, 1)}, {request(1, pieces), base(1, 1)},
      {request(2), sampled},    {request(3, {pieces[0]}), alternative},
      {request(4), base(1, 1)}, {request(0, pieces), sampled},
  };
  expect_alone_results(t_, cases, base(1, 1), 3);
}

TEST_F(SessionOptions, SeveralRowsPerRequest) {
  const auto pieces = t_.tokenizer().pieces("Le chat");
  // Each takes three rows: three alternatives, three samples, a beam of three.
  TranslationOptions alternatives = base(1, 3);
  alternatives.decoding.return_alternatives = true;
  TranslationOptions samples = base(1, 3);
  samples.decoding.sampling_topk = 5;
  samples.decoding.sampling_topp = 0.9f;
  samples.decoding.sampling_seed = 8;
  std::vector<Case> cases{
      {request(0, pieces), alternatives}, {request(1), samples},      {request(2), base(3, 2)},
      {request(3, pieces), samples},      {request(4), alternatives},
  };
  expect_alone_results(t_, cases, alternatives, 6);
}

TEST_F(SessionOptions, AlternativesContinuedByBeamSearch) {
  TranslationOptions alternatives = base(2, 2);
  alternatives.decoding.return_alternatives = true;
  alternatives.decoding.min_alternative_expansion_prob = 0.01f;
  std::vector<Case> cases{
      {request(0), alternatives}, {request(1, {"▁Das"}), alternatives}, {request(2), alternatives}};
  expect_alone_results(t_, cases, alternatives, 8);
}

TEST_F(SessionOptions, APrefixLongerThanMaxDecodingLengthIsRefusedNamingIt) {
  TranslationOptions o = base(1, 1);
  o.decoding.max_decoding_length = 3;
  const auto r = request(0, {"▁a", "▁b", "▁c"});
  try {
    t_.translate_tokens({r.source}, {r.target_prefix}, o);
    FAIL() << "a 4-token prefix was decoded within 3 tokens";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("target_prefix"), std::string::npos) << e.what();
  }
  const auto session = t_.open_session(o, 2);
  EXPECT_THROW(session->add({r}), InvalidArgument);
  EXPECT_EQ(session->running(), 0u);
}

}  // namespace
}  // namespace nmtd
