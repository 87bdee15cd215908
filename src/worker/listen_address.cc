#include "worker/listen_address.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace nmtd::worker {

ListenAddress parse_listen_address(const std::string& value) {
  ListenAddress out;
  if (value.rfind("unix:", 0) == 0) {
    std::string path = value.substr(5);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // unix:///abs/path
    if (path.empty()) throw InvalidArgument("--listen unix: needs a path, e.g. unix:/tmp/w.sock");
    if (path.size() >= sizeof(sockaddr_un::sun_path)) {
      throw InvalidArgument("--listen: the unix socket path is " + std::to_string(path.size()) +
                            " bytes; the system limit is " +
                            std::to_string(sizeof(sockaddr_un::sun_path) - 1));
    }
    out.unix_path = path;
    out.grpc_uri = "unix:" + path;
    return out;
  }
  const auto colon = value.rfind(':');
  const std::string host = colon == std::string::npos ? "127.0.0.1" : value.substr(0, colon);
  const std::string port = colon == std::string::npos ? value : value.substr(colon + 1);
  const bool numeric = !port.empty() && port.size() <= 5 &&
                       port.find_first_not_of("0123456789") == std::string::npos;
  if (!numeric || std::stoi(port) > 65535 || host.empty()) {
    throw InvalidArgument("--listen '" + value +
                          "' is not unix:PATH, HOST:PORT or PORT (port 0 picks a free one)");
  }
  out.grpc_uri = host + ":" + port;
  return out;
}

void claim_unix_socket_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;  // nothing there
  if (!S_ISSOCK(st.st_mode))
    throw Error("--listen: " + path + " exists and is not a socket; refusing to replace it");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(std::string("socket(): ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const bool answered = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  if (answered) throw Error("--listen: unix socket " + path + " is in use by a running server");
  ::unlink(path.c_str());  // stale: its server is gone
}

}  // namespace nmtd::worker
