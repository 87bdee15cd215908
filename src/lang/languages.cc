#include "lang/languages.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "common/error.h"
#include "lang/language_table.h"

namespace nmtd::lang {

namespace {

// Longer than any real tag ("zh-Hant-TW-x-private" is 20); keeps hostile input cheap.
constexpr std::size_t kMaxCodeLength = 64;
constexpr std::string_view kWhereToLook =
    "docs/languages.md lists every accepted code (a running server: GET /languages)";

// Lower case with '-' separators: the one spelling every lookup key is stored in.
std::string normal_form(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';  // "zh_CN" and "jpn_Jpan" are spelled with '_' by many clients
  }
  return out;
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

// The registry, built once: the rows expanded into LanguageInfo, and every lookup key
// (lower case, '-' separated) mapped to its language.
struct Registry {
  std::vector<LanguageInfo> languages;
  std::vector<std::string_view> codes;
  std::unordered_map<std::string, const LanguageInfo*> keys;

  Registry() {
    const auto rows = detail::language_rows();
    languages.reserve(rows.size());  // never grows again: the pointers below stay valid
    for (const auto& row : rows) {
      LanguageInfo info;
      info.code = row.code;
      info.english_name = row.english;
      info.native_name = row.native;
      info.iso639_1 = row.iso639_1;
      info.iso639_3 = row.code.substr(0, row.code.find('_'));
      info.script = row.code.substr(row.code.find('_') + 1);
      // Arabic and Hebrew are the only right-to-left scripts among NLLB's.
      info.right_to_left = info.script == "Arab" || info.script == "Hebr";
      for (auto alias : split(row.aliases, ' '))
        if (!alias.empty()) info.aliases.push_back(alias);
      info.index = languages.size();
      languages.push_back(std::move(info));
      codes.push_back(row.code);
    }
    add_keys();
    for (auto& info : languages) info.tag = preferred_tag(info);
  }

  // Bare keys (a language subtag: "zh", "zho", "iw") may name several rows in different
  // scripts, then script_defaults() picks one; tag keys ("zh-hant", "zh-tw") name one row.
  void add_keys() {
    std::unordered_map<std::string, std::vector<const LanguageInfo*>> bare;
    for (const auto& info : languages) {
      std::vector<std::string_view> names = {info.iso639_3};
      if (!info.iso639_1.empty()) names.push_back(info.iso639_1);
      for (auto alias : info.aliases) {
        if (alias.find('-') == std::string_view::npos)
          names.push_back(alias);
        else
          add_tag(normal_form(alias), info);
      }
      for (auto name : names) {
        bare[normal_form(name)].push_back(&info);
        add_tag(normal_form(name) + "-" + normal_form(info.script), info);  // "jpn-jpan", "ja-jpan"
      }
    }
    const auto defaults = detail::script_defaults();
    for (auto& [key, rows] : bare) {
      std::sort(rows.begin(), rows.end());
      rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
      const LanguageInfo* pick = rows.size() == 1 ? rows.front() : nullptr;
      for (const auto* info : rows)
        if (rows.size() > 1 &&
            std::find(defaults.begin(), defaults.end(), info->code) != defaults.end()) {
          if (pick) throw std::logic_error("two script defaults for '" + key + "'");
          pick = info;
        }
      if (!pick) throw std::logic_error("no script default for '" + key + "'");
      keys.emplace(key, pick);
    }
  }

  void add_tag(const std::string& key, const LanguageInfo& info) {
    const auto [it, added] = keys.emplace(key, &info);
    if (!added && it->second != &info)
      throw std::logic_error("language key '" + key + "' names both " +
                             std::string(it->second->code) + " and " + std::string(info.code));
  }

  // The language subtag alone when it names this row unambiguously, else with the script.
  std::string preferred_tag(const LanguageInfo& info) const {
    const std::string base(info.iso639_1.empty() ? info.iso639_3 : info.iso639_1);
    const bool shared = std::any_of(languages.begin(), languages.end(), [&](const auto& other) {
      return &other != &info && (other.iso639_1 == base || other.iso639_3 == base);
    });
    return shared ? base + "-" + std::string(info.script) : base;
  }

  const LanguageInfo* key(const std::string& k) const {
    const auto it = keys.find(k);
    return it == keys.end() ? nullptr : it->second;
  }
};

const Registry& registry() {
  static const Registry r;
  return r;
}

// The code as it may be shown in a message: printable ASCII kept, anything else escaped.
std::string printable(std::string_view code) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : code.substr(0, kMaxCodeLength)) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && c != '"' && c != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    }
  }
  if (code.size() > kMaxCodeLength) out += "...";
  return out;
}

Resolution fail(std::string message) { return {nullptr, std::move(message)}; }

Resolution unknown(std::string_view code) {
  return fail("unknown language code \"" + printable(code) +
              "\": use an NLLB code (eng_Latn), an ISO 639-1 or 639-3 code (en, eng) or a "
              "BCP-47 tag (en-US, zh-Hant); " +
              std::string(kWhereToLook));
}

// "ja-Latn": the language exists, not in that script. Names the scripts NLLB has.
Resolution wrong_script(std::string_view code, const LanguageInfo& any, std::string_view script) {
  std::string have;
  for (const auto& info : registry().languages)
    if (info.iso639_3 == any.iso639_3) have += (have.empty() ? "" : ", ") + std::string(info.code);
  return fail("no NLLB language for \"" + printable(code) + "\": NLLB has no " +
              std::string(any.english_name) + " in script " + std::string(script) + ", only " +
              have + "; " + std::string(kWhereToLook));
}

}  // namespace

std::span<const LanguageInfo> all_languages() { return registry().languages; }
std::span<const std::string_view> nllb_codes() { return registry().codes; }

bool is_nllb_code(std::string_view code) {
  // Every NLLB code is "xxx_Xxxx": most tokens a caller asks about are not, and cost no lookup.
  if (code.size() != 8 || code[3] != '_') return false;
  const auto* info = registry().key(normal_form(code));
  return info != nullptr && info->code == code;
}

bool is_auto(std::string_view code) { return code.size() == 4 && normal_form(code) == "auto"; }

Resolution resolve(std::string_view code) {
  if (code.empty())
    return fail("empty language code: name a language, e.g. eng_Latn or en; " +
                std::string(kWhereToLook));
  if (is_auto(code))
    return fail("\"auto\" is not a language: detect the language first, or name one; " +
                std::string(kWhereToLook));
  if (code.size() > kMaxCodeLength || !std::all_of(code.begin(), code.end(), [](char c) {
        return is_alnum(c) || c == '-' || c == '_';
      }))
    return unknown(code);

  const Registry& r = registry();
  const std::string normal = normal_form(code);
  if (const auto* info = r.key(normal)) return {info, {}};

  // A BCP-47 tag: language [-script] [-region] [-variants, extensions: ignored].
  const auto subtags = split(normal, '-');
  const std::string language(subtags[0]);
  if (language.size() < 2 || language.size() > 3 || !all_of(language, is_alpha))
    return unknown(code);
  std::size_t next = 1;
  std::string_view script, region;
  if (next < subtags.size() && subtags[next].size() == 4 && all_of(subtags[next], is_alpha))
    script = subtags[next++];
  if (next < subtags.size() && ((subtags[next].size() == 2 && all_of(subtags[next], is_alpha)) ||
                                (subtags[next].size() == 3 && all_of(subtags[next], is_digit))))
    region = subtags[next++];
  for (; next < subtags.size(); ++next)
    if (subtags[next].empty() || subtags[next].size() > 8) return unknown(code);

  const LanguageInfo* bare = r.key(language);
  if (!script.empty()) {
    if (const auto* info = r.key(language + "-" + std::string(script))) return {info, {}};
    if (bare) {
      std::string shown(script);
      shown[0] = static_cast<char>(shown[0] - 'a' + 'A');
      return wrong_script(code, *bare, shown);
    }
    return unknown(code);
  }
  if (!region.empty())
    if (const auto* info = r.key(language + "-" + std::string(region))) return {info, {}};
  if (bare) return {bare, {}};  // a region alone never changes the language: en-US, pt-BR
  return unknown(code);
}

const LanguageInfo* find_language(std::string_view code) { return resolve(code).language; }

const LanguageInfo& resolve_or_throw(std::string_view code) {
  auto r = resolve(code);
  if (!r) throw InvalidArgument(r.error);
  return *r.language;
}

}  // namespace nmtd::lang
