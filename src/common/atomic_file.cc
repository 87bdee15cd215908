#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "common/error.h"

namespace nmtd {

namespace {

// Writes all of `text` to a new `path` with `mode`; false (errno set) on failure.
bool write_new_file(const std::filesystem::path& path, std::string_view text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return false;
  bool ok = ::fchmod(fd, mode) == 0;  // an existing leftover keeps its mode otherwise
  const char* data = text.data();
  std::size_t left = text.size();
  while (ok && left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  const int err = errno;
  if (::close(fd) != 0 && ok) return false;
  errno = err;
  return ok;
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view text, mode_t mode) {
  const std::filesystem::path temp = std::filesystem::path(path).concat(".tmp");
  if (!write_new_file(temp, text, mode)) {
    const int err = errno;
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw IoError("cannot write " + temp.string() + ": " + std::strerror(err));
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw IoError("cannot rename " + temp.string() + " to " + path.string() + ": " + ec.message());
  }
}

}  // namespace nmtd
