#include "engine/text/nllb_vocab_builder.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "common/error.h"
#include "engine/model/model_file_util.h"
#include "engine/text/sentencepiece/model_proto.h"
#include "lang/languages.h"

namespace nmtd {

namespace {

std::vector<std::string> pieces_of(const spm::ModelProto& model) {
  std::vector<std::string> out;
  out.reserve(model.pieces.size());
  for (const auto& p : model.pieces) out.push_back(p.text);
  return out;
}

// A token in a tokenizer JSON file: a plain string or an AddedToken {"content": ...}.
std::string token_text(const nlohmann::json& j, const std::filesystem::path& file) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.contains("content") && j["content"].is_string())
    return j["content"].get<std::string>();
  throw ModelFormatError(file.string() +
                         ": a special token is neither a string nor "
                         "{\"content\": ...}");
}

nlohmann::json read_json(const std::filesystem::path& file) {
  try {
    return nlohmann::json::parse(read_text_file(file));
  } catch (const nlohmann::json::exception& e) {
    throw ModelFormatError(file.string() + ": not valid JSON: " + e.what());
  }
}

}  // namespace

std::vector<std::string> spm_pieces(const std::filesystem::path& model_file) {
  if (!std::filesystem::exists(model_file))
    throw ModelFormatError(model_file.string() +
                           ": missing (the NLLB SentencePiece model is "
                           "needed to build the vocabulary)");
  try {
    return pieces_of(spm::parse_model_proto(read_text_file(model_file)));
  } catch (const ModelFormatError& e) {
    throw ModelFormatError(model_file.string() + ": " + e.what());
  }
}

std::vector<std::string> spm_pieces_from_bytes(std::span<const std::byte> serialized) {
  try {
    return pieces_of(spm::parse_model_proto(
        {reinterpret_cast<const char*>(serialized.data()), serialized.size()}));
  } catch (const ModelFormatError& e) {
    throw ModelFormatError(std::string("embedded SentencePiece model: ") + e.what());
  }
}

int64_t nllb_vocabulary_min_size(std::size_t num_pieces) {
  // 4 fairseq specials + pieces 3.. + codes + <mask>.
  const auto pieces = static_cast<int64_t>(num_pieces > 3 ? num_pieces - 3 : 0);
  return 4 + pieces + static_cast<int64_t>(lang::kNllbLanguageCount) + 1;
}

std::vector<std::string> build_nllb_vocabulary(const std::vector<std::string>& pieces,
                                               const std::vector<std::string>& extra_special,
                                               int64_t vocab_size) {
  std::vector<std::string> tokens = {"<s>", "<pad>", "</s>", "<unk>"};
  tokens.reserve(static_cast<std::size_t>(std::max<int64_t>(vocab_size, 0)));
  for (std::size_t i = 3; i < pieces.size(); ++i) tokens.push_back(pieces[i]);
  for (const auto code : lang::nllb_codes()) tokens.emplace_back(code);
  tokens.emplace_back("<mask>");
  std::unordered_set<std::string> present(tokens.begin(), tokens.end());
  for (const auto& t : extra_special)
    if (present.insert(t).second) tokens.push_back(t);
  if (static_cast<int64_t>(tokens.size()) > vocab_size)
    throw InvalidArgument("the NLLB vocabulary layout needs " + std::to_string(tokens.size()) +
                          " tokens (" + std::to_string(pieces.size()) +
                          " SentencePiece pieces) but the vocabulary size is " +
                          std::to_string(vocab_size));
  for (int64_t i = 0; static_cast<int64_t>(tokens.size()) < vocab_size; ++i)
    tokens.push_back("madeupword" + std::to_string(i));
  return tokens;
}

std::vector<std::string> nllb_vocabulary_for_hf(const std::filesystem::path& hf_dir,
                                                int64_t vocab_size) {
  if (std::filesystem::exists(hf_dir / "vocab.json") &&
      !std::filesystem::exists(hf_dir / "sentencepiece.bpe.model"))
    throw Unsupported(hf_dir.string() +
                      ": has a vocab.json (M2M100Tokenizer) and no "
                      "sentencepiece.bpe.model: only NLLB tokenizers are supported");
  const auto pieces = spm_pieces(hf_dir / "sentencepiece.bpe.model");

  std::vector<std::string> extra;
  std::map<int64_t, std::string> added;  // tokenizer_config.json added_tokens_decoder
  for (const char* name : {"tokenizer_config.json", "special_tokens_map.json"}) {
    const auto file = hf_dir / name;
    if (!std::filesystem::exists(file)) continue;
    const nlohmann::json j = read_json(file);
    if (!j.is_object()) throw ModelFormatError(file.string() + ": not a JSON object");
    if (auto it = j.find("added_tokens_decoder"); it != j.end() && it->is_object()) {
      for (const auto& [id, tok] : it->items()) {
        try {
          added[std::stoll(id)] = token_text(tok, file);
        } catch (const std::logic_error&) {
          throw ModelFormatError(file.string() + ": added_tokens_decoder key '" + id +
                                 "' is not a token id");
        }
      }
    }
    if (auto it = j.find("additional_special_tokens"); it != j.end() && it->is_array()) {
      for (const auto& t : *it) extra.push_back(token_text(t, file));
      break;  // tokenizer_config.json wins over special_tokens_map.json
    }
  }
  std::vector<std::string> tokens;
  try {
    tokens = build_nllb_vocabulary(pieces, extra, vocab_size);
  } catch (const InvalidArgument& e) {
    throw ModelFormatError(hf_dir.string() + ": " + e.what() + " (config.json vocab_size)");
  }
  // Newer transformers save the ids of special tokens explicitly; they are what the
  // tokenizer (and so CTranslate2's converter) uses, should they differ from the layout.
  for (const auto& [id, text] : added) {
    if (id < 0 || id >= static_cast<int64_t>(tokens.size()))
      throw ModelFormatError((hf_dir / "tokenizer_config.json").string() + ": added token '" +
                             text + "' has id " + std::to_string(id) +
                             " outside the vocabulary of " + std::to_string(tokens.size()));
    tokens[static_cast<std::size_t>(id)] = text;
  }
  return tokens;
}

}  // namespace nmtd
