#pragma once
// Reader for CTranslate2's model.bin (binary versions 1-6). The file is memory-mapped and
// every variable is a view into the mapping: nothing is copied here. Malformed input throws
// ModelFormatError naming the file, the variable or byte offset, and what was expected.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
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

  // Stored variables in file order. A name stored twice appears once, as its first record
  // (CTranslate2 keeps the first); duplicate_names() lists the others.
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

  // A legacy string attribute (binary version < 6 stores e.g. unk_token as a 1-D int8 array
  // of UTF-8 bytes). nullopt when absent; throws when present with another type.
  std::optional<std::string> string_attribute(std::string_view name) const;
  // Heads implied by the spec name for Transformer revisions < 3, which did not store
  // num_heads (TransformerBase and "": 8, TransformerBig: 16). nullopt otherwise.
  std::optional<int> implied_num_heads() const;

  // What the reader tolerated, as CTranslate2 does, but a tool may want to report:
  // names stored twice (the first record wins and is the only one in variables()),
  // aliases whose target does not exist (ignored by find()), and bytes after the last
  // section.
  const std::vector<std::string>& duplicate_names() const { return duplicates_; }
  const std::vector<std::string>& dangling_aliases() const { return dangling_; }
  uint64_t trailing_bytes() const { return trailing_bytes_; }

  // Spec names CTranslate2 registers, with the newest revision each reader understands.
  static const std::vector<std::pair<std::string, uint32_t>>& known_specs();

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
  std::map<std::string, std::string, std::less<>> alias_index_;  // alias -> variable name
  std::vector<std::string> duplicates_;
  std::vector<std::string> dangling_;
  uint64_t trailing_bytes_ = 0;

  friend class ModelFileParser;
};

}  // namespace nmtd
