// The decode session (continuous batching): requests join a running decode between steps,
// finished ones leave at once, and a request's result is exactly what it gets decoded alone,
// whatever joins and leaves beside it (float32 and int8, greedy and beam); its row budget and
// step bound hold.
#include "engine/decode_session.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "engine/translator.h"

namespace nmtd {
namespace {

const std::string kGenModel = std::string(NMTD_TEST_DATA) + "/gen-s11/";
const std::vector<std::string> kTexts = {
    "Open the door slowly, then look inside.",
    "Hello",
    "The file could not be opened because another program is using it right now.",
    "Press any key",
    "Guten Morgen, wie geht es dir heute?",
    "A short one.",
};

TranslationOptions options_for(int beam, int max_length) {
  TranslationOptions o;
  o.decoding.beam_size = beam;
  o.decoding.num_hypotheses = beam > 1 ? 2 : 1;
  o.decoding.max_decoding_length = max_length;
  o.decoding.return_scores = true;
  o.decoding.repetition_penalty = 1.1f;
  o.decoding.no_repeat_ngram_size = 3;
  return o;
}

DecodeSession::Request request(const Translator& t, std::size_t i) {
  const char* target = i % 2 == 0 ? "fra_Latn" : "deu_Latn";
  return {t.tokenizer().source_tokens(kTexts[i % kTexts.size()], "eng_Latn"), {target}};
}

void expect_same(const TranslationResult& got, const TranslationResult& alone,
                 const std::string& what) {
  ASSERT_EQ(got.hypotheses.size(), alone.hypotheses.size()) << what;
  for (std::size_t h = 0; h < alone.hypotheses.size(); ++h) {
    EXPECT_EQ(got.hypotheses[h].tokens, alone.hypotheses[h].tokens) << what << " hyp " << h;
    EXPECT_EQ(got.hypotheses[h].score, alone.hypotheses[h].score) << what << " hyp " << h;
    EXPECT_EQ(got.hypotheses[h].text, alone.hypotheses[h].text) << what << " hyp " << h;
  }
}

// (model directory, beam size)
class DecodeSessionTest : public ::testing::TestWithParam<std::tuple<std::string, int>> {
 protected:
  DecodeSessionTest() : translator_(kGenModel + std::get<0>(GetParam()), config()) {}
  static TranslatorConfig config() {
    TranslatorConfig c;
    c.num_threads = 2;
    return c;
  }
  int beam() const { return std::get<1>(GetParam()); }
  TranslationResult alone(const DecodeSession::Request& r, const TranslationOptions& o) {
    return translator_.translate_tokens({r.source}, {r.target_prefix}, o)[0];
  }

  Translator translator_;
};

TEST_P(DecodeSessionTest, RequestsJoiningAndLeavingMidDecodeGetTheirAloneResults) {
  const TranslationOptions options = options_for(beam(), 14);
  // Requests may bring their own options: shorter, with a minimum length, no penalties.
  TranslationOptions own = options_for(beam(), 9);
  own.decoding.min_decoding_length = 7;
  own.decoding.repetition_penalty = 1.0f;
  own.decoding.length_penalty = 0.5f;
  const std::size_t n = 7;  // one more than fits at once, and one of them dropped
  std::vector<DecodeSession::Request> requests;
  std::vector<TranslationResult> want;
  for (std::size_t i = 0; i < n; ++i) {
    requests.push_back(request(translator_, i));
    if (i == 5) requests.back().options = &own;
    want.push_back(alone(requests.back(), i == 5 ? own : options));
  }
  const auto session = translator_.open_session(options, 3 * beam());
  std::map<DecodeSession::RequestId, std::size_t> which;
  std::map<std::size_t, TranslationResult> got;
  const std::size_t victim = 3;
  DecodeSession::RequestId victim_id = 0;
  std::size_t next = 0;
  int steps = 0;
  // One newcomer every other step while there is room: rows are always at mixed positions.
  while (next < n || session->running() > 0) {
    if (next < n && session->room() > 0 && steps % 2 == 0) {
      const auto ids = session->add({requests[next]});
      which[ids[0]] = next;
      if (next == victim) victim_id = ids[0];
      ++next;
    }
    if (victim_id != 0 && session->steps_of(victim_id) == 3) session->drop(victim_id);
    session->step();
    ++steps;
    for (auto& f : session->take_finished()) got[which.at(f.id)] = std::move(f.result);
    ASSERT_LT(steps, 1000);
  }
  EXPECT_EQ(got.count(victim), 0u) << "a dropped request came back";
  for (std::size_t i = 0; i < n; ++i) {
    if (i == victim) continue;
    ASSERT_EQ(got.count(i), 1u) << "request " << i;
    expect_same(got[i], want[i], "request " + std::to_string(i));
  }
}

TEST_P(DecodeSessionTest, AFinishedRequestLeavesAtOnceWhileOthersRun) {
  const TranslationOptions options = options_for(beam(), 6);
  const auto session = translator_.open_session(options, 2 * beam());
  const auto first = session->add({request(translator_, 0)})[0];
  session->step();
  session->step();
  const auto second = session->add({request(translator_, 2)})[0];
  std::vector<DecodeSession::Finished> finished;
  while (finished.empty()) {
    session->step();
    finished = session->take_finished();
  }
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].id, first);
  ASSERT_EQ(session->running(), 1u);
  EXPECT_GT(session->steps_of(second), 0);
  EXPECT_LT(session->steps_of(second), 6);
  while (session->running() > 0) session->step();
  const auto rest = session->take_finished();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, second);
}

TEST_P(DecodeSessionTest, AFullRowBudgetRefusesNewcomersUntilARequestLeaves) {
  const TranslationOptions options = options_for(beam(), 5);
  const auto session = translator_.open_session(options, 2 * beam() + beam() - 1);
  EXPECT_EQ(session->room(), 2);
  session->add({request(translator_, 0), request(translator_, 1)});
  EXPECT_EQ(session->room(), 0);
  EXPECT_THROW(session->add({request(translator_, 2)}), InvalidArgument);
  EXPECT_EQ(session->running(), 2u);
  while (session->room() == 0) session->step();
  EXPECT_EQ(session->take_finished().size(), 2u);
  const auto late = session->add({request(translator_, 2)})[0];
  while (session->running() > 0) session->step();
  const auto done = session->take_finished();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, late);
  expect_same(done[0].result, alone(request(translator_, 2), options), "late");
}

TEST_P(DecodeSessionTest,
       RequestsOfOtherBeamSizesShareTheStepsWithinTheRowsAndGetTheirAloneResults) {
  // The session's own beam, greedy, and a beam of 2 beside it; rows counted, not requests.
  const TranslationOptions own = options_for(beam(), 9), greedy = options_for(1, 7),
                           two = options_for(2, 8);
  const auto session = translator_.open_session(own, beam() + 1 + 2);
  auto r0 = request(translator_, 0), r1 = request(translator_, 1), r2 = request(translator_, 2);
  r1.options = &greedy;
  r2.options = &two;
  EXPECT_TRUE(session->accepts(greedy));
  EXPECT_TRUE(session->accepts(two));
  EXPECT_FALSE(session->accepts(options_for(beam() + 4, 8)));  // more rows than the session's
  const auto first = session->add({r0, r1});
  EXPECT_EQ(session->rows_free(), 2);
  session->step();
  auto late = request(translator_, 3);
  late.options = &greedy;
  const auto second = session->add({r2});  // joins after a step, its 2 rows exactly free
  EXPECT_EQ(session->rows_free(), 0);
  EXPECT_THROW(session->add({late}), InvalidArgument);
  EXPECT_EQ(session->running(), 3u);
  std::map<DecodeSession::RequestId, TranslationResult> got;
  while (session->running() > 0) {
    session->step();
    for (auto& f : session->take_finished()) got[f.id] = std::move(f.result);
  }
  EXPECT_EQ(session->rows_free(), beam() + 3);
  ASSERT_EQ(got.size(), 3u);
  expect_same(got[first[0]], alone(r0, own), "own beam");
  expect_same(got[first[1]], alone(r1, greedy), "greedy");
  expect_same(got[second[0]], alone(r2, two), "beam 2");
}

TEST_P(DecodeSessionTest, NoRequestRunsPastMaxDecodingLength) {
  const int max_length = 4;
  const auto session = translator_.open_session(options_for(beam(), max_length), beam());
  session->add({request(translator_, 2)});
  for (int s = 0; s < max_length; ++s) session->step();
  EXPECT_EQ(session->running(), 0u);
  session->step();  // nothing left: no work, no error
  const auto done = session->take_finished();
  ASSERT_EQ(done.size(), 1u);
  for (const auto& h : done[0].result.hypotheses)
    EXPECT_LE(h.tokens.size(), static_cast<std::size_t>(max_length));
}

TEST_P(DecodeSessionTest, ASourceWithNothingToDecodeFinishesOnAdd) {
  const auto session = translator_.open_session(options_for(beam(), 8), beam());
  const auto id = session->add({{{"</s>"}, {"fra_Latn"}}})[0];
  EXPECT_EQ(session->running(), 0u);
  const auto done = session->take_finished();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, id);
  ASSERT_EQ(done[0].result.hypotheses.size(), 1u);
  EXPECT_EQ(done[0].result.hypotheses[0].tokens, std::vector<std::string>{"fra_Latn"});
}

TEST(DecodeSession, RefusesABudgetSmallerThanOneRequestAndRequestsThatDoNotFit) {
  Translator t(kGenModel + "model-float32");
  EXPECT_THROW(t.open_session(options_for(4, 8), 3), InvalidArgument);
  const auto session = t.open_session(options_for(2, 8), 4, 12);
  const TranslationOptions other_beam = options_for(5, 8), longer = options_for(2, 13),
                           fits = options_for(2, 12);
  auto r = request(t, 0);
  r.options = &other_beam;
  EXPECT_THROW(session->add({r}), InvalidArgument);
  r.options = &longer;
  EXPECT_THROW(session->add({r}), InvalidArgument);
  EXPECT_EQ(session->running(), 0u);
  r.options = &fits;
  EXPECT_EQ(session->add({r}).size(), 1u);
  TranslationOptions bad = options_for(1, 8);
  bad.decoding.max_decoding_length = 1 << 20;
  EXPECT_THROW(t.open_session(bad, 4), InvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(ModelsAndSearches, DecodeSessionTest,
                         ::testing::Combine(::testing::Values("model-float32", "model-int8"),
                                            ::testing::Values(1, 3)),
                         [](const auto& info) {
                           std::string name = std::get<0>(info.param);
                           for (auto& c : name)
                             if (c == '-') c = '_';
                           return name + (std::get<1>(info.param) == 1 ? "_greedy" : "_beam");
                         });

}  // namespace
}  // namespace nmtd
