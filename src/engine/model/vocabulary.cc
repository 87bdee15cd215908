#include "engine/model/vocabulary.h"

#include <limits>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/printable.h"
#include "engine/model/model_file_util.h"

namespace nmtd {

Vocabulary::Vocabulary(std::vector<std::string> tokens, const std::string& unk_token)
    : tokens_(std::move(tokens)) {
  // Ids are int32 everywhere downstream; +1 leaves room for an appended unk.
  if (tokens_.size() >= static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
    throw InvalidArgument("vocabulary has too many tokens: " + std::to_string(tokens_.size()));
  ids_.reserve(tokens_.size() + 1);
  for (std::size_t i = 0; i < tokens_.size(); ++i)
    ids_.emplace(tokens_[i], static_cast<int32_t>(i));  // emplace: the first duplicate wins
  if (ids_.find(unk_token) == ids_.end()) {
    // CTranslate2 appends a missing unk token, so the vocabulary grows by one.
    tokens_.push_back(unk_token);
    unk_appended_ = true;
    ids_.emplace(unk_token, static_cast<int32_t>(tokens_.size() - 1));
  }
  unk_id_ = ids_.find(unk_token)->second;
}

std::vector<std::string> Vocabulary::parse_json(std::string_view text, const std::string& file) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ModelFormatError(file + ": not valid JSON: " + e.what());
  }
  if (!j.is_array())
    throw ModelFormatError(file + ": expected a JSON array of token strings, found " +
                           j.type_name());
  std::vector<std::string> tokens;
  tokens.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string())
      throw ModelFormatError(file + ": element " + std::to_string(i) +
                             " should be a string, found " + j[i].type_name());
    tokens.push_back(j[i].get<std::string>());
  }
  return tokens;
}

std::vector<std::string> Vocabulary::parse_txt(std::string_view text) {
  std::vector<std::string> tokens;
  bool strip_cr = true;
  std::size_t pos = 0;
  while (pos < text.size()) {  // std::getline semantics: no token after a final '\n'
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    // Some vocabularies have tokens ending in '\r': only a CRLF file loses them.
    if (line.empty() || line.back() != '\r') strip_cr = false;
    tokens.emplace_back(line);
    pos = end + 1;
  }
  if (strip_cr)
    for (auto& t : tokens) t.pop_back();
  return tokens;
}

Vocabulary Vocabulary::load(const std::filesystem::path& dir, const std::string& unk_token) {
  // JSON wins over TXT; a shared vocabulary wins over separate ones. With separate
  // vocabularies the engine needs the target one (NLLB's source and target are the same).
  static constexpr const char* kCandidates[] = {"shared_vocabulary.json", "shared_vocabulary.txt",
                                                "target_vocabulary.json", "target_vocabulary.txt"};
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw ModelFormatError(dir.string() + ": not a directory (looking for the vocabulary)");
  for (const char* name : kCandidates) {
    const auto file = dir / name;
    if (!std::filesystem::exists(file, ec)) continue;
    std::string text;
    try {
      text = read_text_file(file);
    } catch (const IoError& e) {
      throw ModelFormatError(file.string() + ": cannot read the vocabulary: " + e.what());
    }
    const bool json = file.extension() == ".json";
    return Vocabulary(json ? parse_json(text, file.string()) : parse_txt(text), unk_token);
  }
  std::string looked;
  for (const char* name : kCandidates) looked += (looked.empty() ? "" : ", ") + std::string(name);
  throw ModelFormatError(dir.string() + ": no vocabulary file (looked for " + looked + ")");
}

void Vocabulary::save_json(const std::filesystem::path& file,
                           const std::vector<std::string>& tokens) {
  // json.dump(tokens, f, indent=2): "[]" when empty, otherwise one element per line.
  std::string out;
  if (tokens.empty()) {
    out = "[]";
  } else {
    out = "[\n";
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      out += "  ";
      try {
        out += python_json_quote(tokens[i]);
      } catch (const InvalidArgument& e) {
        throw InvalidArgument("token " + std::to_string(i) + ": " + e.what());
      }
      out += i + 1 < tokens.size() ? ",\n" : "\n";
    }
    out += "]";
  }
  write_file_atomically(file, out);
}

std::string Vocabulary::size_text() const {
  std::string text = std::to_string(size()) + " tokens";
  if (unk_appended_)
    text += " (the file's " + std::to_string(file_entries()) + " and the unk token \"" +
            printable(tokens_.back()) + "\", which it lacks)";
  return text;
}

int32_t Vocabulary::find(std::string_view token) const {
  const auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

int32_t Vocabulary::to_id(std::string_view token) const {
  const int32_t id = find(token);
  return id < 0 ? unk_id_ : id;
}

const std::string& Vocabulary::to_token(int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size())
    throw InvalidArgument("invalid token id " + std::to_string(id) + ": valid ids are 0 to " +
                          std::to_string(tokens_.size() - 1));
  return tokens_[static_cast<std::size_t>(id)];
}

}  // namespace nmtd
