#pragma once
// `nmtd translate` over many lines, batched as CTranslate2's translate_file does: read a
// bounded window of lines ahead, group those that share options and language pair, sort each
// group by source length, cut it into batches of --max-batch-size examples or source tokens,
// and write every line's answer in input order. A line the engine refuses does not fail its
// batch-mates: a failed batch is retried one line at a time, so each error stays on its line.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/line_source.h"
#include "engine/translator.h"

namespace nmtd::cli {

enum class BatchType { kExamples, kTokens };

// "examples" or "tokens"; throws InvalidArgument naming --batch-type and the choices.
BatchType parse_batch_type(std::string_view name);

struct BatchingOptions {
  static constexpr int kMaxBatchSizeLimit = 65536;
  int max_batch_size = 32;  // examples, or source tokens with BatchType::kTokens
  BatchType batch_type = BatchType::kExamples;

  // Throws InvalidArgument naming --max-batch-size when it is not in 1..kMaxBatchSizeLimit.
  void validate() const;
  // How much is read ahead, in the batch type's unit: 16 batches, as CTranslate2's default
  // read_batch_size (one when batches hold one example, so nothing waits for company).
  std::size_t read_ahead() const;
};

// What needs the engine: source tokens ([src_lang, pieces..., "</s>"]) and the target language.
struct EngineRequest {
  std::vector<std::string> source_tokens;
  std::string target;
  TranslationOptions options;
  std::vector<std::string> target_prefix;  // pieces forced after the target language token
};

// One input line on its way through: a request for the engine, then its result or an error.
// A line answered without the engine (a blank line, a bad request) has no request.
struct LineJob {
  std::optional<EngineRequest> request;
  std::optional<TranslationResult> result;
  std::optional<std::string> error;
  TranslationOptions options;  // how to write the answer (scores, number of hypotheses)
};

// The engine as the batcher calls it (Translator::translate_tokens, or a test's counter).
using EngineCall = std::function<std::vector<TranslationResult>(
    const std::vector<std::vector<std::string>>& sources,
    const std::vector<std::vector<std::string>>& target_prefixes,
    const TranslationOptions& options)>;

EngineCall engine_call(Translator& translator);

// Fills result or error of every job that has a request, in as few engine calls as the
// batching allows.
void translate_jobs(std::vector<LineJob>& jobs, const EngineCall& engine,
                    const BatchingOptions& batching);

// Reads `in` to its end a window at a time: `parse` makes each line a job, the window is
// translated, then `write` is called for each job in input order. A window closes when it is
// full or when no more input is there yet (a person typing gets each answer at once).
void translate_lines(LineSource& in, const std::function<LineJob(const std::string&)>& parse,
                     const EngineCall& engine, const std::function<void(const LineJob&)>& write,
                     const BatchingOptions& batching);

}  // namespace nmtd::cli
