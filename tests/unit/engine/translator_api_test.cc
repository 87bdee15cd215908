// The engine as a library: concurrent callers, bad input answered with typed errors and the
// translator still usable afterwards, options validated before any work.
#include <gtest/gtest.h>

#include <thread>

#include "common/error.h"
#include "engine/translator.h"

namespace nmtd {
namespace {

const std::string kModel = std::string(NMTD_TEST_DATA) + "/tiny-nllb-s1/ct2-int8";

TranslationOptions greedy(int max_length) {
  TranslationOptions o;
  o.decoding.beam_size = 1;
  o.decoding.max_decoding_length = max_length;
  o.decoding.return_scores = true;
  return o;
}

TEST(TranslatorApi, ConcurrentCallersGetTheSameResultsAsOneCaller) {
  TranslatorConfig config;
  config.num_threads = 2;
  Translator t(kModel, config);
  const std::vector<std::string> texts = {"Hello world", "The file could not be opened.",
                                          "Guten Morgen", "Press any key"};
  std::vector<std::string> expected;
  for (const auto& text : texts)
    expected.push_back(
        t.translate_text({text}, "eng_Latn", "fra_Latn", greedy(24))[0].hypotheses[0].text);
  std::vector<std::jthread> callers;
  std::vector<int> mismatches(4, 0);
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 5; ++round) {
        const std::size_t i = static_cast<std::size_t>(c + round) % texts.size();
        const auto r = t.translate_text({texts[i]}, "eng_Latn", "fra_Latn", greedy(24));
        if (r[0].hypotheses[0].text != expected[i]) ++mismatches[c];
      }
    });
  }
  callers.clear();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(TranslatorApi, BadInputThrowsTypedErrorsAndChangesNothing) {
  Translator t(kModel);
  const auto before = t.translate_text({"Hello"}, "eng_Latn", "deu_Latn", greedy(16));
  EXPECT_THROW(t.translate_text({"Hello"}, "xx_Yyyy", "deu_Latn", greedy(16)), InvalidArgument);
  EXPECT_THROW(t.translate_text({"Hello"}, "eng_Latn", "deu", greedy(16)), InvalidArgument);
  EXPECT_THROW(t.translate_text({std::string("\xff\xfe bad")}, "eng_Latn", "deu_Latn", greedy(16)),
               InvalidArgument);
  TranslationOptions bad = greedy(16);
  bad.decoding.beam_size = 0;
  EXPECT_THROW(t.translate_text({"Hello"}, "eng_Latn", "deu_Latn", bad), InvalidArgument);
  bad = greedy(16);
  bad.decoding.num_hypotheses = 3;  // more than beam_size * patience
  EXPECT_THROW(t.translate_text({"Hello"}, "eng_Latn", "deu_Latn", bad), InvalidArgument);
  bad = greedy(2000);  // beyond the 1024 position encodings
  EXPECT_THROW(t.translate_tokens({{"eng_Latn", "\xe2\x96\x81Hello", "</s>"}}, {{"deu_Latn"}},
                                  [&] {
                                    auto o = bad;
                                    o.decoding.min_decoding_length = 1500;
                                    return o;
                                  }()),
               InvalidArgument);
  EXPECT_THROW(t.translate_tokens({{"eng_Latn", "</s>"}}, {}, greedy(16)), InvalidArgument);
  const auto after = t.translate_text({"Hello"}, "eng_Latn", "deu_Latn", greedy(16));
  EXPECT_EQ(before[0].hypotheses[0].tokens, after[0].hypotheses[0].tokens);
}

TEST(TranslatorApi, EmptySourceIsNotDecodedAndUnknownPiecesBecomeUnk) {
  Translator t(kModel);
  const auto empty = t.translate_tokens({{"</s>"}}, {{"fra_Latn"}}, greedy(16));
  ASSERT_EQ(empty[0].hypotheses.size(), 1u);
  EXPECT_EQ(empty[0].hypotheses[0].tokens, std::vector<std::string>{"fra_Latn"});
  EXPECT_EQ(empty[0].hypotheses[0].score, 0.0f);
  const auto unknown =
      t.translate_tokens({{"eng_Latn", "no-such-piece", "</s>"}}, {{"fra_Latn"}}, greedy(8));
  EXPECT_EQ(unknown[0].hypotheses[0].tokens.front(), "fra_Latn");
}

TEST(TranslatorApi, ComputeTypesResolveAsCTranslate2OnCpu) {
  TranslatorConfig c;
  c.compute_type = ComputeType::kFloat16;
  EXPECT_THROW(Translator(kModel, c), Unsupported);
  c.compute_type = ComputeType::kInt16;
  EXPECT_THROW(Translator(kModel, c), Unsupported);
  c.compute_type = ComputeType::kFloat32;
  EXPECT_EQ(Translator(kModel, c).info().compute_type, "float32");
  c.compute_type = ComputeType::kDefault;
  EXPECT_EQ(Translator(kModel, c).info().compute_type, "int8");
  EXPECT_EQ(
      Translator(std::string(NMTD_TEST_DATA) + "/tiny-nllb-s1/ct2-float16", c).info().compute_type,
      "float32");
  EXPECT_EQ(
      Translator(std::string(NMTD_TEST_DATA) + "/tiny-nllb-s1/ct2-int16", c).info().compute_type,
      "int8");
  EXPECT_THROW(Translator("/nonexistent/model", c), IoError);
}

// The watchdog's proof of life: every encoder sublayer, every decoder layer of every step and
// every projection counts, so a long call shows steady progress.
TEST(TranslatorApi, ProgressCountsEveryUnitOfWork) {
  Translator t(kModel);
  EXPECT_EQ(t.progress().units(), 0u);
  TranslationOptions forced = greedy(12);
  forced.decoding.min_decoding_length = 12;  // no early end: exactly 12 steps
  const auto before = ProgressCounter::Clock::now();
  t.translate_text({"Hello world", "Good morning"}, "eng_Latn", "fra_Latn", forced);
  const uint64_t encoder = 2u * static_cast<uint64_t>(t.info().encoder_layers);
  const uint64_t decoder_layers = static_cast<uint64_t>(t.info().decoder_layers);
  // Cross-attention keys once per layer, then per step each layer and the projection.
  EXPECT_EQ(t.progress().units(), encoder + decoder_layers + 12u * (decoder_layers + 1u));
  EXPECT_GE(t.progress().last_progress(), before);
}

// A server stops a batch whose callers have all gone: asked before every decoder step, the
// engine stops at the first "nobody waits" and says so with a typed error.
TEST(TranslatorApi, AnAbandonedCallStopsAtTheNextStep) {
  Translator t(kModel);
  TranslationOptions forced = greedy(200);
  forced.decoding.min_decoding_length = 200;
  const auto sources =
      std::vector<std::vector<std::string>>{{"eng_Latn", "\xe2\x96\x81Hello", "</s>"}};
  int asked = 0;
  EXPECT_THROW(t.translate_tokens(sources, {{"fra_Latn"}}, forced, [&] { return ++asked > 5; }),
               Abandoned);
  EXPECT_EQ(asked, 6);  // after the encoder, then before steps 0..4: step 4 never ran
  // The translator is fine afterwards, and a caller that never abandons gets every step.
  const auto full = t.translate_tokens(sources, {{"fra_Latn"}}, forced, [] { return false; });
  EXPECT_EQ(full[0].hypotheses[0].tokens.size(), 200u);
}

}  // namespace
}  // namespace nmtd
