#include "engine/text/sentencepiece/model_proto.h"

#include <cstdint>
#include <cstring>

#include "common/error.h"

namespace nmtd::spm {

namespace {

// Field numbers from sentencepiece_model.proto.
constexpr uint32_t kModelPieces = 1, kModelTrainerSpec = 2, kModelNormalizerSpec = 3,
                   kModelDenormalizerSpec = 5;
constexpr uint32_t kPieceText = 1, kPieceScore = 2, kPieceType = 3;
constexpr uint32_t kTrainerModelType = 3, kTrainerWhitespaceAsSuffix = 24,
                   kTrainerByteFallback = 35, kTrainerUnkSurface = 44;
constexpr uint32_t kNormName = 1, kNormCharsmap = 2, kNormDummyPrefix = 3, kNormRemoveExtraWs = 4,
                   kNormEscapeWs = 5;

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

[[noreturn]] void malformed(std::string_view what) {
  throw ModelFormatError("not a SentencePiece model: " + std::string(what));
}

// One field of a message: its number, wire type and payload (varint value or byte range).
struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  uint64_t varint = 0;
  std::string_view bytes;  // length-delimited payload or the raw fixed32/fixed64 bytes
};

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ == data_.size(); }

  Field next() {
    Field f;
    const uint64_t key = varint();
    f.number = static_cast<uint32_t>(key >> 3);
    f.wire_type = static_cast<uint32_t>(key & 7);
    if (f.number == 0) malformed("field number 0");
    switch (f.wire_type) {
      case kVarint:
        f.varint = varint();
        break;
      case kFixed64:
        f.bytes = take(8);
        break;
      case kFixed32:
        f.bytes = take(4);
        break;
      case kLengthDelimited: {
        const uint64_t size = varint();
        if (size > data_.size() - pos_) malformed("a field runs past the end of the data");
        f.bytes = take(static_cast<std::size_t>(size));
        break;
      }
      default:
        malformed("unsupported wire type " + std::to_string(f.wire_type));
    }
    return f;
  }

 private:
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ == data_.size()) malformed("truncated varint");
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    malformed("varint longer than 10 bytes");
  }
  std::string_view take(std::size_t n) {
    if (n > data_.size() - pos_) malformed("truncated field");
    auto out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
};

void expect(const Field& f, uint32_t wire_type, std::string_view name) {
  if (f.wire_type != wire_type)
    malformed("field " + std::string(name) + " has wire type " + std::to_string(f.wire_type));
}

float fixed32_float(const Field& f) {
  float v;
  std::memcpy(&v, f.bytes.data(), sizeof v);  // protobuf is little-endian, like our targets
  return v;
}

Piece parse_piece(std::string_view data) {
  Piece p;
  WireReader r(data);
  while (!r.done()) {
    const Field f = r.next();
    if (f.number == kPieceText) {
      expect(f, kLengthDelimited, "piece");
      p.text = std::string(f.bytes);
    } else if (f.number == kPieceScore) {
      expect(f, kFixed32, "score");
      p.score = fixed32_float(f);
    } else if (f.number == kPieceType) {
      expect(f, kVarint, "type");
      if (f.varint < 1 || f.varint > 6) malformed("piece type " + std::to_string(f.varint));
      p.type = static_cast<PieceType>(f.varint);
    }
  }
  return p;
}

void parse_trainer_spec(std::string_view data, ModelProto& m) {
  WireReader r(data);
  while (!r.done()) {
    const Field f = r.next();
    if (f.number == kTrainerModelType) {
      expect(f, kVarint, "model_type");
      if (f.varint < 1 || f.varint > 4) malformed("model type " + std::to_string(f.varint));
      m.model_type = static_cast<ModelType>(f.varint);
    } else if (f.number == kTrainerWhitespaceAsSuffix) {
      expect(f, kVarint, "treat_whitespace_as_suffix");
      m.treat_whitespace_as_suffix = f.varint != 0;
    } else if (f.number == kTrainerByteFallback) {
      expect(f, kVarint, "byte_fallback");
      m.byte_fallback = f.varint != 0;
    } else if (f.number == kTrainerUnkSurface) {
      expect(f, kLengthDelimited, "unk_surface");
      m.unk_surface = std::string(f.bytes);
    }
  }
}

NormalizerSpec parse_normalizer_spec(std::string_view data) {
  NormalizerSpec spec;
  WireReader r(data);
  while (!r.done()) {
    const Field f = r.next();
    if (f.number == kNormName) {
      expect(f, kLengthDelimited, "normalizer name");
      spec.name = std::string(f.bytes);
    } else if (f.number == kNormCharsmap) {
      expect(f, kLengthDelimited, "precompiled_charsmap");
      spec.precompiled_charsmap = std::string(f.bytes);
    } else if (f.number == kNormDummyPrefix) {
      expect(f, kVarint, "add_dummy_prefix");
      spec.add_dummy_prefix = f.varint != 0;
    } else if (f.number == kNormRemoveExtraWs) {
      expect(f, kVarint, "remove_extra_whitespaces");
      spec.remove_extra_whitespaces = f.varint != 0;
    } else if (f.number == kNormEscapeWs) {
      expect(f, kVarint, "escape_whitespaces");
      spec.escape_whitespaces = f.varint != 0;
    }
  }
  return spec;
}

}  // namespace

ModelProto parse_model_proto(std::string_view serialized) {
  ModelProto m;
  WireReader r(serialized);
  while (!r.done()) {
    const Field f = r.next();
    if (f.number == kModelPieces) {
      expect(f, kLengthDelimited, "pieces");
      m.pieces.push_back(parse_piece(f.bytes));
    } else if (f.number == kModelTrainerSpec) {
      expect(f, kLengthDelimited, "trainer_spec");
      parse_trainer_spec(f.bytes, m);
    } else if (f.number == kModelNormalizerSpec) {
      expect(f, kLengthDelimited, "normalizer_spec");
      m.normalizer = parse_normalizer_spec(f.bytes);
    } else if (f.number == kModelDenormalizerSpec) {
      expect(f, kLengthDelimited, "denormalizer_spec");
      m.denormalizer = parse_normalizer_spec(f.bytes);
      m.has_denormalizer = true;
    }
  }
  if (m.pieces.empty()) malformed("it has no pieces");
  return m;
}

}  // namespace nmtd::spm
