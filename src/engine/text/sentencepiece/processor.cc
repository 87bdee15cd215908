#include "engine/text/sentencepiece/processor.h"

#include <cstdio>
#include <queue>

#include "common/error.h"
#include "common/utf8.h"
#include "engine/model/model_file_util.h"

namespace nmtd::spm {

struct Processor::Symbol {
  std::string_view text;
  int prev = -1;
  int next = -1;
  bool frozen = false;  // a user-defined symbol never merges with its neighbours
};

namespace {

// A candidate merge of two adjacent symbols; stale candidates are skipped when popped.
struct Candidate {
  float score;
  int left;
  int right;
  std::size_t size;
};
// Highest score first; equal scores merge leftmost first, as SentencePiece does.
struct CandidateOrder {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

std::string byte_piece(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "<0x%02X>", b);
  return buf;
}

// The byte a "<0xAB>" piece stands for, or -1.
int piece_byte(std::string_view piece) {
  if (piece.size() != 6 || !piece.starts_with("<0x") || piece.back() != '>') return -1;
  int value = 0;
  for (const char c : piece.substr(3, 2)) {
    value *= 16;
    if (c >= '0' && c <= '9')
      value += c - '0';
    else if (c >= 'A' && c <= 'F')
      value += c - 'A' + 10;
    else
      return -1;
  }
  return value;
}

}  // namespace

Processor::Processor(ModelProto model) : model_(std::move(model)) {
  if (model_.model_type != ModelType::kBpe)
    throw ModelFormatError("SentencePiece model type " +
                           std::to_string(static_cast<int>(model_.model_type)) +
                           " is not supported: nmtd implements BPE models (type 2), which "
                           "NLLB's sentencepiece.bpe.model is");
  std::vector<std::string> user_defined;
  for (std::size_t i = 0; i < model_.pieces.size(); ++i) {
    const Piece& p = model_.pieces[i];
    const int id = static_cast<int>(i);
    if (p.text.empty())
      throw ModelFormatError("SentencePiece model: piece " + std::to_string(i) + " is empty");
    const bool mergeable = p.type == PieceType::kNormal || p.type == PieceType::kUserDefined ||
                           p.type == PieceType::kUnused;
    auto& table = mergeable ? mergeable_ : reserved_;
    if (!table.emplace(p.text, id).second)
      throw ModelFormatError("SentencePiece model: piece \"" + p.text + "\" is defined twice");
    if (p.type == PieceType::kUserDefined) user_defined.push_back(p.text);
    if (p.type == PieceType::kUnknown) {
      if (unk_id_ >= 0) throw ModelFormatError("SentencePiece model: more than one unknown piece");
      unk_id_ = id;
    }
  }
  if (unk_id_ < 0) throw ModelFormatError("SentencePiece model: no unknown piece");
  user_defined_ = std::make_unique<PrefixMatcher>(user_defined);
  normalizer_ = std::make_unique<Normalizer>(model_.normalizer, user_defined_.get(),
                                             model_.treat_whitespace_as_suffix);
  if (model_.has_denormalizer && !model_.denormalizer.precompiled_charsmap.empty())
    denormalizer_ = std::make_unique<Normalizer>(model_.denormalizer, nullptr, false);
}

Processor::Processor(Processor&&) noexcept = default;
Processor& Processor::operator=(Processor&&) noexcept = default;
Processor::~Processor() = default;

Processor Processor::from_file(const std::filesystem::path& file) {
  const std::string bytes = read_text_file(file);
  try {
    return Processor(parse_model_proto(bytes));
  } catch (const ModelFormatError& e) {
    throw ModelFormatError(file.string() + ": " + e.what());
  }
}

Processor Processor::from_bytes(std::string_view serialized) {
  return Processor(parse_model_proto(serialized));
}

int Processor::piece_to_id(std::string_view piece) const {
  if (auto it = reserved_.find(piece); it != reserved_.end()) return it->second;
  if (auto it = mergeable_.find(piece); it != mergeable_.end()) return it->second;
  return unk_id_;
}

std::vector<std::pair<std::string_view, int>> Processor::bpe(std::string_view normalized) const {
  std::vector<Symbol> symbols;
  while (!normalized.empty()) {
    bool is_user_defined = false;
    const std::size_t n = user_defined_->symbol_or_char(normalized, &is_user_defined);
    Symbol s;
    s.text = normalized.substr(0, n);
    s.frozen = is_user_defined;
    s.prev = static_cast<int>(symbols.size()) - 1;
    normalized.remove_prefix(n);
    s.next = normalized.empty() ? -1 : static_cast<int>(symbols.size()) + 1;
    symbols.push_back(s);
  }

  std::priority_queue<Candidate, std::vector<Candidate>, CandidateOrder> agenda;
  // Merged pieces that are UNUSED are split back into the two halves they came from.
  std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> unmerge;
  const auto consider = [&](int left, int right) {
    if (left < 0 || right < 0 || symbols[left].frozen || symbols[right].frozen) return;
    const std::string_view merged(symbols[left].text.data(),
                                  symbols[left].text.size() + symbols[right].text.size());
    const auto it = mergeable_.find(merged);
    if (it == mergeable_.end()) return;
    const Piece& piece = model_.pieces[static_cast<std::size_t>(it->second)];
    agenda.push({piece.score, left, right, merged.size()});
    if (piece.type == PieceType::kUnused)
      unmerge[merged] = {symbols[left].text, symbols[right].text};
  };
  for (std::size_t i = 1; i < symbols.size(); ++i)
    consider(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!agenda.empty()) {
    const Candidate top = agenda.top();
    agenda.pop();
    Symbol& left = symbols[static_cast<std::size_t>(top.left)];
    Symbol& right = symbols[static_cast<std::size_t>(top.right)];
    if (left.text.empty() || right.text.empty() || left.text.size() + right.text.size() != top.size)
      continue;  // one side was merged into something else since
    left.text = std::string_view(left.text.data(), top.size);
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = top.left;
    right.text = {};
    consider(left.prev, top.left);
    consider(top.left, left.next);
  }

  std::vector<std::pair<std::string_view, int>> out;
  // Depth-first so that an unused piece made of unused pieces is split all the way down.
  auto emit = [&](auto&& self, std::string_view text) -> void {
    const int id = piece_to_id(text);
    const auto it = unmerge.find(text);
    if (id == unk_id_ || model_.pieces[static_cast<std::size_t>(id)].type != PieceType::kUnused ||
        it == unmerge.end()) {
      out.emplace_back(text, id);
      return;
    }
    self(self, it->second.first);
    self(self, it->second.second);
  };
  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next)
    emit(emit, symbols[static_cast<std::size_t>(i)].text);
  return out;
}

std::vector<std::string> Processor::encode(std::string_view text) const {
  const std::string normalized = normalizer_->normalize(text);
  std::vector<std::string> out;
  bool previous_unknown = false;
  for (const auto& [piece, id] : bpe(normalized)) {
    const bool unknown = id == unk_id_;
    if (unknown && model_.byte_fallback) {
      for (const char c : piece) out.push_back(byte_piece(static_cast<unsigned char>(c)));
    } else if (unknown && previous_unknown) {
      out.back() += piece;  // a run of unknown characters is one unknown piece
    } else {
      out.emplace_back(piece);
    }
    previous_unknown = unknown;
  }
  return out;
}

std::string Processor::decode_one(std::string_view piece, int id, bool at_start,
                                  bool* consumed_ws) const {
  *consumed_ws = false;
  const PieceType type = model_.pieces[static_cast<std::size_t>(id)].type;
  if (type == PieceType::kControl) return {};
  if (id == unk_id_) {
    if (piece == model_.pieces[static_cast<std::size_t>(id)].text) return model_.unk_surface;
    return std::string(piece);
  }
  const auto& norm = model_.normalizer;
  if (at_start && (norm.add_dummy_prefix || norm.remove_extra_whitespaces)) {
    if (piece.starts_with(kSpaceSymbol)) {
      piece.remove_prefix(kSpaceSymbol.size());
      // Without whitespace clean-up only the dummy prefix itself is dropped, once.
      *consumed_ws = !norm.remove_extra_whitespaces;
    }
  }
  std::string out;
  out.reserve(piece.size());
  while (!piece.empty()) {
    if (piece.starts_with(kSpaceSymbol)) {
      out += ' ';
      piece.remove_prefix(kSpaceSymbol.size());
    } else {
      out += piece.front();
      piece.remove_prefix(1);
    }
  }
  return out;
}

std::string Processor::decode(const std::vector<std::string>& pieces) const {
  std::string text;
  std::string bytes;  // consecutive byte pieces, written out as UTF-8 characters
  const auto flush_bytes = [&] {
    std::string_view rest(bytes);
    while (!rest.empty()) {
      const std::size_t n = decode_utf8_char(rest).length;
      if (n == 0) {
        text += "\xEF\xBF\xBD";
        rest.remove_prefix(1);
      } else {
        text += rest.substr(0, n);
        rest.remove_prefix(n);
      }
    }
    bytes.clear();
  };
  bool at_start = true;
  bool consumed_ws = false;
  for (const auto& piece : pieces) {
    const int id = piece_to_id(piece);
    if (model_.pieces[static_cast<std::size_t>(id)].type == PieceType::kByte) {
      if (const int b = piece_byte(piece); b >= 0) {
        bytes += static_cast<char>(b);
        continue;
      }
    }
    flush_bytes();
    if (consumed_ws || !text.empty()) at_start = false;
    text += decode_one(piece, id, at_start, &consumed_ws);
  }
  flush_bytes();
  if (denormalizer_) return denormalizer_->normalize(text);
  return text;
}

}  // namespace nmtd::spm
