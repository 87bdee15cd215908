#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "common/error.h"

namespace nmtd {

namespace {

// Payloads at least this big bypass the buffer: copying them first would only cost memory.
constexpr std::size_t kBufferLimit = 1 << 20;

std::string errno_text(int err) { return std::strerror(err); }

// Makes the rename itself durable. Best effort: the new file is complete and in place by now,
// so a directory that cannot be synced (some filesystems refuse) is no reason to fail.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path, mode_t mode) : path_(std::move(path)) {
  // A unique name (mkstemp, O_EXCL: never follows a planted link, never shared by two
  // writers) in the destination directory: rename() is only atomic within one filesystem.
  std::string pattern = path_.string() + ".tmp-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  fd_ = ::mkstemp(name.data());
  if (fd_ < 0)
    throw IoError("cannot create a temporary file for " + path_.string() + ": " +
                  errno_text(errno));
  tmp_path_ = name.data();
  // mkstemp creates the file 0600; fchmod gives it `mode` whatever the umask.
  if (::fchmod(fd_, mode) != 0) {
    const int err = errno;
    ::close(fd_);
    ::unlink(tmp_path_.c_str());
    fd_ = -1;
    throw IoError("cannot set the mode of " + tmp_path_ + ": " + errno_text(err));
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_path_.c_str());
  }
}

void AtomicFile::write_fd(const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError("cannot write " + tmp_path_ + ": " + errno_text(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::flush() {
  write_fd(buffer_.data(), buffer_.size());
  buffer_.clear();
}

void AtomicFile::write(std::string_view bytes) {
  if (fd_ < 0) throw IoError("write after commit: " + path_.string());
  if (buffer_.size() + bytes.size() > kBufferLimit) {
    flush();
    if (bytes.size() >= kBufferLimit) {
      write_fd(bytes.data(), bytes.size());
      return;
    }
  }
  buffer_.append(bytes);
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  write(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void AtomicFile::commit() {
  if (fd_ < 0) throw IoError("commit twice: " + path_.string());
  flush();
  // fsync before rename: otherwise a power loss can leave the new name with no data.
  if (::fsync(fd_) != 0) throw IoError("cannot sync " + tmp_path_ + ": " + errno_text(errno));
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp_path_.c_str());
    throw IoError("cannot close " + tmp_path_ + ": " + errno_text(err));
  }
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp_path_.c_str());
    throw IoError("cannot rename " + tmp_path_ + " to " + path_.string() + ": " + errno_text(err));
  }
  sync_directory(path_.parent_path());
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text, mode_t mode) {
  AtomicFile file(path, mode);
  file.write(text);
  file.commit();
}

}  // namespace nmtd
