#pragma once
// The receiving end of sd_notify for tests: a unix datagram socket bound in a private
// directory or in the abstract namespace, reading what a Notifier sent.
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

namespace nmtd::systemd {

struct Received {
  std::string message;
  pid_t sender = 0;  // from SCM_CREDENTIALS, as systemd attributes a message to a process
};

class ListeningSocket {
 public:
  // Abstract sockets need a name no other test (or run) uses at the same time.
  static ListeningSocket abstract() {
    std::random_device random;
    return ListeningSocket("@nmtd-notify-test-" + std::to_string(::getpid()) + "-" +
                           std::to_string(random()));
  }
  // A socket file in a new private directory.
  static ListeningSocket in_temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nmtd-notify-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    ListeningSocket socket(pattern + "/notify.sock");
    socket.dir_ = pattern;
    return socket;
  }

  ListeningSocket(ListeningSocket&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)),
        path_(std::move(other.path_)),
        dir_(std::move(other.dir_)) {
    other.dir_.clear();
  }
  ListeningSocket(const ListeningSocket&) = delete;
  ListeningSocket& operator=(const ListeningSocket&) = delete;
  ListeningSocket& operator=(ListeningSocket&&) = delete;
  ~ListeningSocket() {
    if (fd_ >= 0) ::close(fd_);
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  // What Notifier takes: the path, or '@' + the abstract name.
  const std::string& path() const { return path_; }

  // The next datagram, or nothing within two seconds.
  std::optional<Received> receive() const {
    char data[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec io{data, sizeof(data)};
    msghdr header{};
    header.msg_iov = &io;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof(control);
    const ssize_t n = ::recvmsg(fd_, &header, 0);
    if (n < 0) return std::nullopt;
    Received received{std::string(data, static_cast<std::size_t>(n)), 0};
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials{};
        std::memcpy(&credentials, CMSG_DATA(c), sizeof(credentials));
        received.sender = credentials.pid;
      }
    }
    return received;
  }

 private:
  explicit ListeningSocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path_.data(), path_.size());
    socklen_t length = offsetof(sockaddr_un, sun_path) + path_.size();
    if (path_.front() == '@') {
      address.sun_path[0] = '\0';
    } else {
      length += 1;  // the terminating NUL
    }
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) != 0)
      throw std::runtime_error("bind " + path_ + ": " + std::strerror(errno));
    const int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
    const timeval timeout{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }

  int fd_ = -1;
  std::string path_;
  std::string dir_;
};

}  // namespace nmtd::systemd
