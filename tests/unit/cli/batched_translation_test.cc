// `nmtd translate` in batches: the answers are those of one line at a time, in input order,
// in fewer engine calls; a bad line fails alone; lines with other options or languages go
// in other batches; the read-ahead stays bounded and never waits for input not yet there.
#include "cli/batched_translation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/jsonl.h"
#include "cli/line_source.h"
#include "common/error.h"

namespace nmtd::cli {
namespace {

using nlohmann::json;

const std::string kModel = std::string(NMTD_TEST_DATA) + "/tiny-nllb-s1/ct2-float32";

Translator& translator() {
  static Translator t(kModel, TranslatorConfig{ComputeType::kFloat32, 1});
  return t;
}

// The real engine, with a record of every call it gets.
struct CountingEngine {
  std::vector<std::vector<std::vector<std::string>>> calls;  // the sources of each call
  std::vector<TranslationOptions> options;
  EngineCall call() {
    return [this](const auto& sources, const auto& prefixes, const TranslationOptions& o) {
      calls.push_back(sources);
      options.push_back(o);
      return translator().translate_tokens(sources, prefixes, o);
    };
  }
};

const std::vector<std::string> kTexts = {
    "Hello world.",
    "The weather is nice today and we will go for a long walk in the park.",
    "Yes.",
    "Where is the station?",
    "Good morning, how are you doing on this fine day?",
    "Thank you very much.",
    "I would like a cup of coffee, please.",
    "The cat sleeps.",
    "Open the window.",
    "See you tomorrow!"};

std::string request(const std::string& text, const std::string& target = "fra_Latn",
                    int beam_size = 2) {
  return json{{"text", text},           {"source", "eng_Latn"},      {"target", target},
              {"beam_size", beam_size}, {"max_decoding_length", 16}, {"return_scores", true}}
      .dump();
}

std::vector<std::string> run(const std::vector<std::string>& lines, CountingEngine& engine,
                             const BatchingOptions& batching) {
  ListLineSource in(lines);
  std::ostringstream out;
  run_jsonl(translator(), in, out, TranslationOptions{}, engine.call(), batching);
  std::vector<std::string> answers;
  std::istringstream split(out.str());
  for (std::string line; std::getline(split, line);) answers.push_back(line);
  return answers;
}

void expect_same_answers(const std::vector<std::string>& got,
                         const std::vector<std::string>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const json g = json::parse(got[i]), w = json::parse(want[i]);
    if (w.contains("error")) {
      EXPECT_EQ(g, w) << "line " << i;
      continue;
    }
    ASSERT_TRUE(g.contains("hypotheses")) << "line " << i << ": " << got[i];
    EXPECT_EQ(g["hypotheses"][0]["tokens"], w["hypotheses"][0]["tokens"]) << "line " << i;
    EXPECT_EQ(g["hypotheses"][0]["text"], w["hypotheses"][0]["text"]) << "line " << i;
    EXPECT_NEAR(g["hypotheses"][0]["score"].get<double>(),
                w["hypotheses"][0]["score"].get<double>(), 1e-4)
        << "line " << i;
  }
}

TEST(BatchedTranslation, BatchesGiveTheAnswersOfOneLineAtATimeInInputOrder) {
  std::vector<std::string> lines;
  for (const auto& t : kTexts) lines.push_back(request(t));
  CountingEngine alone, batched;
  const auto want = run(lines, alone, BatchingOptions{1, BatchType::kExamples});
  EXPECT_EQ(alone.calls.size(), kTexts.size());
  const auto got = run(lines, batched, BatchingOptions{4, BatchType::kExamples});
  ASSERT_EQ(batched.calls.size(), 3u);  // 10 lines in batches of 4, 4 and 2
  EXPECT_EQ(batched.calls[0].size(), 4u);
  EXPECT_EQ(batched.calls[2].size(), 2u);
  // Longest first: each batch's sources are no longer than the previous batch's.
  EXPECT_GE(batched.calls[0].back().size(), batched.calls[1].front().size());
  expect_same_answers(got, want);
}

TEST(BatchedTranslation, BadLinesAreAnsweredInPlaceAndTheirBatchMatesTranslated) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < 6; ++i) lines.push_back(request(kTexts[i]));
  lines.insert(lines.begin() + 1, "{not json");
  lines.insert(lines.begin() + 3, "");
  lines.insert(lines.begin() + 5, request("Hello", "xxx_Zzzz"));
  lines.insert(lines.begin() + 6, request("Hello", "fra_Latn", 0));
  CountingEngine alone, batched;
  const auto want = run(lines, alone, BatchingOptions{1, BatchType::kExamples});
  const auto got = run(lines, batched, BatchingOptions{32, BatchType::kExamples});
  EXPECT_EQ(batched.calls.size(), 1u);  // the six good lines, together
  for (const std::size_t bad : {1, 3, 5, 6})
    EXPECT_TRUE(json::parse(got.at(bad)).contains("error")) << got.at(bad);
  expect_same_answers(got, want);
}

TEST(BatchedTranslation, ALineTheEngineRefusesFailsAloneNotItsBatch) {
  std::vector<LineJob> jobs(5);
  for (std::size_t i = 0; i < jobs.size(); ++i)
    jobs[i].request =
        EngineRequest{{"eng_Latn", "tok" + std::to_string(i), "</s>"}, "fra_Latn", {}, {}};
  int calls = 0;
  const EngineCall engine = [&](const auto& sources, const auto&, const TranslationOptions&) {
    ++calls;
    for (const auto& s : sources)
      if (s[1] == "tok2") throw InvalidArgument("tok2 is refused");
    return std::vector<TranslationResult>(sources.size());
  };
  translate_jobs(jobs, engine, BatchingOptions{8, BatchType::kExamples});
  EXPECT_EQ(calls, 1 + 5);  // the batch, then each line alone
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(jobs[i].error.has_value(), i == 2) << i;
    EXPECT_EQ(jobs[i].result.has_value(), i != 2) << i;
  }
  EXPECT_EQ(jobs[2].error.value_or(""), "tok2 is refused");
}

TEST(BatchedTranslation, LinesWithOtherOptionsOrLanguagesGoInOtherBatches) {
  const std::vector<std::string> lines = {request(kTexts[0]), request(kTexts[1], "deu_Latn"),
                                          request(kTexts[2], "fra_Latn", 1), request(kTexts[3]),
                                          request(kTexts[4], "deu_Latn")};
  CountingEngine alone, batched;
  const auto want = run(lines, alone, BatchingOptions{1, BatchType::kExamples});
  const auto got = run(lines, batched, BatchingOptions{32, BatchType::kExamples});
  ASSERT_EQ(batched.calls.size(), 3u);  // fra beam 2 (two lines), deu beam 2 (two), fra beam 1
  EXPECT_EQ(batched.calls[0].size(), 2u);
  EXPECT_EQ(batched.calls[1].size(), 2u);
  EXPECT_EQ(batched.calls[2].size(), 1u);
  EXPECT_EQ(batched.options[2].decoding.beam_size, 1);
  expect_same_answers(got, want);
}

TEST(BatchedTranslation, TokenBatchesHoldAtMostMaxBatchSizeSourceTokens) {
  std::vector<std::string> lines;
  for (const auto& t : kTexts) lines.push_back(request(t));
  CountingEngine alone, batched;
  const auto want = run(lines, alone, BatchingOptions{1, BatchType::kExamples});
  const int limit = 24;
  const auto got = run(lines, batched, BatchingOptions{limit, BatchType::kTokens});
  EXPECT_LT(batched.calls.size(), kTexts.size());
  for (const auto& call : batched.calls) {
    std::size_t tokens = 0;
    for (const auto& s : call) tokens += s.size();
    // A line longer than the limit goes alone, as in CTranslate2.
    if (call.size() > 1) {
      EXPECT_LE(tokens, static_cast<std::size_t>(limit));
    }
  }
  expect_same_answers(got, want);
}

// Lines in memory, with a record of how many were read before each answer was written, and
// input that is "not there yet" after `ready_lines` lines (a person typing).
class ScriptedSource final : public LineSource {
 public:
  ScriptedSource(std::size_t lines, std::size_t ready_lines)
      : lines_(lines), ready_lines_(ready_lines) {}
  bool next(std::string& line) override {
    if (read_ == lines_) return false;
    line = "line " + std::to_string(read_++);
    return true;
  }
  bool ready() override { return read_ < ready_lines_ || read_ == lines_; }
  std::size_t read() const { return read_; }

 private:
  std::size_t lines_, ready_lines_, read_ = 0;
};

TEST(BatchedTranslation, ReadAheadIsBoundedAndNeverWaitsForInputNotThereYet) {
  const auto parse = [](const std::string& line) {
    LineJob job;
    job.request = EngineRequest{{"eng_Latn", line, "</s>"}, "fra_Latn", {}, {}};
    return job;
  };
  const EngineCall engine = [](const auto& sources, const auto&, const TranslationOptions&) {
    return std::vector<TranslationResult>(sources.size());
  };
  const BatchingOptions batching{2, BatchType::kExamples};
  ASSERT_EQ(batching.read_ahead(), 32u);
  // All there at once: read a window of 32 lines at a time, never more.
  ScriptedSource file(100, 100);
  std::vector<std::size_t> read_when_written;
  translate_lines(
      file, parse, engine, [&](const LineJob&) { read_when_written.push_back(file.read()); },
      batching);
  ASSERT_EQ(read_when_written.size(), 100u);
  EXPECT_EQ(read_when_written.front(), 32u);
  EXPECT_EQ(read_when_written[32], 64u);
  // Typed one line at a time after the first 3: each answered before the next is read.
  ScriptedSource typed(6, 3);
  read_when_written.clear();
  translate_lines(
      typed, parse, engine, [&](const LineJob&) { read_when_written.push_back(typed.read()); },
      batching);
  EXPECT_EQ(read_when_written, (std::vector<std::size_t>{3, 3, 3, 4, 5, 6}));
}

TEST(BatchedTranslation, BadBatchOptionsAreClearErrors) {
  for (const int size : {0, -1, BatchingOptions::kMaxBatchSizeLimit + 1}) {
    try {
      BatchingOptions{size, BatchType::kExamples}.validate();
      ADD_FAILURE() << size << " accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("--max-batch-size must be between 1 and 65536"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_NO_THROW((BatchingOptions{1, BatchType::kTokens}.validate()));
  EXPECT_EQ(parse_batch_type("tokens"), BatchType::kTokens);
  EXPECT_THROW(parse_batch_type("sentences"), InvalidArgument);
}

}  // namespace
}  // namespace nmtd::cli

namespace nmtd::cli {
namespace {

// Standard input as a pipe: ready() says whether a line can be read without waiting.
TEST(FdLineSource, ReadyOnlyWhenALineOrTheEndIsThere) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  FdLineSource in(fds[0]);
  EXPECT_FALSE(in.ready());
  ASSERT_EQ(::write(fds[1], "one\ntwo\nthr", 11), 11);
  EXPECT_TRUE(in.ready());
  std::string line;
  ASSERT_TRUE(in.next(line));
  EXPECT_EQ(line, "one");
  EXPECT_TRUE(in.ready());
  ASSERT_TRUE(in.next(line));
  EXPECT_EQ(line, "two");
  ::close(fds[1]);  // the end: the last line needs no newline
  EXPECT_TRUE(in.ready());
  ASSERT_TRUE(in.next(line));
  EXPECT_EQ(line, "thr");
  EXPECT_FALSE(in.next(line));
  ::close(fds[0]);
}

}  // namespace
}  // namespace nmtd::cli
