#pragma once
// Files that readers see whole or not at all: written to a temporary file beside PATH (same
// filesystem, unique name), fsynced, then renamed over PATH, so that a reader (or a process
// restarted after a crash or a power loss) never sees half a file under PATH. Every failure
// throws IoError naming the path and leaves no temporary file behind.
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace nmtd {

// Small writes are buffered; large ones go straight to the file, so a multi-GB model.bin is
// never held twice in memory. Destroyed without commit() (an exception), the temporary file
// is removed and PATH is left as it was.
class AtomicFile {
 public:
  // The file gets `mode` whatever the umask (0600 for what holds request ids or error texts).
  explicit AtomicFile(std::filesystem::path path, mode_t mode = 0644);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::span<const std::byte> bytes);
  void write(std::string_view bytes);
  // Flushes, fsyncs and renames the temporary file to PATH (then syncs PATH's directory).
  void commit();

 private:
  void flush();
  void write_fd(const char* data, std::size_t size);

  std::filesystem::path path_;
  std::string tmp_path_;
  int fd_ = -1;
  std::string buffer_;
};

// `text` as the whole content of `path`, atomically (AtomicFile in one call).
void write_file_atomically(const std::filesystem::path& path, std::string_view text,
                           mode_t mode = 0644);

}  // namespace nmtd
