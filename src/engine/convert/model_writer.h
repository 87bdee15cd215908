#pragma once
// Writer for CTranslate2's model.bin, binary version 6 (the current one): variables sorted
// by name byte-wise, then the alias section. Used by `nmtd convert` and `make-test-model`.
// A file with int4 variables is written as version 7 (kInt4BinaryVersion, nmtd's).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/dtype.h"

namespace nmtd {

class ModelWriter {
 public:
  explicit ModelWriter(std::string spec_name = "TransformerSpec", uint32_t spec_revision = 7);

  // Adds a variable; `data` holds product(shape) * dtype_size(dtype) bytes (checked).
  void add(const std::string& name, DType dtype, std::vector<int64_t> shape,
           std::vector<std::byte> data);
  void add_f32(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& v);
  void add_scalar_i8(const std::string& name, int8_t v);
  void add_scalar_i16(const std::string& name, int16_t v);
  void add_scalar_f32(const std::string& name, float v);
  void add_alias(const std::string& alias, const std::string& target);

  bool has(const std::string& name) const { return vars_.count(name) != 0; }

  // Replaces every non-scalar variable whose dtype, shape and bytes equal those of a variable
  // earlier in name order by an alias to that first one (CTranslate2's `_alias_variables`).
  void alias_duplicates();

  // Writes the file atomically (temp file + rename). Throws IoError.
  void write(const std::filesystem::path& path) const;

 private:
  struct Entry {
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<std::byte> data;
  };
  std::string spec_name_;
  uint32_t spec_revision_;
  std::map<std::string, Entry> vars_;  // std::map orders names byte-wise, as Python's sort does
  std::vector<std::pair<std::string, std::string>> aliases_;
};

}  // namespace nmtd
