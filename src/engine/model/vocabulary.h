#pragma once
// A CTranslate2 vocabulary: shared_vocabulary.json (JSON array of tokens) or .txt (one
// token per line). The first occurrence of a duplicate token wins for token -> id; the
// unk token is appended when missing, as CTranslate2 does.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nmtd {

class Vocabulary {
 public:
  Vocabulary(std::vector<std::string> tokens, const std::string& unk_token);

  // Loads shared_vocabulary.json or .txt (or target_vocabulary.* when the model has separate
  // vocabularies) from `dir`. Throws ModelFormatError naming the file when missing/malformed.
  static Vocabulary load(const std::filesystem::path& dir, const std::string& unk_token);
  // Writes `tokens` as shared_vocabulary.json the way CTranslate2's converter does
  // (json.dump(indent=2), non-ASCII as \uXXXX escapes, no trailing newline).
  static void save_json(const std::filesystem::path& file, const std::vector<std::string>& tokens);

  // The token lists of the two file forms (exposed for tests and tools). `file` names the
  // source in errors. JSON: an array of strings. TXT: one token per line, "\n"-separated;
  // a final newline adds no token, and "\r" is stripped only when every line ends with it.
  static std::vector<std::string> parse_json(std::string_view text, const std::string& file);
  static std::vector<std::string> parse_txt(std::string_view text);

  std::size_t size() const { return tokens_.size(); }
  // The entries the file held: size() less the unk token appended when the file lacks it.
  std::size_t file_entries() const { return tokens_.size() - (unk_appended_ ? 1 : 0); }
  bool unk_appended() const { return unk_appended_; }
  // "2204 tokens", or, when the unk token was appended, "2205 tokens (the file's 2204 and
  // \"<unk>\", which it lacks)": a count that matches neither the file nor the model must
  // say where the extra one came from.
  std::string size_text() const;
  // Unknown tokens map to unk_id().
  int32_t to_id(std::string_view token) const;
  // -1 when unknown.
  int32_t find(std::string_view token) const;
  // Throws InvalidArgument when id is out of range.
  const std::string& to_token(int32_t id) const;
  int32_t unk_id() const { return unk_id_; }
  const std::vector<std::string>& tokens() const { return tokens_; }

 private:
  std::vector<std::string> tokens_;
  // Transparent hash so that to_id(string_view) looks up without building a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> ids_;
  int32_t unk_id_ = 0;
  bool unk_appended_ = false;
};

}  // namespace nmtd
