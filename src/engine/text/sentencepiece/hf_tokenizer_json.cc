#include "engine/text/sentencepiece/hf_tokenizer_json.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/error.h"
#include "engine/model/model_file_util.h"
#include "engine/text/sentencepiece/normalizer.h"

namespace nmtd::spm {

namespace {

using nlohmann::json;

// Says which field is wrong; the callers below add which file.
[[noreturn]] void bad(const std::string& field, const std::string& what) {
  throw ModelFormatError(field + " " + what);
}

// The member `key` of object `parent` (at `path`), which must have one of the JSON types given.
const json& member(const json& parent, const std::string& path, const char* key,
                   std::initializer_list<json::value_t> types) {
  const std::string field = path.empty() ? key : path + "." + key;
  if (!parent.is_object()) bad(path.empty() ? "the document" : path, "is not a JSON object");
  const auto it = parent.find(key);
  if (it == parent.end()) bad(field, "is missing");
  if (std::find(types.begin(), types.end(), it->type()) == types.end())
    bad(field, std::string("has the wrong type (") + it->type_name() + ")");
  return *it;
}

// An optional member: absent or null gives nullptr.
const json* optional_member(const json& parent, const char* key) {
  const auto it = parent.find(key);
  return it == parent.end() || it->is_null() ? nullptr : &*it;
}

std::string decode_base64(std::string_view in, const std::string& field) {
  const auto value = [&](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    bad(field, "is not base64 (character " + std::to_string(static_cast<unsigned char>(c)) + ")");
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) bad(field, "is not base64 (truncated)");
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    acc = (acc << 6) | static_cast<uint32_t>(value(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// The normalizer: SentencePiece's charsmap (a "Precompiled" step) and its whitespace clean-up,
// which convert_slow_tokenizer writes as Strip(right) + Replace(" {2,}" -> "▁" or " ").
void read_normalizer(const json& n, const std::string& path, NormalizerSpec& spec,
                     bool& collapses_spaces, bool& strips) {
  const std::string type = member(n, path, "type", {json::value_t::string});
  if (type == "Sequence") {
    const json& steps = member(n, path, "normalizers", {json::value_t::array});
    for (std::size_t i = 0; i < steps.size(); ++i)
      read_normalizer(steps[i], path + ".normalizers[" + std::to_string(i) + "]", spec,
                      collapses_spaces, strips);
  } else if (type == "Precompiled") {
    if (!spec.precompiled_charsmap.empty()) bad(path, "is a second Precompiled charsmap");
    const json* blob = optional_member(n, "precompiled_charsmap");
    if (blob && !blob->is_string()) bad(path + ".precompiled_charsmap", "is not a string");
    if (blob)
      spec.precompiled_charsmap =
          decode_base64(blob->get<std::string>(), path + ".precompiled_charsmap");
    try {  // fail here, naming the field, rather than at first use
      CharsMap check(spec.precompiled_charsmap);
    } catch (const ModelFormatError& e) {
      bad(path + ".precompiled_charsmap", std::string("is not a valid charsmap: ") + e.what());
    }
  } else if (type == "Strip") {
    strips = true;
  } else if (type == "Replace") {
    const json& pattern = member(n, path, "pattern", {json::value_t::object});
    const json* regex = optional_member(pattern, "Regex");
    const std::string content = member(n, path, "content", {json::value_t::string});
    if (!regex || *regex != " {2,}" || (content != " " && content != kSpaceSymbol))
      bad(path, "is a Replace rule (" + pattern.dump() + " -> \"" + content +
                    "\") that SentencePiece cannot express: only \" {2,}\" -> \" \" (its "
                    "whitespace clean-up) is");
    collapses_spaces = true;
  } else {
    bad(path + ".type", "is \"" + type +
                            "\": SentencePiece cannot express this normalizer (only its "
                            "Precompiled charsmap, Strip and Replace \" {2,}\" are)");
  }
}

// Metaspace (pre-tokenizer or decoder): spaces become "▁"; whether one is put in front.
bool read_metaspace(const json& m, const std::string& path) {
  const std::string type = member(m, path, "type", {json::value_t::string});
  if (type != "Metaspace")
    bad(path + ".type", "is \"" + type + "\": expected Metaspace, as NLLB's tokenizer.json has");
  const std::string replacement = member(m, path, "replacement", {json::value_t::string});
  if (replacement != kSpaceSymbol)
    bad(path + ".replacement", "is \"" + replacement + "\": SentencePiece escapes spaces as \"▁\"");
  if (const json* scheme = optional_member(m, "prepend_scheme")) {
    if (*scheme == "always" || *scheme == "first") return true;
    if (*scheme == "never") return false;
    bad(path + ".prepend_scheme", "is " + scheme->dump() + ": expected always, first or never");
  }
  // Files written before tokenizers 0.15 say it with a boolean.
  return member(m, path, "add_prefix_space", {json::value_t::boolean}).get<bool>();
}

void require_null_or(const json& model, const char* key, const json& allowed) {
  const json* v = optional_member(model, key);
  if (v && *v != allowed)
    bad(std::string("model.") + key,
        "is " + v->dump() + ": SentencePiece's BPE cannot express it (expected null)");
}

std::pair<std::string, std::string> read_merge(const json& m, const std::string& field) {
  if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
    return {m[0].get<std::string>(), m[1].get<std::string>()};
  if (m.is_string()) {  // "left right", the form before tokenizers 0.20
    const std::string s = m.get<std::string>();
    const auto space = s.find(' ');
    if (space != std::string::npos && s.find(' ', space + 1) == std::string::npos)
      return {s.substr(0, space), s.substr(space + 1)};
  }
  bad(field, "is " + m.dump() + ": expected [\"left\", \"right\"] or \"left right\"");
}

ModelProto convert(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ModelFormatError(std::string("not valid JSON: ") + e.what());
  }
  ModelProto proto;
  proto.model_type = ModelType::kBpe;

  const json& model = member(doc, "", "model", {json::value_t::object});
  const std::string type = member(model, "model", "type", {json::value_t::string});
  if (type != "BPE")
    bad("model.type", "is \"" + type + "\": nmtd reads BPE tokenizers (NLLB's is one)");
  require_null_or(model, "dropout", json());
  require_null_or(model, "continuing_subword_prefix", "");
  require_null_or(model, "end_of_word_suffix", "");
  require_null_or(model, "ignore_merges", false);
  // SentencePiece always joins a run of unknown characters into one piece.
  if (const json* fuse = optional_member(model, "fuse_unk"); !fuse || *fuse != true)
    bad("model.fuse_unk", "is not true: SentencePiece always fuses unknown characters");
  if (const json* fallback = optional_member(model, "byte_fallback")) {
    if (!fallback->is_boolean()) bad("model.byte_fallback", "is not a boolean");
    proto.byte_fallback = fallback->get<bool>();
  }
  const std::string unk = member(model, "model", "unk_token", {json::value_t::string});

  // Pieces in id order; specials and user-defined symbols are listed under added_tokens.
  const json& vocab = member(model, "model", "vocab", {json::value_t::object});
  std::vector<std::pair<int64_t, std::string>> by_id;
  by_id.reserve(vocab.size());
  for (const auto& [piece, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0)
      bad("model.vocab[\"" + piece + "\"]", "is not a non-negative integer id");
    by_id.emplace_back(id.get<int64_t>(), piece);
  }
  std::sort(by_id.begin(), by_id.end());
  for (std::size_t i = 1; i < by_id.size(); ++i)
    if (by_id[i].first == by_id[i - 1].first)
      bad("model.vocab", "gives id " + std::to_string(by_id[i].first) + " to two pieces");
  std::unordered_map<std::string, bool> added;  // content -> special
  if (const json* tokens = optional_member(doc, "added_tokens")) {
    if (!tokens->is_array()) bad("added_tokens", "is not an array");
    for (std::size_t i = 0; i < tokens->size(); ++i) {
      const std::string path = "added_tokens[" + std::to_string(i) + "]";
      const json& t = (*tokens)[i];
      added[member(t, path, "content", {json::value_t::string})] =
          member(t, path, "special", {json::value_t::boolean}).get<bool>();
    }
  }
  // NLLB's converter puts fairseq's <s> <pad> </s> <unk> in front of SentencePiece's pieces;
  // <pad> is not in the SentencePiece model, where its text is an unknown piece.
  const bool fairseq_layout = by_id.size() >= 4 && by_id[0].second == "<s>" &&
                              by_id[1].second == "<pad>" && by_id[2].second == "</s>" &&
                              by_id[3].second == unk;

  std::unordered_map<std::string, std::size_t> index;
  for (const auto& [id, piece] : by_id) {
    if (fairseq_layout && piece == "<pad>") continue;
    if (piece.empty()) bad("model.vocab", "has an empty piece");
    Piece p;
    p.text = piece;
    if (piece == unk) {
      p.type = PieceType::kUnknown;
    } else if (const auto it = added.find(piece); it != added.end()) {
      p.type = it->second ? PieceType::kControl : PieceType::kUserDefined;
    } else if (proto.byte_fallback && piece.size() == 6 && piece.starts_with("<0x") &&
               piece.back() == '>') {
      p.type = PieceType::kByte;
    }
    index.emplace(piece, proto.pieces.size());
    proto.pieces.push_back(std::move(p));
  }
  if (!index.contains(unk)) bad("model.unk_token", "\"" + unk + "\" is not in model.vocab");

  // SentencePiece merges the pair whose result scores highest; Hugging Face the pair of lowest
  // rank. A piece scores minus the rank of the first merge making it; pieces no merge makes
  // (characters, specials) are never merge results, so their score only has to be lowest.
  const json& merges = member(model, "model", "merges", {json::value_t::array});
  std::vector<std::optional<float>> score(proto.pieces.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string field = "model.merges[" + std::to_string(rank) + "]";
    const auto [left, right] = read_merge(merges[rank], field);
    if (!index.contains(left) || !index.contains(right))
      bad(field, "merges a piece that is not in model.vocab");
    const auto merged = index.find(left + right);
    if (merged == index.end()) bad(field, "makes \"" + left + right + "\", not in model.vocab");
    auto& s = score[merged->second];
    if (!s) s = -static_cast<float>(rank);
  }
  const float lowest = -static_cast<float>(merges.size()) - 1.0f;
  for (std::size_t i = 0; i < proto.pieces.size(); ++i) {
    const PieceType t = proto.pieces[i].type;
    proto.pieces[i].score = t == PieceType::kNormal ? score[i].value_or(lowest) : 0.0f;
  }

  NormalizerSpec& spec = proto.normalizer;
  spec.name = "tokenizer.json";
  bool collapses_spaces = false, strips = false;
  if (const json* n = optional_member(doc, "normalizer"))
    read_normalizer(*n, "normalizer", spec, collapses_spaces, strips);
  if (strips && !collapses_spaces)
    bad("normalizer",
        "strips spaces without collapsing runs of them, which SentencePiece "
        "cannot express");
  spec.remove_extra_whitespaces = collapses_spaces;
  const json* pre = optional_member(doc, "pre_tokenizer");
  if (!pre) bad("pre_tokenizer", "is missing: expected Metaspace, as NLLB's tokenizer.json has");
  spec.add_dummy_prefix = read_metaspace(*pre, "pre_tokenizer");
  spec.escape_whitespaces = true;
  if (const json* decoder = optional_member(doc, "decoder")) read_metaspace(*decoder, "decoder");
  return proto;
}

ModelProto convert_named(std::string_view text, const std::string& name) {
  try {
    return convert(text);
  } catch (const ModelFormatError& e) {
    throw ModelFormatError(name + ": " + e.what());
  }
}

}  // namespace

ModelProto model_from_tokenizer_json(std::string_view json) {
  return convert_named(json, "tokenizer.json");
}

ModelProto model_from_tokenizer_json_file(const std::filesystem::path& file) {
  return convert_named(read_text_file(file), file.string());
}

}  // namespace nmtd::spm
