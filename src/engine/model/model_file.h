#pragma once
// Reader for CTranslate2's model.bin (binary versions 1-6). The file is memory-mapped and
// every variable is a view into the mapping: nothing is copied here. Malformed input throws
// ModelFormatError naming the file, the variable or byte offset, and what was expected.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/mapped_file.h"
#include "engine/dtype.h"

namespace nmtd {

struct Variable {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // empty for scalars
  uint64_t offset = 0;         // payload offset in the file (any alignment)
  uint64_t num_bytes = 0;

  int64_t num_elements() const;
  bool is_scalar() const { return shape.empty(); }
};

class ModelFile {
 public:
  // Maps and parses `path`. Throws IoError (cannot open) or ModelFormatError.
  static ModelFile open(const std::filesystem::path& path);

  uint32_t binary_version() const { return binary_version_; }
  const std::string& spec_name() const { return spec_name_; }
  uint32_t spec_revision() const { return spec_revision_; }
  uint64_t file_size() const { return file_->size(); }
  const std::filesystem::path& path() const { return file_->path(); }

  // Stored variables in file order.
  const std::vector<Variable>& variables() const { return variables_; }
  // Aliases as stored: (alias, target).
  const std::vector<std::pair<std::string, std::string>>& aliases() const { return aliases_; }

  // Looks a name up, following aliases (an alias `a` of `t` also makes `a_scale` resolve to
  // `t_scale`, as CTranslate2 does). nullptr when absent.
  const Variable* find(std::string_view name) const;
  // Same, but throws ModelFormatError("model.bin: missing variable '...'") when absent.
  const Variable& get(std::string_view name) const;

  // The raw payload bytes of a variable (unaligned view into the mapping).
  std::span<const std::byte> payload(const Variable& v) const;
  // A scalar attribute converted to double from whatever dtype it is stored in.
  double scalar(const Variable& v) const;
  // The scalar `name` or `fallback` when absent. Throws if present but not a scalar.
  double scalar_or(std::string_view name, double fallback) const;

  // Drops the pages of a payload from the page cache mapping once it has been copied
  // or repacked elsewhere, so resident memory holds each weight once.
  void release(const Variable& v) const;

 private:
  ModelFile() = default;
  std::shared_ptr<MappedFile> file_;
  uint32_t binary_version_ = 0;
  std::string spec_name_;
  uint32_t spec_revision_ = 1;
  std::vector<Variable> variables_;
  std::map<std::string, std::size_t, std::less<>> index_;  // name -> variables_ position
  std::vector<std::pair<std::string, std::string>> aliases_;
  std::map<std::string, std::string, std::less<>> alias_index_;
};

}  // namespace nmtd
