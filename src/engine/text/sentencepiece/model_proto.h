#pragma once
// The parts of SentencePiece's ModelProto (sentencepiece_model.proto) that tokenization reads,
// decoded from the protobuf wire format by hand. Parsing it ourselves keeps the engine free of
// libprotobuf and of Debian's libsentencepiece, whose bundled copy of protobuf exports the same
// symbols as the system libprotobuf that gRPC loads; both in one process crash at start-up.
#include <string>
#include <string_view>
#include <vector>

namespace nmtd::spm {

enum class PieceType : int {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct Piece {
  std::string text;
  float score = 0.0f;
  PieceType type = PieceType::kNormal;
};

enum class ModelType : int { kUnigram = 1, kBpe = 2, kWord = 3, kChar = 4 };

// Defaults are the proto's declared defaults, which apply when a field is absent.
struct NormalizerSpec {
  std::string name;
  std::string precompiled_charsmap;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

struct ModelProto {
  std::vector<Piece> pieces;
  ModelType model_type = ModelType::kUnigram;
  bool treat_whitespace_as_suffix = false;
  bool byte_fallback = false;
  std::string unk_surface = " \xE2\x81\x87 ";
  NormalizerSpec normalizer;
  bool has_denormalizer = false;
  NormalizerSpec denormalizer;
};

// Throws ModelFormatError saying what is wrong (truncated field, bad wire type, ...).
ModelProto parse_model_proto(std::string_view serialized);

}  // namespace nmtd::spm
