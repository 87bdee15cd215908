#include "engine/convert/safetensors.h"

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "common/error.h"
#include "engine/dtype.h"

namespace nmtd {

namespace {

struct DTypeInfo {
  std::string_view name;
  StDType dtype;
  std::size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {"BOOL", StDType::kBool, 1}, {"U8", StDType::kU8, 1},          {"I8", StDType::kI8, 1},
    {"U16", StDType::kU16, 2},   {"I16", StDType::kI16, 2},        {"F16", StDType::kF16, 2},
    {"BF16", StDType::kBF16, 2}, {"U32", StDType::kU32, 4},        {"I32", StDType::kI32, 4},
    {"F32", StDType::kF32, 4},   {"U64", StDType::kU64, 8},        {"I64", StDType::kI64, 8},
    {"F64", StDType::kF64, 8},   {"F8_E4M3", StDType::kF8E4M3, 1}, {"F8_E5M2", StDType::kF8E5M2, 1},
};

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw ModelFormatError(path.string() + ": " + what);
}

uint64_t read_u64_le(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

StTensor parse_entry(const std::filesystem::path& path, const std::string& name,
                     const nlohmann::json& e, std::span<const std::byte> data) {
  const std::string where = "tensor '" + name + "'";
  if (!e.is_object()) fail(path, where + ": header entry is not an object");
  StTensor t;
  t.name = name;
  const auto dt = e.find("dtype");
  if (dt == e.end() || !dt->is_string()) fail(path, where + ": missing \"dtype\"");
  const std::string dname = dt->get<std::string>();
  std::size_t item = 0;
  for (const auto& d : kDTypes) {
    if (d.name == dname) {
      t.dtype = d.dtype;
      item = d.size;
    }
  }
  if (item == 0) fail(path, where + ": unknown dtype \"" + dname + "\"");

  const auto sh = e.find("shape");
  if (sh == e.end() || !sh->is_array()) fail(path, where + ": missing \"shape\" array");
  uint64_t count = 1;
  for (const auto& d : *sh) {
    if (!d.is_number_unsigned()) fail(path, where + ": shape holds a non-integer or negative");
    const uint64_t v = d.get<uint64_t>();
    if (v != 0 && count > std::numeric_limits<uint64_t>::max() / 8 / v)
      fail(path, where + ": shape is too large");
    count *= v;
    t.shape.push_back(static_cast<int64_t>(v));
  }

  const auto off = e.find("data_offsets");
  if (off == e.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
      !(*off)[1].is_number_unsigned())
    fail(path, where + ": \"data_offsets\" must be two non-negative integers");
  const uint64_t begin = (*off)[0].get<uint64_t>();
  const uint64_t end = (*off)[1].get<uint64_t>();
  if (begin > end || end > data.size())
    fail(path, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                   "] lie outside the " + std::to_string(data.size()) + "-byte data section");
  if (end - begin != count * item)
    fail(path, where + ": holds " + std::to_string(end - begin) +
                   " bytes but its shape and dtype "
                   "need " +
                   std::to_string(count * item));
  t.data = data.subspan(begin, end - begin);
  return t;
}

}  // namespace

std::string_view st_dtype_name(StDType t) {
  for (const auto& d : kDTypes)
    if (d.dtype == t) return d.name;
  return "?";
}

int64_t StTensor::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : file_(std::make_unique<MappedFile>(path)) {
  const auto bytes = file_->bytes();
  if (bytes.size() < 8)
    fail(path, "too short for a safetensors header (" + std::to_string(bytes.size()) + " bytes)");
  const uint64_t header_len = read_u64_le(bytes.data());
  if (header_len > bytes.size() - 8)
    fail(path, "header length " + std::to_string(header_len) + " exceeds the file size " +
                   std::to_string(bytes.size()) + " (truncated file?)");
  const auto* hp = reinterpret_cast<const char*>(bytes.data() + 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(hp, hp + header_len);
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail(path, "header is not a JSON object");
  const auto data = bytes.subspan(8 + header_len);
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    StTensor t = parse_entry(path, name, entry, data);
    t.file = &file_->path();
    t.mapping = file_.get();
    tensors_.emplace(name, std::move(t));
  }
}

const StTensor* SafetensorsFile::find(std::string_view name) const {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::filesystem::path& dir) {
  SafetensorsCheckpoint ck;
  const auto single = dir / "model.safetensors";
  const auto index = dir / "model.safetensors.index.json";
  if (std::filesystem::exists(single)) {
    ck.origin_ = single;
    ck.files_.push_back(std::make_unique<SafetensorsFile>(single));
    for (const auto& [name, t] : ck.files_.back()->tensors()) ck.index_.emplace(name, &t);
    return ck;
  }
  if (!std::filesystem::exists(index))
    throw ModelFormatError(dir.string() +
                           ": no model.safetensors or model.safetensors.index.json "
                           "(only safetensors checkpoints can be converted)");
  ck.origin_ = index;
  const MappedFile f(index);
  nlohmann::json j;
  try {
    const auto* p = reinterpret_cast<const char*>(f.bytes().data());
    j = nlohmann::json::parse(p, p + f.size());
  } catch (const nlohmann::json::exception& e) {
    fail(index, std::string("not valid JSON: ") + e.what());
  }
  const auto wm = j.is_object() ? j.find("weight_map") : j.end();
  if (wm == j.end() || !wm->is_object()) fail(index, "missing \"weight_map\" object");
  // Open each shard once, in name order so that errors are reproducible.
  std::set<std::string> shards;
  for (const auto& [name, file] : wm->items()) {
    if (!file.is_string()) fail(index, "weight_map entry '" + name + "' is not a file name");
    const std::string s = file.get<std::string>();
    if (s.empty() || s.find('/') != std::string::npos || s == "." || s == "..")
      fail(index,
           "weight_map entry '" + name + "' names '" + s + "', not a file in " + dir.string());
    shards.insert(s);
  }
  std::map<std::string, const SafetensorsFile*> by_name;
  for (const auto& s : shards) {
    ck.files_.push_back(std::make_unique<SafetensorsFile>(dir / s));
    by_name[s] = ck.files_.back().get();
  }
  for (const auto& [name, file] : wm->items()) {
    const SafetensorsFile* shard = by_name.at(file.get<std::string>());
    const StTensor* t = shard->find(name);
    if (t == nullptr)
      fail(index, "tensor '" + name + "' is mapped to " + file.get<std::string>() +
                      " but that shard does not hold it");
    ck.index_.emplace(name, t);
  }
  return ck;
}

const StTensor* SafetensorsCheckpoint::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

const StTensor& SafetensorsCheckpoint::get(std::string_view name) const {
  const StTensor* t = find(name);
  if (t == nullptr)
    throw ModelFormatError(describe() + ": missing tensor '" + std::string(name) + "'");
  return *t;
}

std::string SafetensorsCheckpoint::describe() const { return origin_.string(); }

void SafetensorsCheckpoint::release(const StTensor& t) {
  if (t.mapping == nullptr || t.data.empty()) return;
  t.mapping->release(static_cast<std::size_t>(t.data.data() - t.mapping->bytes().data()),
                     t.data.size());
}

void SafetensorsCheckpoint::read_rows_f32(const StTensor& t, int64_t row_begin, int64_t row_end,
                                          float* out) {
  const std::string where =
      (t.file ? t.file->string() : std::string("safetensors")) + ": tensor '" + t.name + "'";
  if (t.shape.empty() || t.shape.size() > 2)
    throw ModelFormatError(where + ": expected a 1-D or 2-D tensor");
  const int64_t rows = t.shape[0];
  const int64_t cols = t.shape.size() == 2 ? t.shape[1] : 1;
  if (row_begin < 0 || row_end > rows || row_begin > row_end)
    throw ModelFormatError(where + ": row range out of bounds");
  const std::size_t n = static_cast<std::size_t>((row_end - row_begin) * cols);
  const std::size_t first = static_cast<std::size_t>(row_begin * cols);
  const std::byte* src = t.data.data();
  switch (t.dtype) {
    case StDType::kF32:
      std::memcpy(out, src + first * 4, n * 4);  // the mapping may be unaligned
      return;
    case StDType::kF16:
    case StDType::kBF16: {
      const bool half = t.dtype == StDType::kF16;
      for (std::size_t i = 0; i < n; ++i) {
        uint16_t v;
        std::memcpy(&v, src + (first + i) * 2, 2);
        out[i] = half ? half_to_float(v) : bfloat16_to_float(v);
      }
      return;
    }
    default:
      throw ModelFormatError(where + ": dtype " + std::string(st_dtype_name(t.dtype)) +
                             " cannot be converted (expected F32, F16 or BF16)");
  }
}

}  // namespace nmtd
