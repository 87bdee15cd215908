#pragma once
// The machine-readable translate mode: one JSON request per line in, one JSON result per
// line out, in input order. A bad line yields {"error": "..."} and the stream goes on.
// Requests are translated in batches (batched_translation.h); each line keeps its answer.
#include <iosfwd>
#include <string>

#include "cli/batched_translation.h"
#include "cli/line_source.h"
#include "engine/translator.h"

namespace nmtd::cli {

// Applies CTranslate2 option names found in `request` (a JSON object) over `base`.
// Throws InvalidArgument naming the option when a value has the wrong type or range.
TranslationOptions options_from_json(const std::string& request_json, TranslationOptions base);

// One request line as a job: its engine request, or the error that answers it.
LineJob parse_jsonl_line(const Translator& translator, const std::string& line,
                         const TranslationOptions& base);

// The JSON result line of a translated (or failed) job, without newline.
std::string jsonl_answer(const LineJob& job);

// Reads requests from `in` until its end, writing results to `out` in input order (flushed
// per line), translated through `engine` in batches.
void run_jsonl(const Translator& translator, LineSource& in, std::ostream& out,
               const TranslationOptions& base, const EngineCall& engine,
               const BatchingOptions& batching);

}  // namespace nmtd::cli
