#pragma once
// Async-signal-safe text output for the crash handler: no malloc, no stdio, no locks. Text is
// gathered in a fixed buffer on the caller's stack and written with write(2) to up to two
// file descriptors (the report file and stderr).
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace nmtd::crash::detail {

inline void write_all(int fd, const char* data, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nothing sensible to do about a failing write in a crash
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

class ReportWriter {
 public:
  ReportWriter(int fd1, int fd2) noexcept : fds_{fd1, fd2} {}
  ~ReportWriter() { flush(); }
  ReportWriter(const ReportWriter&) = delete;
  ReportWriter& operator=(const ReportWriter&) = delete;

  ReportWriter& str(const char* s) noexcept {
    while (s != nullptr && *s != '\0') put(*s++);
    return *this;
  }
  ReportWriter& str(const char* s, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) put(s[i]);
    return *this;
  }
  ReportWriter& dec(std::int64_t v) noexcept {
    if (v < 0) {
      put('-');
      return udec(0 - static_cast<std::uint64_t>(v));
    }
    return udec(static_cast<std::uint64_t>(v));
  }
  ReportWriter& udec(std::uint64_t v) noexcept {
    char digits[20];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) put(digits[--n]);
    return *this;
  }
  ReportWriter& hex(std::uintptr_t v) noexcept {  // "0x" and lowercase digits, no padding
    static constexpr char kDigits[] = "0123456789abcdef";
    char digits[2 * sizeof v];
    int n = 0;
    do {
      digits[n++] = kDigits[v & 0xf];
      v >>= 4;
    } while (v != 0);
    put('0');
    put('x');
    while (n > 0) put(digits[--n]);
    return *this;
  }

  void flush() noexcept {
    for (int fd : fds_) {
      if (fd >= 0) write_all(fd, buf_, used_);
    }
    used_ = 0;
  }

  // The descriptors, for output written by other code (the ring, backtrace_symbols_fd).
  const int* fds() const noexcept { return fds_; }

 private:
  void put(char c) noexcept {
    if (used_ == sizeof buf_) flush();
    buf_[used_++] = c;
  }

  int fds_[2];
  char buf_[1024];
  std::size_t used_ = 0;
};

}  // namespace nmtd::crash::detail
