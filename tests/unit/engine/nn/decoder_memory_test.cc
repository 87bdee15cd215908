// Decoder memory lent to decode sessions one after another (a worker's life): each session's
// results are what its requests get decoded alone, the memory comes back the same size, and a
// bounded memory refuses source tokens it cannot hold instead of growing.
#include "engine/nn/decoder_memory.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/decode_session.h"
#include "engine/translator.h"

namespace nmtd {
namespace {

const std::string kModel = std::string(NMTD_TEST_DATA) + "/gen-s11/model-int8";
const std::vector<std::string> kTexts = {
    "Open the door slowly, then look inside.",
    "Hello",
    "The file could not be opened because another program is using it right now.",
    "Press any key",
};

TranslationOptions options(int beam) {
  TranslationOptions o;
  o.decoding.beam_size = beam;
  o.decoding.max_decoding_length = 12;
  o.decoding.return_scores = true;
  return o;
}

DecodeSession::Request request(const Translator& t, std::size_t i) {
  return {t.tokenizer().source_tokens(kTexts[i % kTexts.size()], "eng_Latn"), {"fra_Latn"}};
}

// Runs the requests through the session, adding each when there is room; results by index.
std::map<std::size_t, TranslationResult> run(DecodeSession& session,
                                             const std::vector<DecodeSession::Request>& requests) {
  std::map<DecodeSession::RequestId, std::size_t> which;
  std::map<std::size_t, TranslationResult> got;
  std::size_t next = 0;
  for (int steps = 0; next < requests.size() || session.running() > 0; ++steps) {
    if (next < requests.size() && session.room() > 0) {
      const std::vector<int64_t> tokens = {static_cast<int64_t>(requests[next].source.size())};
      if (session.room_for(tokens)) {
        const auto id = session.add({requests[next]})[0];
        which[id] = next++;
      }
    }
    session.step();
    for (auto& f : session.take_finished()) got[which.at(f.id)] = std::move(f.result);
    if (steps > 1000) break;
  }
  return got;
}

TEST(DecoderMemory, SessionsInTurnInOneLentMemoryGetTheirAloneResults) {
  Translator t(kModel);
  for (const int beam : {1, 2}) {
    const DecoderMemoryShape shape{.rows = 2 * beam, .steps = 16, .memory_rows = 64};
    DecoderMemory memory = t.decoder_memory(shape);
    EXPECT_TRUE(memory.bounded());
    EXPECT_EQ(memory.bytes(), t.decoder_memory_bytes(shape));
    const std::size_t bytes = memory.bytes();
    for (int round = 0; round < 3; ++round) {
      std::vector<DecodeSession::Request> requests;
      for (std::size_t i = 0; i < 3; ++i) requests.push_back(request(t, i + round));
      const auto session = t.open_session(options(beam), std::move(memory));
      const auto got = run(*session, requests);
      ASSERT_EQ(got.size(), requests.size());
      for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto alone =
            t.translate_tokens({requests[i].source}, {requests[i].target_prefix}, options(beam))[0];
        EXPECT_EQ(got.at(i).hypotheses[0].tokens, alone.hypotheses[0].tokens)
            << "beam " << beam << " round " << round << " request " << i;
        EXPECT_EQ(got.at(i).hypotheses[0].score, alone.hypotheses[0].score);
      }
      memory = session->take_memory();
      EXPECT_EQ(memory.bytes(), bytes) << "the memory grew or shrank in round " << round;
    }
  }
}

TEST(DecoderMemory, ABoundedMemoryRefusesSourceTokensItCannotHoldUntilTheyLeave) {
  Translator t(kModel);
  const auto first = request(t, 0);
  const auto longer = request(t, 2);
  const auto held = static_cast<int64_t>(longer.source.size());
  ASSERT_GT(held, static_cast<int64_t>(first.source.size()));
  const auto session =
      t.open_session(options(1), t.decoder_memory({.rows = 4, .steps = 16, .memory_rows = held}));
  session->add({first});
  const std::vector<int64_t> tokens = {held};
  EXPECT_FALSE(session->room_for(tokens));
  EXPECT_THROW(session->add({longer}), InvalidArgument);
  EXPECT_EQ(session->running(), 1u) << "a refused add changed the session";
  for (int steps = 0; session->running() > 0 && steps < 100; ++steps) session->step();
  session->take_finished();
  session->step();  // the finished request's source leaves at the next plan
  EXPECT_TRUE(session->room_for(tokens));
  EXPECT_NO_THROW(session->add({longer}));
}

TEST(DecoderMemory, RefusesShapesTheModelCannotRun) {
  Translator t(kModel);
  EXPECT_THROW(t.decoder_memory({.rows = 0, .steps = 16, .memory_rows = 8}), InvalidArgument);
  EXPECT_THROW(t.decoder_memory({.rows = 2, .steps = 16, .memory_rows = 0}), InvalidArgument);
  EXPECT_THROW(
      t.decoder_memory({.rows = 2, .steps = t.info().max_target_positions + 1, .memory_rows = 8}),
      InvalidArgument);
  // A session whose options need more steps than the memory has is refused.
  TranslationOptions long_options = options(1);
  long_options.decoding.max_decoding_length = 32;
  EXPECT_THROW(
      t.open_session(long_options, t.decoder_memory({.rows = 2, .steps = 16, .memory_rows = 8})),
      InvalidArgument);
}

}  // namespace
}  // namespace nmtd
