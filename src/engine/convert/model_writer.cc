#include "engine/convert/model_writer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <string_view>

#include "common/atomic_file.h"
#include "common/error.h"

namespace nmtd {

// model.bin stores integers in native order and every file in the wild is little-endian.
static_assert(std::endian::native == std::endian::little, "model.bin is little-endian");

namespace {

// The reader rejects more; writing what we cannot read back would be a trap.
constexpr std::size_t kMaxRank = 8;
constexpr std::size_t kMaxName = 65534;  // u16 length includes the NUL

void check_name(const std::string& name, const char* what) {
  if (name.empty()) throw InvalidArgument(std::string("model.bin: empty ") + what + " name");
  if (name.size() > kMaxName)
    throw InvalidArgument(std::string("model.bin: ") + what + " name longer than 65534 bytes");
}

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void put_string(std::string& out, const std::string& s) {
  put<uint16_t>(out, static_cast<uint16_t>(s.size() + 1));
  out += s;
  out += '\0';
}

}  // namespace

ModelWriter::ModelWriter(std::string spec_name, uint32_t spec_revision)
    : spec_name_(std::move(spec_name)), spec_revision_(spec_revision) {
  if (spec_name_.size() > kMaxName) throw InvalidArgument("model.bin: spec name too long");
}

void ModelWriter::add(const std::string& name, DType dtype, std::vector<int64_t> shape,
                      std::vector<std::byte> data) {
  check_name(name, "variable");
  if (vars_.count(name) != 0)
    throw InvalidArgument("model.bin: variable '" + name + "' added twice");
  for (const auto& [alias, target] : aliases_)
    if (alias == name) throw InvalidArgument("model.bin: '" + name + "' is already an alias");
  if (shape.size() > kMaxRank)
    throw InvalidArgument("model.bin: variable '" + name + "' has rank " +
                          std::to_string(shape.size()) + " (at most 8)");
  uint64_t count = 1;
  for (const int64_t d : shape) {
    if (d < 0 || static_cast<uint64_t>(d) > std::numeric_limits<uint32_t>::max())
      throw InvalidArgument("model.bin: variable '" + name + "' has dimension " +
                            std::to_string(d) + " outside 0..2^32-1");
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(d), &count))
      throw InvalidArgument("model.bin: variable '" + name + "' is too large");
  }
  if (dtype == DType::kI4 && shape.size() != 2)
    throw InvalidArgument("model.bin: int4 variable '" + name + "' must be a matrix");
  uint64_t bytes = 0;
  if (dtype == DType::kI4) {
    bytes = int4_payload_bytes(static_cast<uint64_t>(shape[0]), static_cast<uint64_t>(shape[1]));
  } else if (__builtin_mul_overflow(count, static_cast<uint64_t>(dtype_size(dtype)), &bytes)) {
    bytes = std::numeric_limits<uint64_t>::max();
  }
  if (bytes > std::numeric_limits<uint32_t>::max())
    throw InvalidArgument("model.bin: variable '" + name +
                          "' is 4 GiB or more (num_bytes is a u32 in model.bin)");
  if (bytes != data.size())
    throw InvalidArgument("model.bin: variable '" + name + "' has " + std::to_string(data.size()) +
                          " bytes of data, its shape and dtype need " + std::to_string(bytes));
  vars_.emplace(name, Entry{dtype, std::move(shape), std::move(data)});
}

void ModelWriter::add_f32(const std::string& name, std::vector<int64_t> shape,
                          const std::vector<float>& v) {
  std::vector<std::byte> data(v.size() * sizeof(float));
  if (!v.empty()) std::memcpy(data.data(), v.data(), data.size());
  add(name, DType::kF32, std::move(shape), std::move(data));
}

namespace {
template <typename T>
std::vector<std::byte> scalar_bytes(T v) {
  std::vector<std::byte> data(sizeof(T));
  std::memcpy(data.data(), &v, sizeof(T));
  return data;
}
}  // namespace

void ModelWriter::add_scalar_i8(const std::string& name, int8_t v) {
  add(name, DType::kI8, {}, scalar_bytes(v));
}
void ModelWriter::add_scalar_i16(const std::string& name, int16_t v) {
  add(name, DType::kI16, {}, scalar_bytes(v));
}
void ModelWriter::add_scalar_f32(const std::string& name, float v) {
  add(name, DType::kF32, {}, scalar_bytes(v));
}

void ModelWriter::add_alias(const std::string& alias, const std::string& target) {
  check_name(alias, "alias");
  check_name(target, "alias target");
  if (vars_.count(alias) != 0)
    throw InvalidArgument("model.bin: alias '" + alias + "' is already a variable");
  for (const auto& [a, t] : aliases_)
    if (a == alias) throw InvalidArgument("model.bin: alias '" + alias + "' added twice");
  aliases_.emplace_back(alias, target);
}

void ModelWriter::alias_duplicates() {
  // CTranslate2 walks the names in reverse order and aliases each variable to the first
  // earlier one that is equal (same dtype, shape and bytes), comparing against the original
  // values: so every copy ends up pointing at the first in name order, never at an alias.
  // Equality here is byte-wise; numpy's array_equal differs only for -0.0 vs 0.0 and NaN,
  // which no real weight pair hits.
  std::vector<std::string> to_alias_names;
  std::vector<std::string> to_alias_targets;
  for (auto it = vars_.begin(); it != vars_.end(); ++it) {
    const Entry& e = it->second;
    if (e.shape.empty()) continue;  // scalars (attributes) are never aliased
    for (auto other = vars_.begin(); other != it; ++other) {
      const Entry& o = other->second;
      if (o.dtype == e.dtype && o.shape == e.shape && o.data == e.data) {
        to_alias_names.push_back(it->first);
        to_alias_targets.push_back(other->first);
        break;
      }
    }
  }
  for (std::size_t i = 0; i < to_alias_names.size(); ++i) {
    vars_.erase(to_alias_names[i]);
    aliases_.emplace_back(to_alias_names[i], to_alias_targets[i]);
  }
}

void ModelWriter::write(const std::filesystem::path& path) const {
  // Aliases are written in name order too: CTranslate2's writer sorts all names at once.
  auto aliases = aliases_;
  std::stable_sort(aliases.begin(), aliases.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  // Binary version 7 is nmtd's int4 extension (docs/model-format.md): CTranslate2 refuses it
  // at the version, with a message that says so, instead of misreading the int4 payloads.
  const bool int4 = std::any_of(vars_.begin(), vars_.end(),
                                [](const auto& v) { return v.second.dtype == DType::kI4; });
  AtomicFile file(path);
  std::string head;
  put<uint32_t>(head, int4 ? kInt4BinaryVersion : 6);
  put_string(head, spec_name_);
  put<uint32_t>(head, spec_revision_);
  put<uint32_t>(head, static_cast<uint32_t>(vars_.size()));
  file.write(head);
  for (const auto& [name, e] : vars_) {
    std::string rec;
    put_string(rec, name);
    put<uint8_t>(rec, static_cast<uint8_t>(e.shape.size()));
    for (const int64_t d : e.shape) put<uint32_t>(rec, static_cast<uint32_t>(d));
    put<uint8_t>(rec, static_cast<uint8_t>(e.dtype));
    put<uint32_t>(rec, static_cast<uint32_t>(e.data.size()));
    file.write(rec);
    file.write(std::span<const std::byte>(e.data));
  }
  std::string tail;
  put<uint32_t>(tail, static_cast<uint32_t>(aliases.size()));
  for (const auto& [alias, target] : aliases) {
    put_string(tail, alias);
    put_string(tail, target);
  }
  file.write(tail);
  file.commit();
}

}  // namespace nmtd
