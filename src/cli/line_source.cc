#include "cli/line_source.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/error.h"

namespace nmtd::cli {

namespace {
constexpr std::size_t kReadChunk = 1 << 16;
}  // namespace

bool FdLineSource::line_buffered() const {
  return std::string_view(buffer_).find('\n', start_) != std::string_view::npos;
}

void FdLineSource::read_more() {
  // Drop what was returned already, so the buffer holds at most one partial line and a chunk.
  buffer_.erase(0, start_);
  start_ = 0;
  const std::size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadChunk);
  for (;;) {
    const ssize_t n = ::read(fd_, buffer_.data() + old_size, kReadChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      buffer_.resize(old_size);
      throw IoError(std::string("cannot read standard input: ") + std::strerror(err));
    }
    buffer_.resize(old_size + static_cast<std::size_t>(n));
    if (n == 0) end_ = true;
    return;
  }
}

bool FdLineSource::next(std::string& line) {
  for (;;) {
    const std::size_t newline = buffer_.find('\n', start_);
    if (newline != std::string::npos) {
      line.assign(buffer_, start_, newline - start_);
      start_ = newline + 1;
      return true;
    }
    if (end_) {
      if (start_ == buffer_.size()) return false;
      line.assign(buffer_, start_);
      start_ = buffer_.size();
      return true;
    }
    read_more();
  }
}

bool FdLineSource::ready() {
  if (end_ || line_buffered()) return true;
  pollfd p{fd_, POLLIN, 0};
  for (;;) {
    const int n = ::poll(&p, 1, 0);
    if (n < 0 && errno == EINTR) continue;
    // Readable, at its end, or broken: next() will not wait (an error shows there).
    return n != 0;
  }
}

bool ListLineSource::next(std::string& line) {
  if (next_ == lines_.size()) return false;
  line = lines_[next_++];
  return true;
}

}  // namespace nmtd::cli
