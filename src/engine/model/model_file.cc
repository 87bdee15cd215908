#include "engine/model/model_file.h"

#include <bit>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "common/printable.h"
#include "engine/model/legacy_names.h"

namespace nmtd {

// Fields are read as native integers and every model.bin in the wild is little-endian.
static_assert(std::endian::native == std::endian::little, "model.bin is little-endian");

namespace {

constexpr uint32_t kMaxBinaryVersion = kInt4BinaryVersion;
constexpr uint8_t kMaxRank = 8;  // CT2 allows 255, but no model has more than 4 dimensions
// Smallest possible records, used to refuse counts the rest of the file cannot hold before
// anything is allocated for them: name (u16 + NUL) + rank + dtype/item size + u32 size.
constexpr uint64_t kMinVariableRecord = 3 + 1 + 1 + 4;
constexpr uint64_t kMinAliasRecord = 3 + 3;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

const std::vector<std::pair<std::string, uint32_t>>& ModelFile::known_specs() {
  // Newest revisions of CTranslate2 4.x's readers (src/models/*.cc current_spec_revision).
  static const std::vector<std::pair<std::string, uint32_t>> kSpecs = {
      {"", 7},
      {"TransformerBase", 7},
      {"TransformerBig", 7},
      {"TransformerSpec", 7},
      {"TransformerDecoderSpec", 8},
      {"TransformerEncoderSpec", 1},
      {"WhisperSpec", 3},
      {"Wav2Vec2Spec", 3},
      {"Wav2Vec2BertSpec", 1},
  };
  return kSpecs;
}

// Walks the mapped bytes with a bounds check on every read. Errors name the file, the
// byte offset and what was being read.
class ModelFileParser {
 public:
  explicit ModelFileParser(ModelFile& m)
      : m_(m), data_(m.file_->bytes()), file_(m.file_->path().string()) {}

  void parse() {
    m_.binary_version_ = read<uint32_t>("the binary version");
    if (m_.binary_version_ == 0 || m_.binary_version_ > kMaxBinaryVersion)
      fail_at(0, "unknown binary version " + std::to_string(m_.binary_version_) +
                     " (expected 1 to 6, or 7 for nmtd's int4; is this a CTranslate2 "
                     "model.bin?)");
    if (m_.binary_version_ >= 2) {
      const uint64_t at = pos_;
      m_.spec_name_ = read_string("the spec name");
      m_.spec_revision_ = read<uint32_t>("the spec revision");
      check_spec(at);
    }
    const uint64_t count_at = pos_;
    const uint32_t n = read<uint32_t>("the number of variables");
    check_count(count_at, n, kMinVariableRecord, "num_variables");
    for (uint32_t i = 0; i < n; ++i) read_variable(i);
    if (m_.binary_version_ >= 3) {
      const uint64_t at = pos_;
      const uint32_t na = read<uint32_t>("the number of aliases");
      check_count(at, na, kMinAliasRecord, "num_aliases");
      for (uint32_t i = 0; i < na; ++i) {
        std::string alias = read_string("the name of alias #" + std::to_string(i));
        std::string target = read_string("the target of alias '" + printable(alias) + "'");
        m_.aliases_.emplace_back(std::move(alias), std::move(target));
      }
    }
    m_.trailing_bytes_ = data_.size() - pos_;  // ignored, as CTranslate2 does
    resolve_aliases();
  }

 private:
  [[noreturn]] void fail_at(uint64_t offset, const std::string& what) const {
    throw ModelFormatError(file_ + ": " + what + " (at byte offset " + std::to_string(offset) +
                           ")");
  }

  void need(uint64_t n, const std::string& what) const {
    if (data_.size() - pos_ < n)
      fail_at(pos_, "truncated file: reading " + what + " needs " + std::to_string(n) +
                        " bytes but only " + std::to_string(data_.size() - pos_) + " remain of " +
                        std::to_string(data_.size()));
  }

  template <typename T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // u16 length (counting the trailing NUL), the bytes, the NUL. Like CTranslate2, the last
  // byte is dropped without checking that it is NUL.
  std::string read_string(const std::string& what) {
    const uint64_t at = pos_;
    const uint16_t n = read<uint16_t>("the length of " + what);
    if (n == 0)
      fail_at(at, "zero-length string for " + what +
                      " (the u16 length counts the trailing NUL, so it is at least 1)");
    need(n, what);
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), n - 1u);
    pos_ += n;
    return s;
  }

  void check_spec(uint64_t at) const {
    const auto& specs = ModelFile::known_specs();
    for (const auto& [name, max_revision] : specs) {
      if (name != m_.spec_name_) continue;
      if (m_.spec_revision_ > max_revision)
        fail_at(at, "spec revision " + std::to_string(m_.spec_revision_) + " of " +
                        (name.empty() ? "the unnamed spec" : printable(name)) +
                        " is too new (this reader knows revisions up to " +
                        std::to_string(max_revision) + ")");
      return;
    }
    std::string known;
    for (const auto& [name, rev] : specs) known += (known.empty() ? "" : ", ") + ('"' + name + '"');
    fail_at(at, "unknown spec name \"" + printable(m_.spec_name_) + "\" (known: " + known + ")");
  }

  void check_count(uint64_t at, uint32_t n, uint64_t min_record, const char* what) const {
    const uint64_t remaining = data_.size() - pos_;
    if (n > remaining / min_record)
      fail_at(at, std::string(what) + " is " + std::to_string(n) + " but only " +
                      std::to_string(remaining) + " bytes follow (each record takes at least " +
                      std::to_string(min_record) + ")");
  }

  void read_variable(uint32_t index) {
    Variable v;
    const uint64_t rec_at = pos_;
    v.name = read_string("the name of variable #" + std::to_string(index));
    const std::string label = "variable '" + printable(v.name) + "'";
    if (v.name.empty()) fail_at(rec_at, "empty name for variable #" + std::to_string(index));
    const uint64_t rank_at = pos_;
    const uint8_t rank = read<uint8_t>("the rank of " + label);
    if (rank > kMaxRank)
      fail_at(rank_at, label + " has rank " + std::to_string(rank) + " (expected at most 8)");
    uint64_t count = 1;
    v.shape.reserve(rank);
    for (uint8_t d = 0; d < rank; ++d) {
      const uint32_t dim = read<uint32_t>("dimension " + std::to_string(d) + " of " + label);
      if (__builtin_mul_overflow(count, uint64_t{dim}, &count) ||
          count > uint64_t{std::numeric_limits<int64_t>::max()})
        fail_at(rank_at, label + ": the product of its dimensions overflows 64 bits");
      v.shape.push_back(dim);
    }
    uint64_t num_bytes = 0;
    const uint64_t type_at = pos_;
    if (m_.binary_version_ >= 4) {
      const uint8_t code = read<uint8_t>("the dtype code of " + label);
      const auto dtype = dtype_from_code(code);
      // int4 (code 6) exists from nmtd's version 7 on; CTranslate2's versions know 0 to 5.
      const bool int4_allowed = m_.binary_version_ >= kInt4BinaryVersion;
      if (!dtype || (*dtype == DType::kI4 && !int4_allowed))
        fail_at(type_at, label + " has dtype code " + std::to_string(code) +
                             (int4_allowed ? " (expected 0 to 6)" : " (expected 0 to 5)"));
      v.dtype = *dtype;
      num_bytes = read<uint32_t>("the payload size of " + label);
    } else {
      // Legacy record: item size, then the number of elements (not bytes).
      const uint8_t item = read<uint8_t>("the item size of " + label);
      if (item == 4)
        v.dtype = DType::kF32;
      else if (item == 2)
        v.dtype = DType::kI16;
      else if (item == 1)
        v.dtype = DType::kI8;
      else
        fail_at(type_at,
                label + " has legacy item size " + std::to_string(item) + " (expected 1, 2 or 4)");
      num_bytes = uint64_t{read<uint32_t>("the element count of " + label)} * item;
    }
    uint64_t expected = 0;
    if (v.dtype == DType::kI4) {
      // Two values a byte, each row starting on a byte: only matrices are int4.
      if (v.shape.size() != 2)
        fail_at(rank_at, label + " is int4 with shape " + shape_text(v.shape) +
                             " (int4 variables are matrices [rows, cols])");
      expected =
          int4_payload_bytes(static_cast<uint64_t>(v.shape[0]), static_cast<uint64_t>(v.shape[1]));
    } else if (__builtin_mul_overflow(count, uint64_t{dtype_size(v.dtype)}, &expected)) {
      fail_at(rank_at, label + ": shape " + shape_text(v.shape) + " is too large to address");
    }
    if (expected != num_bytes)
      fail_at(type_at, label + " has an invalid payload size: " + std::to_string(num_bytes) +
                           " bytes stored, but shape " + shape_text(v.shape) + " of " +
                           std::string(dtype_name(v.dtype)) + " needs " + std::to_string(expected));
    need(num_bytes, "the " + std::to_string(num_bytes) + "-byte payload of " + label);
    v.offset = pos_;
    v.num_bytes = num_bytes;
    pos_ += num_bytes;
    // Revision-1 Transformer models use OpenNMT-tf v1 names; CTranslate2 renames on load.
    if (m_.spec_revision_ == 1 && is_transformer_spec(m_.spec_name_))
      v.name = map_v1_variable_name(std::move(v.name));
    if (m_.index_.count(v.name) != 0) {  // first wins, as CT2's unordered_map::emplace
      m_.duplicates_.push_back(v.name);
      return;
    }
    m_.index_.emplace(v.name, m_.variables_.size());
    m_.variables_.push_back(std::move(v));
  }

  // Registers `alias` -> the variable `target` names (directly or through an earlier alias).
  // As in CTranslate2, an existing name is never overwritten and a missing target is
  // ignored. Returns false when the target does not exist.
  bool register_alias(const std::string& alias, const std::string& target) {
    std::string resolved;
    if (m_.index_.count(target) != 0) {
      resolved = target;
    } else if (auto it = m_.alias_index_.find(target); it != m_.alias_index_.end()) {
      resolved = it->second;
    } else {
      return false;
    }
    if (m_.index_.count(alias) == 0) m_.alias_index_.emplace(alias, std::move(resolved));
    return true;
  }

  void resolve_aliases() {
    const bool v1_names = m_.spec_revision_ == 1 && is_transformer_spec(m_.spec_name_);
    for (const auto& [stored_alias, stored_target] : m_.aliases_) {
      const std::string alias = v1_names ? map_v1_variable_name(stored_alias) : stored_alias;
      const std::string target = v1_names ? map_v1_variable_name(stored_target) : stored_target;
      if (!register_alias(alias, target)) m_.dangling_.push_back(stored_alias);
      // Quantization scales (and AWQ zero points) follow their weight's alias.
      register_alias(alias + "_scale", target + "_scale");
      register_alias(alias + "_zero", target + "_zero");
    }
    if (is_transformer_spec(m_.spec_name_) && m_.spec_revision_ < 5) {
      for (const auto& [alias, target] : legacy_root_attribute_aliases())
        register_alias(alias, target);
    }
  }

  ModelFile& m_;
  std::span<const std::byte> data_;
  std::string file_;
  uint64_t pos_ = 0;
};

int64_t Variable::num_elements() const {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  return n;
}

ModelFile ModelFile::open(const std::filesystem::path& path) {
  ModelFile m;
  m.file_ = std::make_shared<MappedFile>(path);  // IoError when missing or not a file
  ModelFileParser(m).parse();
  return m;
}

const Variable* ModelFile::find(std::string_view name) const {
  if (auto it = index_.find(name); it != index_.end()) return &variables_[it->second];
  if (auto a = alias_index_.find(name); a != alias_index_.end()) {
    if (auto it = index_.find(a->second); it != index_.end()) return &variables_[it->second];
  }
  return nullptr;
}

const Variable& ModelFile::get(std::string_view name) const {
  const Variable* v = find(name);
  if (v == nullptr)
    throw ModelFormatError(path().string() + ": missing variable '" + printable(name) + "'");
  return *v;
}

std::span<const std::byte> ModelFile::payload(const Variable& v) const {
  const auto bytes = file_->bytes();
  if (v.offset > bytes.size() || v.num_bytes > bytes.size() - v.offset)
    throw InvalidArgument("variable '" + printable(v.name) + "' is not a payload of " +
                          path().string());
  return bytes.subspan(v.offset, v.num_bytes);
}

double ModelFile::scalar(const Variable& v) const {
  if (v.num_elements() != 1)
    throw ModelFormatError(path().string() + ": variable '" + printable(v.name) +
                           "' should be a scalar but has shape " + shape_text(v.shape));
  const std::byte* p = payload(v).data();
  auto load = [p]<typename T>(T) {
    T x;
    std::memcpy(&x, p, sizeof(T));
    return x;
  };
  switch (v.dtype) {
    case DType::kF32:
      return load(float{});
    case DType::kI8:
      return load(int8_t{});
    case DType::kI16:
      return load(int16_t{});
    case DType::kI32:
      return load(int32_t{});
    case DType::kF16:
      return half_to_float(load(uint16_t{}));
    case DType::kBF16:
      return bfloat16_to_float(load(uint16_t{}));
    case DType::kI4:
      break;  // a matrix type (the parser refuses int4 scalars)
  }
  throw ModelFormatError(path().string() + ": variable '" + printable(v.name) +
                         "' has an unknown dtype");
}

double ModelFile::scalar_or(std::string_view name, double fallback) const {
  const Variable* v = find(name);
  return v == nullptr ? fallback : scalar(*v);
}

std::optional<std::string> ModelFile::string_attribute(std::string_view name) const {
  const Variable* v = find(name);
  if (v == nullptr) return std::nullopt;
  if (v->dtype != DType::kI8 || v->shape.size() != 1)
    throw ModelFormatError(path().string() + ": attribute '" + printable(v->name) +
                           "' should be a string (1-D int8 array) but is " +
                           std::string(dtype_name(v->dtype)) + " " + shape_text(v->shape));
  const auto bytes = payload(*v);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::optional<int> ModelFile::implied_num_heads() const {
  if (spec_revision_ >= 3 || !is_transformer_spec(spec_name_) || spec_name_ == "TransformerSpec")
    return std::nullopt;
  return spec_name_ == "TransformerBig" ? 16 : 8;
}

void ModelFile::release(const Variable& v) const {
  const auto p = payload(v);  // validates the range
  file_->release(v.offset, p.size());
}

}  // namespace nmtd
