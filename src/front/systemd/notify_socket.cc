#include "front/systemd/notify_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace nmtd::systemd {
namespace {

// Closes the socket on every path out of send_datagram().
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::error_code last_error() { return {errno, std::system_category()}; }

}  // namespace

std::error_code send_datagram(std::string_view socket_path, std::string_view message) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const bool abstract = socket_path.starts_with('@');
  // systemd hands out absolute paths or abstract names; anything else ("vsock:...", a
  // relative path) is not a socket this code can reach.
  if (!abstract && !socket_path.starts_with('/'))
    return std::make_error_code(std::errc::address_family_not_supported);
  // A filesystem path needs its terminating NUL inside sun_path; an abstract name does not.
  if (socket_path.size() + (abstract ? 0 : 1) > sizeof(address.sun_path))
    return std::make_error_code(std::errc::filename_too_long);
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  if (abstract) address.sun_path[0] = '\0';
  // The abstract name is exactly the bytes given: the length says where it ends.
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path.size() +
                                             (abstract ? 0 : 1));

  const Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return last_error();
  // MSG_DONTWAIT: the supervision loop must never wait on a busy service manager; a full
  // queue is an error for this message, and the next watchdog ping tries again.
  for (;;) {
    const ssize_t sent =
        ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                 reinterpret_cast<const sockaddr*>(&address), length);
    if (sent >= 0) {
      if (static_cast<std::size_t>(sent) != message.size())
        return std::make_error_code(std::errc::message_size);
      return {};
    }
    if (errno != EINTR) return last_error();
  }
}

}  // namespace nmtd::systemd
