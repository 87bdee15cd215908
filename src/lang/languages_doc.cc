// docs/languages.md's table, generated from the registry so that the doc cannot drift from it
// (tests/unit/lang/docs_test.cc compares them and says how to regenerate).
#include <algorithm>

#include "lang/languages.h"

namespace nmtd::lang {

namespace {

std::string code_list(const std::vector<std::string>& codes) {
  std::string out;
  for (const auto& c : codes) out += (out.empty() ? "`" : ", `") + c + "`";
  return out;
}

// Every other code that resolves to `info`, in the table's order: ISO codes first, then aliases.
// An alias another row wins without a script ("ku" is kmr_Latn) is shown with this row's script
// ("ku-Arab"), the form that does name this row.
std::vector<std::string> also_accepted(const LanguageInfo& info) {
  std::vector<std::string> out;
  const auto add = [&](std::string c) {
    if (c.empty() || c == info.tag || find_language(c) != &info) return false;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
    return true;
  };
  add(std::string(info.iso639_1));
  add(std::string(info.iso639_3));
  for (auto alias : info.aliases)
    if (!add(std::string(alias)) && alias.find('-') == std::string_view::npos)
      add(std::string(alias) + "-" + std::string(info.script));
  return out;
}

}  // namespace

std::string languages_markdown() {
  std::string md =
      "| NLLB code | Language | Native name | Tag | ISO 639-1 | ISO 639-3 | Script | RTL "
      "| Also accepted |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& info : all_languages()) {
    md += "| `" + std::string(info.code) + "` | " + std::string(info.english_name) + " | " +
          std::string(info.native_name) + " | `" + info.tag + "` | " +
          (info.iso639_1.empty() ? std::string() : "`" + std::string(info.iso639_1) + "`") +
          " | `" + std::string(info.iso639_3) + "` | " + std::string(info.script) + " | " +
          (info.right_to_left ? "yes" : "") + " | " + code_list(also_accepted(info)) + " |\n";
  }
  return md;
}

}  // namespace nmtd::lang
