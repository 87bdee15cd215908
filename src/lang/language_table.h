#pragma once
// The language table's raw data, one row per NLLB-200 language (private to src/lang/): the one
// place the engine's language tokens, the APIs' codes (ISO 639-1/3, BCP-47, aliases), names and
// detection's codes (CLD2 answers ISO 639-1 and the old forms in `aliases`) come from.
// languages.cc derives everything else (ISO 639-3, script, direction, lookup keys) from it.
#include <span>
#include <string_view>

namespace nmtd::lang::detail {

struct LanguageRow {
  std::string_view code;      // NLLB code: ISO 639-3 "_" ISO 15924, e.g. "jpn_Jpan"
  std::string_view english;   // FLORES-200's English name
  std::string_view native;    // the name in the language itself; "" where not known reliably
  std::string_view iso639_1;  // "" when the language has no ISO 639-1 code
  // Further codes and tags that name this row, space-separated, any case: deprecated or
  // bibliographic codes ("iw", "fre"), macrolanguage codes NLLB narrowed ("ara" -> arb),
  // and tags whose region or script picks this row ("zh-TW", "ku-Arab").
  std::string_view aliases;
};

// All rows in NLLB's vocabulary order (fairseq's FAIRSEQ_LANGUAGE_CODES).
std::span<const LanguageRow> language_rows();

// For languages NLLB has in two scripts: the row a code without a script subtag means.
std::span<const std::string_view> script_defaults();

}  // namespace nmtd::lang::detail
