#pragma once
// Read-only memory mapping of a whole file (RAII). Weights are read as views over it,
// so loading a model does not copy what it does not have to.
#include <cstddef>
#include <filesystem>
#include <span>

namespace nmtd {

class MappedFile {
 public:
  // Throws IoError naming the path when the file cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }
  // Tells the kernel the range will not be read again (pages may be dropped from RSS).
  void release(std::size_t offset, std::size_t length) const;

 private:
  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace nmtd
