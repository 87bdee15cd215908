#pragma once
// The machine-readable translate mode: one JSON request per line in, one JSON result per
// line out, in input order. A bad line yields {"error": "..."} and the stream goes on.
#include <iosfwd>
#include <string>

#include "engine/translator.h"

namespace nmtd::cli {

// Applies CTranslate2 option names found in `request` (a JSON object) over `base`.
// Throws InvalidArgument naming the option when a value has the wrong type or range.
TranslationOptions options_from_json(const std::string& request_json, TranslationOptions base);

// Handles one request line; returns the JSON result line (without newline).
std::string translate_jsonl_line(Translator& translator, const std::string& line,
                                 const TranslationOptions& base);

// Reads requests from `in` until EOF, writing results to `out` (flushed per line).
void run_jsonl(Translator& translator, std::istream& in, std::ostream& out,
               const TranslationOptions& base);

}  // namespace nmtd::cli
