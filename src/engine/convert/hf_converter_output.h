#pragma once
// Writing a model directory all-or-nothing: files go into a hidden temporary directory beside
// the destination, which is renamed into place by commit(). Destroyed without commit() (an
// exception), the temporary directory is removed and the destination is left as it was.
#include <filesystem>

namespace nmtd {

class StagedDirectory {
 public:
  // Throws InvalidArgument when `final_dir` exists, is not empty and `force` is false, or
  // when it does not look like a model directory (so --force cannot delete a home folder).
  StagedDirectory(std::filesystem::path final_dir, bool force);
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  // Where to write the files.
  const std::filesystem::path& path() const { return staging_; }
  // Moves the staged directory to the destination (replacing an old one). Throws IoError.
  void commit();

 private:
  std::filesystem::path final_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

}  // namespace nmtd
