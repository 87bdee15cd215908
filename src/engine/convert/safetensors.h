#pragma once
// Reader for Hugging Face safetensors checkpoints: one model.safetensors file, or shards
// listed in model.safetensors.index.json. Files are memory-mapped and tensors are views
// into the mapping, so a converter can stream a multi-GB checkpoint tensor by tensor.
// Malformed input throws ModelFormatError naming the file (and the tensor), never crashes.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/mapped_file.h"

namespace nmtd {

// The safetensors element types. Only kF32, kF16 and kBF16 can be read as float; the
// others are known so that a checkpoint holding e.g. an int64 buffer still opens.
enum class StDType {
  kBool,
  kU8,
  kI8,
  kU16,
  kI16,
  kF16,
  kBF16,
  kU32,
  kI32,
  kF32,
  kU64,
  kI64,
  kF64,
  kF8E4M3,
  kF8E5M2
};

std::string_view st_dtype_name(StDType t);

struct StTensor {
  std::string name;
  StDType dtype = StDType::kF32;
  std::vector<int64_t> shape;
  std::span<const std::byte> data;  // unaligned view into the mapped file
  const std::filesystem::path* file = nullptr;
  const MappedFile* mapping = nullptr;  // for release()

  int64_t num_elements() const;
};

class SafetensorsFile {
 public:
  // Maps and parses `path`. Throws IoError (cannot open) or ModelFormatError.
  explicit SafetensorsFile(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return file_->path(); }
  const std::map<std::string, StTensor, std::less<>>& tensors() const { return tensors_; }
  const StTensor* find(std::string_view name) const;

 private:
  std::unique_ptr<MappedFile> file_;  // pointer: StTensor::file points at its path
  std::map<std::string, StTensor, std::less<>> tensors_;
};

// A whole checkpoint: `dir/model.safetensors`, or the shards named by
// `dir/model.safetensors.index.json` ("weight_map": tensor -> shard file).
class SafetensorsCheckpoint {
 public:
  static SafetensorsCheckpoint open(const std::filesystem::path& dir);

  const StTensor* find(std::string_view name) const;
  // Throws ModelFormatError naming the tensor and the checkpoint when absent.
  const StTensor& get(std::string_view name) const;
  std::string describe() const;  // the file (or index) for error messages

  // Copies rows [row_begin, row_end) of a 1-D or 2-D float tensor (F32, F16 or BF16) into
  // `out` as float32. A 1-D tensor has one element per row. Throws ModelFormatError for
  // other dtypes or ranks.
  static void read_rows_f32(const StTensor& t, int64_t row_begin, int64_t row_end, float* out);
  // Drops the tensor's pages from this process's resident set once it has been converted,
  // so converting a multi-GB checkpoint does not keep the whole mapping resident.
  static void release(const StTensor& t);

 private:
  std::filesystem::path origin_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const StTensor*, std::less<>> index_;
};

}  // namespace nmtd
