#pragma once
// Our own SentencePiece processor for BPE models (NLLB's sentencepiece.bpe.model): text to
// pieces and pieces to text, with the results of sentencepiece::SentencePieceProcessor's
// Encode/DecodePieces (checked against libsentencepiece by tests/unit/text).
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/text/sentencepiece/model_proto.h"
#include "engine/text/sentencepiece/normalizer.h"
#include "engine/text/sentencepiece/prefix_matcher.h"

namespace nmtd::spm {

class Processor {
 public:
  // Throws ModelFormatError for a malformed model or one we do not implement (only BPE is:
  // the model type NLLB uses).
  explicit Processor(ModelProto model);
  static Processor from_file(const std::filesystem::path& file);
  static Processor from_bytes(std::string_view serialized);

  Processor(Processor&&) noexcept;
  Processor& operator=(Processor&&) noexcept;
  ~Processor();

  // The pieces of `text`: a run of unknown characters comes back as one piece.
  std::vector<std::string> encode(std::string_view text) const;
  // Text of `pieces`; pieces the model does not know are written as they are.
  std::string decode(const std::vector<std::string>& pieces) const;

  const std::vector<Piece>& pieces() const { return model_.pieces; }
  // The id of `piece`, or the unknown piece's id.
  int piece_to_id(std::string_view piece) const;

 private:
  struct Symbol;
  // BPE merges over the normalized text: (piece, id) in order, unknown characters unmerged.
  std::vector<std::pair<std::string_view, int>> bpe(std::string_view normalized) const;
  std::string decode_one(std::string_view piece, int id, bool at_start, bool* consumed_ws) const;

  ModelProto model_;
  std::unordered_map<std::string_view, int> mergeable_;  // normal, user-defined and unused
  std::unordered_map<std::string_view, int> reserved_;   // control, unknown and byte pieces
  int unk_id_ = -1;
  std::unique_ptr<PrefixMatcher> user_defined_;
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<Normalizer> denormalizer_;
};

}  // namespace nmtd::spm
